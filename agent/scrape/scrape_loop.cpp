#include "agent/scrape/scrape_loop.hpp"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/storage/stale.hpp"

namespace autoscrape::scrape {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr std::array<const char*, 5> kReportNames = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added"};

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

milliseconds scrape_phase(std::uint64_t hash, milliseconds interval) {
    const std::int64_t phases = interval / kPhaseStep;
    if (phases <= 1) return milliseconds(0);
    return kPhaseStep * static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(phases));
}

std::chrono::nanoseconds scrape_offset(std::uint64_t hash, milliseconds interval, std::chrono::system_clock::time_point now) {
    const std::chrono::nanoseconds iv = std::max(interval, milliseconds(1));
    const auto since_epoch = std::max(std::chrono::nanoseconds(now.time_since_epoch()), std::chrono::nanoseconds(0));
    auto next = iv - since_epoch % iv + scrape_phase(hash, interval);
    if (next > iv) next -= iv;
    return next;
}

std::chrono::steady_clock::time_point steady_after(std::chrono::system_clock::time_point now,
                                                   std::chrono::nanoseconds wait) {
    const auto elapsed = std::chrono::system_clock::now() - now;
    return std::chrono::steady_clock::now() - elapsed + wait;
}

std::chrono::steady_clock::time_point next_tick(std::chrono::steady_clock::time_point previous,
                                                milliseconds interval, std::chrono::steady_clock::time_point now) {
    const auto next = previous + interval;
    if (next > now) return next;
    return now + interval - (now - next) % interval;
}

milliseconds prompt_delay(std::uint64_t hash, milliseconds interval) {
    const auto window = std::max<std::int64_t>(std::min(interval, kPromptWindow).count(), 1);
    return milliseconds(static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(window)));
}

std::chrono::nanoseconds rejoin_phase(std::uint64_t hash, milliseconds interval,
                                      std::chrono::system_clock::time_point now) {
    auto wait = scrape_offset(hash, interval, now);
    if (wait < interval / 2) wait += interval;
    return wait;
}

std::chrono::steady_clock::time_point rejoin_at(std::uint64_t hash, milliseconds interval) {
    const auto now = std::chrono::system_clock::now();
    return steady_after(now, rejoin_phase(hash, interval, now));
}

ScrapeLoop::ScrapeLoop(asio::any_io_executor executor, std::unique_ptr<storage::Appender> appender,
                       ScrapeTarget target, LoopOptions options, ReportHook hook)
    : executor_(executor),
      app_(std::move(appender)),
      scraper_(executor),
      timer_(executor),
      options_(std::move(options)),
      hook_(std::move(hook)),
      target_(std::move(target)) {}

void ScrapeLoop::start(FirstScrape first) {
    asio::co_spawn(executor_, [self = shared_from_this(), first] { return self->run(first); }, asio::detached);
}

void ScrapeLoop::stop() {
    asio::post(executor_, [self = shared_from_this()] { self->do_stop(); });
}

void ScrapeLoop::update(ScrapeTarget target, LoopOptions options) {
    asio::post(executor_, [self = shared_from_this(), t = std::move(target), o = std::move(options)]() mutable {
        self->do_update(std::move(t), std::move(o));
    });
}

ScrapeTarget ScrapeLoop::target() const {
    std::lock_guard lock(mutex_);
    return target_;
}

LoopStatus ScrapeLoop::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

std::uint64_t ScrapeLoop::labels_built() const { return cache_.labels_built(); }
std::uint64_t ScrapeLoop::connections_opened() const { return scraper_.connections_opened(); }

asio::awaitable<void> ScrapeLoop::sleep(milliseconds duration) {
    timer_.expires_after(duration);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> ScrapeLoop::run(FirstScrape first) {
    const auto self = shared_from_this();  // the loop lives while its schedule runs
    if (first == FirstScrape::Prompt) {
        co_await sleep(prompt_delay(target_.hash(), target_.interval));
        if (stopped_) co_return;
        co_await prompt_scrapes();
        if (stopped_) co_return;
    }
    // Ticks are planned instants, not the moments the timer fired: loops of one phase keep waking
    // together instead of drifting apart by their wake-up latencies.
    replan_ = false;  // planned for the target as it is now
    const auto now = std::chrono::system_clock::now();
    auto next = first == FirstScrape::Prompt ? rejoin_at(target_.hash(), target_.interval)
                                             : steady_after(now, scrape_offset(target_.hash(), target_.interval, now));
    for (;;) {
        timer_.expires_at(next);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopped_) break;
        if (!replan_) {
            co_await scrape_once();
            if (stopped_) break;
        }
        next = std::exchange(replan_, false) ? rejoin_at(target_.hash(), target_.interval)
                                             : next_tick(next, target_.interval, std::chrono::steady_clock::now());
    }
}

asio::awaitable<void> ScrapeLoop::prompt_scrapes() {
    // A container's start event can come before its server listens. While it refuses the
    // connection, try again soon (50, 100, 200 ms ... on), for up to half an interval, rather than
    // an interval later: the first sample of a new container should take well under a second.
    const auto give_up = std::chrono::steady_clock::now() + target_.interval / 2;
    for (auto retry = kPromptRetry; co_await scrape_once() && !stopped_; retry *= 2) {
        if (std::chrono::steady_clock::now() + retry > give_up) co_return;
        co_await sleep(retry);
        if (stopped_) co_return;
    }
}

