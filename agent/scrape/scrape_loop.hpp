// One target's scrape loop: fetch, parse, relabel, append, report, every scrape_interval.
//
// As Prometheus' scrapeLoop: the first scrape waits an offset derived from the target's hash, so
// targets spread over the interval instead of all firing at once (on a grid, see kPhaseStep);
// each scrape writes the synthetic series (up, scrape_duration_seconds, ...) and commits as one
// batch; a failed scrape rolls back, marks the last good scrape's series stale and reports up=0;
// stopping marks everything stale.
//
// A loop runs on its own strand; start/stop/update may be called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "agent/scrape/scrape_cache.hpp"
#include "agent/scrape/scraper.hpp"
#include "agent/scrape/target_builder.hpp"
#include "agent/storage/appender.hpp"

namespace autoscrape::scrape {

struct LoopOptions {
    SeriesOptions series;
    AppendLimits limits;
    std::uint64_t body_size_limit = 0;
};

enum class Health { Unknown, Up, Down };

struct LoopStatus {
    Health health = Health::Unknown;
    std::string last_error;
    std::chrono::system_clock::time_point last_scrape{};
    double last_duration_seconds = 0;
};

// What one scrape did, for the manager's self-metrics.
struct ScrapeReport {
    bool ok = false;
    double duration_seconds = 0;
    std::uint64_t samples = 0;
};

// Targets spread over their interval by hash, as in Prometheus, but only to multiples of
// kPhaseStep: the targets of one interval whose phases share a step are scraped together, in one
// wake-up of the agent. A wake-up costs more than a small scrape's own work (the scheduler, caches
// gone cold, a VM's exit from idle): at 10 targets × 1000 series a second, scraping all of them in
// one wake-up took half the CPU of ten separate ones (bench/RESULTS.md). With the grid the agent
// wakes at most 1 / kPhaseStep times a second per interval, however many targets it has, and the
// targets still spread over interval / kPhaseStep phases.
inline constexpr std::chrono::milliseconds kPhaseStep{250};
static_assert(kPhaseStep.count() > 0);

// Where in the interval (measured from the wall clock's multiples of it) a target with this hash
// scrapes: a multiple of kPhaseStep below the interval; 0 for intervals up to kPhaseStep.
std::chrono::milliseconds scrape_phase(std::uint64_t hash, std::chrono::milliseconds interval);

// The wait from `now` to the target's next phase point (more than 0, at most an interval). Exact
// to the nanosecond, so that loops of one phase, started at different moments, plan the same instant.
std::chrono::nanoseconds scrape_offset(std::uint64_t hash, std::chrono::milliseconds interval,
                                       std::chrono::system_clock::time_point now);

// The steady-clock instant `wait` after the system clock's `now`: where a loop plans its first tick.
std::chrono::steady_clock::time_point steady_after(std::chrono::system_clock::time_point now,
                                                   std::chrono::nanoseconds wait);

// The tick after `previous`, one interval on; when the loop fell behind (a scrape or probe longer
// than the interval), the first tick after `now` in the same phase: missed ticks are skipped, not
// run back to back.
std::chrono::steady_clock::time_point next_tick(std::chrono::steady_clock::time_point previous,
                                                std::chrono::milliseconds interval,
                                                std::chrono::steady_clock::time_point now);

// How a loop's first scrape is timed.
enum class FirstScrape {
    // As Prometheus: wait the hash offset (up to a whole interval), so targets starting together
    // spread over the interval.
    Spread,
    // Within kPromptWindow (still spread by the hash), then join the hash phase: a container that
    // appears while the agent runs has its first sample in well under a second, not up to a whole
    // interval later; while the new server still refuses connections, the scrape is tried again
    // after kPromptRetry, doubling, for up to half an interval. A departure from Prometheus; the
    // steady state is spread the same way.
    Prompt,
};
inline constexpr std::chrono::milliseconds kPromptWindow{250};
// The first wait before a prompt scrape that was refused is tried again; it doubles each time.
inline constexpr std::chrono::milliseconds kPromptRetry{50};

// The delay of a prompt first scrape: within min(interval, kPromptWindow).
std::chrono::milliseconds prompt_delay(std::uint64_t hash, std::chrono::milliseconds interval);
// After a scrape off the target's phase at `now` (a prompt first scrape, or the last one before
// its interval or labels changed): the wait until its phase, at least half an interval away, so
// two scrapes are never bunched together.
std::chrono::nanoseconds rejoin_phase(std::uint64_t hash, std::chrono::milliseconds interval,
                                      std::chrono::system_clock::time_point now);
// rejoin_phase from now, as an instant for a timer.
std::chrono::steady_clock::time_point rejoin_at(std::uint64_t hash, std::chrono::milliseconds interval);

class ScrapeLoop : public std::enable_shared_from_this<ScrapeLoop> {
public:
    using ReportHook = std::function<void(const ScrapeReport&)>;

