#include "probes/probe_loop.hpp"

#include "probes/probe.hpp"
#include "probes/probe_result.hpp"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

namespace autoscrape::probes {

namespace asio = boost::asio;

namespace {

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

ProbeLoop::ProbeLoop(asio::any_io_executor executor, std::unique_ptr<storage::Appender> appender, ProbeTarget target,
                     ReportHook hook)
    : executor_(executor),
      app_(std::move(appender)),
      timer_(executor),
      hook_(std::move(hook)),
      target_(std::move(target)) {}

void ProbeLoop::start() {
    asio::co_spawn(executor_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void ProbeLoop::stop() {
    asio::post(executor_, [self = shared_from_this()] { self->do_stop(); });
}

void ProbeLoop::update(ProbeTarget target) {
    asio::post(executor_, [self = shared_from_this(), t = std::move(target)]() mutable {
        if (t.interval != self->target_.interval || t.hash() != self->target_.hash()) {
            // Its phase moved: the loop plans anew, cutting short a wait planned for the old one.
            self->replan_ = true;
            self->timer_.cancel();
        }
        std::lock_guard lock(self->mutex_);
        self->target_ = std::move(t);
    });
}

ProbeTarget ProbeLoop::target() const {
    std::lock_guard lock(mutex_);
    return target_;
}

ProbeStatus ProbeLoop::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

asio::awaitable<void> ProbeLoop::run() {
    const auto self = shared_from_this();  // the loop lives while its schedule runs
    // Planned instants, as in the scrape loop: probes of one phase wake together with its scrapes.
    const auto now = std::chrono::system_clock::now();
    auto next = scrape::steady_after(now, scrape::scrape_offset(target_.hash(), target_.interval, now));
    for (;;) {
        timer_.expires_at(next);
        co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (stopped_) break;
        if (!replan_) {
            co_await probe_once();
            if (stopped_) break;
        }
        next = std::exchange(replan_, false) ? scrape::rejoin_at(target_.hash(), target_.interval)
                                             : scrape::next_tick(next, target_.interval, std::chrono::steady_clock::now());
    }
}

asio::awaitable<void> ProbeLoop::probe_once() {
    if (stopped_) co_return;
    const auto started = std::chrono::system_clock::now();
    const std::int64_t ts = to_ms(started);
    const ProbeResult result = co_await run_probe(target_.module, target_.probe_target());
    if (stopped_) co_return;

    const auto body = render_probe_result(result);
    storage::append_and_commit(*app_, [&] { append_result(body, ts); }, [&] { cache_.clear(); });

    const bool success = result.success();
    {
        std::lock_guard lock(mutex_);
        status_.health = success ? scrape::Health::Up : scrape::Health::Down;
        status_.last_error = result.error();
        status_.last_probe = started;
        status_.last_duration_seconds = result.value("probe_duration_seconds");
    }
    if (!success)
        spdlog::debug("probe failed: module={} target={} err={:?}", target_.module_name, target_.address,
                      result.error());
    if (hook_) hook_(ProbeReport{.module = target_.module_name, .success = success});
}

void ProbeLoop::append_result(std::string_view body, std::int64_t ts) {
    const auto appended =
        cache_.append(*app_, body, scrape::Format::PrometheusText, target_.labels, scrape::SeriesOptions{}, {}, ts);
    if (!appended.error.empty()) {
        // Our own rendering failed to parse: a bug, not a target's fault; end the series cleanly.
        spdlog::error("probe {} of {}: cannot append the result: {}", target_.module_name, target_.address,
                      appended.error);
        app_->rollback();
        cache_.stale_all(*app_, ts);
    }
}

void ProbeLoop::do_stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    cache_.stale_all(*app_, to_ms(std::chrono::system_clock::now()));
    app_->commit();
}

}  // namespace autoscrape::probes