asio::awaitable<bool> ScrapeLoop::scrape_once() {
    if (stopped_) co_return false;
    const auto generation = generation_;
    const ScrapeRequest request{.scheme = target_.scheme,
                                .address = target_.address,
                                .target = target_.request_target(),
                                .timeout = target_.timeout,
                                .body_size_limit = options_.body_size_limit};
    const auto started = std::chrono::system_clock::now();
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t ts = to_ms(started);

    BodyAppender streamed(*this, ts);
    const bool stream = cache_refs_live_ || cache_.size() == 0;
    auto response = co_await scraper_.scrape(request, stream ? &streamed : nullptr);
    if (stopped_ || generation != generation_) co_return false;

    AppendResult result;
    bool ok = false;
    double duration = 0;
    int passes = 0;
    storage::append_and_commit(
        *app_,
        [&] {
            result = append_response(response, ts, passes++ > 0);
            ok = result.error.empty();
            duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            report(ts, ok, duration, result);
        },
        [&] {
            cache_.clear();
            report_refs_valid_ = false;
        });
    cache_refs_live_ = ok;

    {
        std::lock_guard lock(mutex_);
        status_.health = ok ? Health::Up : Health::Down;
        status_.last_error = result.error;
        status_.last_scrape = started;
        status_.last_duration_seconds = duration;
    }
    if (hook_) hook_(ScrapeReport{.ok = ok, .duration_seconds = duration, .samples = result.added});
    co_return response.refused;
}

AppendResult ScrapeLoop::append_response(const ScrapeResponse& response, std::int64_t ts, bool again) {
    AppendResult result;
    if (!response.ok())
        result.error = response.error;
    else if (!response.streamed)
        result = cache_.append(*app_, response.body(), response.format, target_.labels, options_.series,
                               options_.limits, ts);
    else if (again)  // not expected while cache_refs_live_: the body is gone, the next scrape retries
        result.error = "storage forgot series of this target during the scrape";
    else
        result = cache_.result();
    if (!result.error.empty()) {
        app_->rollback();
        cache_.stale_all(*app_, ts);
    }
    return result;
}

void ScrapeLoop::report(std::int64_t ts, bool up, double duration, const AppendResult& result) {
    if (!report_refs_valid_) {
        for (std::size_t i = 0; i < kReportNames.size(); ++i) {
            storage::Labels labels;
            labels.emplace_back("__name__", kReportNames[i]);
            for (const auto& l : target_.labels) labels.emplace_back(l.name, l.value);
            report_refs_[i] = app_->series(std::move(labels));
        }
        report_refs_valid_ = true;
    }
    const std::array<double, 5> values = {up ? 1.0 : 0.0, duration, static_cast<double>(result.total),
                                          static_cast<double>(result.added),
                                          static_cast<double>(result.series_added)};
    for (std::size_t i = 0; i < values.size(); ++i) app_->append(report_refs_[i], ts, values[i]);
}

void ScrapeLoop::stale_report(std::int64_t ts) {
    if (!report_refs_valid_) return;
    for (const auto ref : report_refs_) app_->append(ref, ts, storage::stale_nan());
}

void ScrapeLoop::BodyAppender::begin(Format format) {
    if (!loop_.stopped_ && loop_.generation_ == generation_) loop_.cache_.begin(format);
}

bool ScrapeLoop::BodyAppender::piece(std::string_view lines, bool last) {
    // Stopped, or its series restarted, meanwhile: what it appended was rolled back.
    if (loop_.stopped_ || loop_.generation_ != generation_) return false;
    return loop_.cache_.feed(*loop_.app_, lines, last, loop_.target_.labels, loop_.options_.series,
                             loop_.options_.limits, timestamp_ms_);
}

void ScrapeLoop::do_stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    scraper_.close();
    app_->rollback();  // a body streaming in has appended part of its samples
    const auto ts = to_ms(std::chrono::system_clock::now());
    cache_.stale_all(*app_, ts);
    stale_report(ts);
    app_->commit();
}

void ScrapeLoop::do_update(ScrapeTarget target, LoopOptions options) {
    if (stopped_) return;
    if (target.labels != target_.labels || !(options.series == options_.series)) {
        // Other labels are other series: the old ones end here, as for a target that went away.
        const auto ts = to_ms(std::chrono::system_clock::now());
        app_->rollback();  // a body streaming in has appended part of its samples
        cache_.stale_all(*app_, ts);
        stale_report(ts);
        app_->commit();
        cache_.clear();
        report_refs_valid_ = false;
        ++generation_;
    }
    if (target.address != target_.address || target.scheme != target_.scheme) scraper_.close();
    if (target.interval != target_.interval || target.hash() != target_.hash()) {
        // Its phase moved: the loop plans anew, cutting short a wait planned for the old one.
        replan_ = true;
        timer_.cancel();
    }
    std::lock_guard lock(mutex_);
    target_ = std::move(target);
    options_ = std::move(options);
}

}  // namespace autoscrape::scrape