    ScrapeLoop(boost::asio::any_io_executor executor, std::unique_ptr<storage::Appender> appender,
               ScrapeTarget target, LoopOptions options, ReportHook hook = {});

    // Schedules the scrapes: the first as `first` says, then one per interval in the hash phase.
    void start(FirstScrape first = FirstScrape::Spread);
    // Stops scraping and writes stale markers for every series of the last scrape; idempotent.
    void stop();
    // New labels or series options restart the series (old ones go stale, the cache is cleared);
    // anything else (interval, timeout, limits, address) keeps the cache.
    void update(ScrapeTarget target, LoopOptions options);

    // One scrape, now, on the caller's coroutine (the schedule and the tests use it). True when
    // the target refused the connection: nothing listens there (yet).
    boost::asio::awaitable<bool> scrape_once();

    ScrapeTarget target() const;
    LoopStatus status() const;
    std::uint64_t labels_built() const;
    std::uint64_t connections_opened() const;

private:
    boost::asio::awaitable<void> run(FirstScrape first);
    boost::asio::awaitable<void> prompt_scrapes();
    boost::asio::awaitable<void> sleep(std::chrono::milliseconds duration);
    void do_stop();
    void do_update(ScrapeTarget target, LoopOptions options);
    void stale_report(std::int64_t timestamp_ms);
    // Appends the response's samples (or, when it failed, stale markers for the last good scrape's
    // series) and returns what the report needs.
    // `again`: storage forgot refs the cache held and the batch is appended anew, under fresh ones.
    AppendResult append_response(const ScrapeResponse& response, std::int64_t timestamp_ms, bool again);
    void report(std::int64_t timestamp_ms, bool up, double duration, const AppendResult& result);

    // Appends a body's samples while it arrives, as append_response does with a whole one.
    class BodyAppender final : public BodySink {
    public:
        BodyAppender(ScrapeLoop& loop, std::int64_t timestamp_ms)
            : loop_(loop), generation_(loop.generation_), timestamp_ms_(timestamp_ms) {}
        void begin(Format format) override;
        bool piece(std::string_view lines, bool last) override;

    private:
        ScrapeLoop& loop_;
        std::uint64_t generation_;
        std::int64_t timestamp_ms_;
    };

    boost::asio::any_io_executor executor_;
    std::unique_ptr<storage::Appender> app_;
    Scraper scraper_;
    ScrapeCache cache_;
    boost::asio::steady_timer timer_;
    LoopOptions options_;
    std::array<storage::SeriesRef, 5> report_refs_{};
    bool report_refs_valid_ = false;
    bool stopped_ = false;
    // update() changed the interval or the target's hash, so its phase: the schedule is planned anew.
    bool replan_ = false;
    std::uint64_t generation_ = 0;  // bumped when the series restart, so an in-flight scrape is discarded
    // Every ref the cache holds got a sample in the last commit, so storage cannot have forgotten
    // it: a streamed body, which cannot be appended again, will not need to be. After a failed
    // scrape a body is read whole, to be appended again under fresh refs if need be.
    bool cache_refs_live_ = false;
    ReportHook hook_;

    mutable std::mutex mutex_;  // guards target_ and status_ against readers on other threads
    ScrapeTarget target_;
    LoopStatus status_;
};

}  // namespace autoscrape::scrape
