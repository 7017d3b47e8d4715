// One probe target's loop: probe, append, report, every interval.
//
// A probe's result is exactly what /probe answers for it, so a loop appends that text through the
// scrape cache a scrape loop uses: its series, their refs and their staleness behave as those of
// a Prometheus server scraping blackbox_exporter's /probe (a series a later probe no longer
// reports, such as a phase after a refused connect, gets a stale marker; so does every series
// when the loop stops). Unlike that scrape there is no `up`: probe_success is the health.
//
// The first probe waits the target's offset in the interval (scrape_offset), so containers
// discovered together do not all probe at once. A loop runs on its own strand; start, stop and
// update may be called from any thread.
#pragma once

#include "agent/scrape/scrape_cache.hpp"
#include "agent/scrape/scrape_loop.hpp"
#include "agent/storage/appender.hpp"
#include "probes/probe_targets.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace autoscrape::probes {

struct ProbeStatus {
    scrape::Health health = scrape::Health::Unknown;
    std::string last_error;
    std::chrono::system_clock::time_point last_probe{};
    double last_duration_seconds = 0;
};

// What one probe did, for the manager's self-metrics.
struct ProbeReport {
    const std::string& module;
    bool success = false;
};

class ProbeLoop : public std::enable_shared_from_this<ProbeLoop> {
public:
    using ReportHook = std::function<void(const ProbeReport&)>;

    ProbeLoop(boost::asio::any_io_executor executor, std::unique_ptr<storage::Appender> appender, ProbeTarget target,
              ReportHook hook = {});

    // Schedules the probes: the first after scrape_offset(), then one per interval.
    void start();
    // Stops probing and writes stale markers for every series of the last probe; idempotent. A
    // probe in flight finishes by its module's timeout and is discarded.
    void stop();
    // The same target (same key) with another module definition or interval, after a reload.
    void update(ProbeTarget target);

    // One probe, now, on the caller's coroutine (the schedule and the tests use it).
    boost::asio::awaitable<void> probe_once();

    ProbeTarget target() const;
    ProbeStatus status() const;

private:
    boost::asio::awaitable<void> run();
    void do_stop();
    // Appends a rendered probe result (stale markers instead if it does not parse).
    void append_result(std::string_view body, std::int64_t timestamp_ms);

    boost::asio::any_io_executor executor_;
    std::unique_ptr<storage::Appender> app_;
    scrape::ScrapeCache cache_;
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
    // update() changed the interval or the target's hash, so its phase: the schedule is planned anew.
    bool replan_ = false;
    ReportHook hook_;

    mutable std::mutex mutex_;  // guards target_ and status_ against readers on other threads
    ProbeTarget target_;
    ProbeStatus status_;
};

}  // namespace autoscrape::probes
