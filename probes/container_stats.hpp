// The container stats stage: for every container discovery reports, cAdvisor's resource metrics
// every container_stats.interval, appended to storage like a scrape's samples.
//
// A container is inspected when it appears or changes (pid, start time, restarts, health, image),
// its cgroup located once and kept; each pass then reads a few cgroup files and its net/dev, and
// appends through a ContainerSeries. Docker is asked again only when the kernel says something
// changed (the cgroup or the pid is gone: a restart or a stop) and, for containers with a
// healthcheck, every kHealthRefreshPasses passes. A container that goes away gets stale markers.
// Everything runs on one strand; apply() and stop() may be called from any thread.
#pragma once

#include "agent/storage/appender.hpp"
#include "config/config.hpp"
#include "discovery/container_inspect.hpp"
#include "discovery/docker_client.hpp"
#include "discovery/target_set.hpp"
#include "probes/container_series.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace autoscrape::probes {

// Health changes are seen this many passes late at most (1 min at the default 15 s).
inline constexpr int kHealthRefreshPasses = 4;

class ContainerStats : public std::enable_shared_from_this<ContainerStats> {
public:
    using Inspector =
        std::function<boost::asio::awaitable<discovery::Result<discovery::ContainerInspect>>(const std::string& id)>;
    // The body of the Docker stats API for a container (see docker_stats.hpp).
    using StatsFetcher = std::function<boost::asio::awaitable<discovery::Result<std::string>>(const std::string& id)>;

    // `executor` must be a strand. `cancel_inspects` aborts inspects in flight at stop(), so that a
    // hung dockerd does not hold the shutdown for its timeout.
    ContainerStats(boost::asio::any_io_executor executor, config::ContainerStatsConfig config, Inspector inspect,
                   std::unique_ptr<storage::Appender> appender, prometheus::Registry& registry,
                   std::function<void()> cancel_inspects = {});

    // Containers whose cgroup cannot be found are sampled through `fetch` instead of being left
    // out (with a warning). Call before start().
    void use_stats_api_fallback(StatsFetcher fetch) { fetch_stats_ = std::move(fetch); }

    void start();
    void apply(const discovery::DiscoveryUpdate& update);
    // Stale markers for every container's series; later updates are ignored. Idempotent.
    void stop();

    std::size_t container_count() const { return count_.load(); }
    // Passes completed, for tests and the benchmark.
    std::uint64_t passes() const { return passes_.load(); }

private:
    struct Tracked {
        std::string name;
        std::string compose_service;
        std::string compose_project;
        bool inspect_due = true;
        bool inspected = false;
        std::int64_t pid = 0;
        std::string image;
        ContainerState state;
        std::optional<CgroupLocation> cgroup;
        std::unique_ptr<ContainerSeries> series;
        bool warned = false;  // about a missing cgroup, once
        bool via_api = false;  // no cgroup found: sampled through the Docker stats API
    };

    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> inspect_due();
    boost::asio::awaitable<void> collect_via_api(std::int64_t now_ms);
    ContainerSeries& series_for(Tracked& c, const std::string& id_label, std::int64_t now_ms);
    void on_update(const discovery::DiscoveryUpdate& update);
    void track(const discovery::TargetGroup& group);
    void forget(const std::string& id, std::int64_t now_ms);
    void collect(std::int64_t now_ms);
    bool sample(const std::string& id, Tracked& c, std::int64_t now_ms);
    // Appends and commits one container's pass from the sample just read (cgroup_sample_,
    // interfaces_): a commit per container, so a retry under fresh refs has its sample at hand.
    void append_pass(ContainerSeries& series, const ContainerState& state, std::int64_t now_ms);
    void do_stop();

    boost::asio::any_io_executor executor_;
    config::ContainerStatsConfig config_;
    Inspector inspect_;
    StatsFetcher fetch_stats_;
    std::vector<std::string> via_api_;  // ids to sample through fetch_stats_ after this pass
    std::function<void()> cancel_inspects_;
    std::unique_ptr<storage::Appender> app_;
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
    std::map<std::string, Tracked> containers_;  // by id
    DeviceNames devices_;
    CgroupSample cgroup_sample_;               // scratch, reused
    std::vector<InterfaceStats> interfaces_;  // scratch, reused
    std::string buffer_;                      // scratch, reused
    std::uint64_t pass_number_ = 0;

    std::atomic<std::size_t> count_{0};
    std::atomic<std::uint64_t> passes_{0};
    prometheus::Gauge* containers_gauge_ = nullptr;
    prometheus::Gauge* pass_seconds_ = nullptr;
    prometheus::Counter* read_errors_ = nullptr;
    prometheus::Counter* inspect_errors_ = nullptr;
};

// Inspects through `client`, negotiating its API version at the first call. The client must be
// used on the stats stage's strand only.
ContainerStats::Inspector docker_inspector(std::shared_ptr<discovery::DockerClient> client);
// The same for the stats API (one-shot: no second sample for a CPU percentage nobody reads here).
ContainerStats::StatsFetcher docker_stats_fetcher(std::shared_ptr<discovery::DockerClient> client);

}  // namespace autoscrape::probes
