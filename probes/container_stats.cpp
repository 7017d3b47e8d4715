#include "probes/container_stats.hpp"

#include "probes/docker_stats.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

namespace autoscrape::probes {

namespace asio = boost::asio;

namespace {

// An inspect answer is a few KiB; labels and env make it bigger, never this big.
constexpr std::size_t kMaxInspectBytes = 4 << 20;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string label(const discovery::Target& t, const std::string& name) {
    auto it = t.labels.find(name);
    return it == t.labels.end() ? std::string() : it->second;
}

}  // namespace

ContainerStats::ContainerStats(asio::any_io_executor executor, config::ContainerStatsConfig config, Inspector inspect,
                               std::unique_ptr<storage::Appender> appender, prometheus::Registry& registry,
                               std::function<void()> cancel_inspects)
    : executor_(executor),
      config_(std::move(config)),
      inspect_(std::move(inspect)),
      cancel_inspects_(std::move(cancel_inspects)),
      app_(std::move(appender)),
      timer_(executor) {
    containers_gauge_ = &prometheus::BuildGauge()
                             .Name("autoscrape_container_stats_containers")
                             .Help("Containers whose resource usage the container stats stage samples.")
                             .Register(registry)
                             .Add({});
    pass_seconds_ = &prometheus::BuildGauge()
                         .Name("autoscrape_container_stats_pass_duration_seconds")
                         .Help("How long the last pass over all containers' cgroup and net/dev files took.")
                         .Register(registry)
                         .Add({});
    auto& errors = prometheus::BuildCounter()
                       .Name("autoscrape_container_stats_errors_total")
                       .Help("Container stats that could not be read, by source (cgroup, inspect).")
                       .Register(registry);
    read_errors_ = &errors.Add({{"source", "cgroup"}});
    inspect_errors_ = &errors.Add({{"source", "inspect"}});
    if (std::string text; read_small_file(config_.proc_root + "/partitions", text)) devices_ = parse_partitions(text);
}

void ContainerStats::start() {
    asio::co_spawn(executor_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

void ContainerStats::apply(const discovery::DiscoveryUpdate& update) {
    asio::post(executor_, [self = shared_from_this(), update] { self->on_update(update); });
}

void ContainerStats::stop() {
    asio::post(executor_, [self = shared_from_this()] { self->do_stop(); });
}

void ContainerStats::do_stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (cancel_inspects_) cancel_inspects_();
    const auto now = now_ms();
    for (auto& [id, c] : containers_) {
        if (c.series) c.series->append_stale(*app_, now);
    }
    app_->commit();
    containers_.clear();
    count_ = 0;
    containers_gauge_->Set(0);
}

void ContainerStats::on_update(const discovery::DiscoveryUpdate& update) {
    if (stopped_) return;
    for (const auto& group : update.added) track(group);
    for (const auto& group : update.changed) track(group);
    const auto now = now_ms();
    for (const auto& id : update.removed) forget(id, now);
    app_->commit();
    count_ = containers_.size();
    containers_gauge_->Set(static_cast<double>(containers_.size()));
    timer_.cancel();  // wake run() to inspect the new ones
}

void ContainerStats::track(const discovery::TargetGroup& group) {
    if (group.targets.empty()) {
        forget(group.source, now_ms());
        return;
    }
    // All targets of a group share the container-level labels.
    const auto& first = group.targets.front();
    auto& c = containers_[group.source];
    std::string name = label(first, "__meta_docker_container_name");
    if (name.starts_with('/')) name.erase(0, 1);
    c.name = std::move(name);
    c.compose_service = label(first, "__meta_autoscrape_compose_service");
    c.compose_project = label(first, "__meta_autoscrape_compose_project");
    c.inspect_due = true;
}

void ContainerStats::forget(const std::string& id, std::int64_t now) {
    auto it = containers_.find(id);
    if (it == containers_.end()) return;
    if (it->second.series) it->second.series->append_stale(*app_, now);
    containers_.erase(it);
}

asio::awaitable<void> ContainerStats::run() {
    const auto self = shared_from_this();  // the stage lives while its schedule runs
    auto next = std::chrono::steady_clock::now();
    while (!stopped_) {
        co_await inspect_due();
        if (stopped_) break;
        const auto now = std::chrono::steady_clock::now();
        if (now >= next) {
            const auto timestamp = now_ms();
            collect(timestamp);
            co_await collect_via_api(timestamp);
            next += config_.interval;
            if (next <= now) next = now + config_.interval;  // a slow pass skips ticks, never bunches them
        }
        timer_.expires_at(next);
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<void> ContainerStats::inspect_due() {
    // apply() may add containers while an inspect is in flight: loop until none is due.
    for (;;) {
        std::vector<std::string> due;
        for (const auto& [id, c] : containers_) {
            if (c.inspect_due) due.push_back(id);
        }
        if (due.empty() || stopped_) co_return;
        for (const auto& id : due) {
            auto result = co_await inspect_(id);
            if (stopped_) co_return;
            auto it = containers_.find(id);
            if (it == containers_.end()) continue;  // removed meanwhile
            auto& c = it->second;
            c.inspect_due = false;
            if (!result) {
                // Gone (discovery removes it soon) or dockerd busy: the next pass asks again.
                spdlog::debug("container stats: inspect of {} failed: {}", id.substr(0, 12), result.error().message);
                inspect_errors_->Increment();
                continue;
            }
            const auto& info = result.value();  // its env is dropped with `result`, unread
            if (info.pid != c.pid) c.cgroup.reset();  // restarted: it may be in a new cgroup
            c.pid = info.status == "running" ? info.pid : 0;
            c.image = info.image;
            c.state = {info.started_at_seconds, info.restart_count, info.health_status};
            c.inspected = true;
        }
    }
}

void ContainerStats::collect(std::int64_t now) {
    const auto started = std::chrono::steady_clock::now();
    ++pass_number_;
    for (auto& [id, c] : containers_) {
        if (!c.inspected || c.pid <= 0) {
            c.inspect_due = true;  // its inspect failed, or it was not running (restarting, paused)
            continue;
        }
        if (!sample(id, c, now)) {
            read_errors_->Increment();
            c.inspect_due = true;
        }
        if (!c.state.health_status.empty() && pass_number_ % kHealthRefreshPasses == 0) c.inspect_due = true;
    }
    ++passes_;
    pass_seconds_->Set(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// False when the kernel no longer has the container where we knew it: it stopped or restarted.
bool ContainerStats::sample(const std::string& id, Tracked& c, std::int64_t now) {
    if (!c.cgroup) {
        auto found = find_container_cgroup(config_.cgroup_root, config_.proc_root, id, c.pid);
        if (!found && fetch_stats_) {
            if (!c.via_api) spdlog::warn("container stats: {}; using the Docker stats API for it", found.error().message);
            c.via_api = true;
            via_api_.push_back(id);
            return true;
        }
        if (!found) {
            if (!c.warned) spdlog::warn("container stats: {}", found.error().message);
            c.warned = true;
            return false;
        }
        c.cgroup = std::move(found.value());
        c.via_api = false;
    }
    auto& series = series_for(c, c.cgroup->path, now);
    if (!read_cgroup_sample(*c.cgroup, cgroup_sample_, buffer_)) {
        c.cgroup.reset();
        return false;
    }
    if (!read_small_file(fmt::format("{}/{}/net/dev", config_.proc_root, c.pid), buffer_) ||
        !parse_net_dev(buffer_, interfaces_)) {
        return false;
    }
    append_pass(series, c.state, now);
    return true;
}

void ContainerStats::append_pass(ContainerSeries& series, const ContainerState& state, std::int64_t now) {
    storage::append_and_commit(
        *app_, [&] { series.append_pass(*app_, now, cgroup_sample_, interfaces_, state, devices_); },
        [&] { series.forget_refs(); });
}

ContainerSeries& ContainerStats::series_for(Tracked& c, const std::string& id_label, std::int64_t now) {
    ContainerIdentity identity{id_label, c.name, c.image, c.compose_service, c.compose_project};
    if (!c.series || c.series->identity() != identity) {
        if (c.series) c.series->append_stale(*app_, now);
        c.series = std::make_unique<ContainerSeries>(std::move(identity));
    }
    return *c.series;
}

asio::awaitable<void> ContainerStats::collect_via_api(std::int64_t now) {
    const auto ids = std::exchange(via_api_, {});
    for (const auto& id : ids) {
        auto body = co_await fetch_stats_(id);
        if (stopped_) co_return;
        auto it = containers_.find(id);
        if (it == containers_.end()) continue;  // removed meanwhile
        auto& c = it->second;
        if (!body || !parse_docker_stats(body.value(), cgroup_sample_, interfaces_)) {
            read_errors_->Increment();
            c.inspect_due = true;
            continue;
        }
        // Without the cgroup its path is unknown; Docker's cgroupfs layout is the likely one.
        append_pass(series_for(c, "/docker/" + id, now), c.state, now);
    }
}

ContainerStats::Inspector docker_inspector(std::shared_ptr<discovery::DockerClient> client) {
    return [client](const std::string& id) -> asio::awaitable<discovery::Result<discovery::ContainerInspect>> {
        if (client->api_version().empty()) {
            auto version = co_await client->negotiate();
            if (!version) co_return version.error();
        }
        auto body = co_await client->get("/containers/" + id + "/json", kMaxInspectBytes);
        if (!body) co_return body.error();
        co_return discovery::parse_container_inspect(body.value());
    };
}

ContainerStats::StatsFetcher docker_stats_fetcher(std::shared_ptr<discovery::DockerClient> client) {
    return [client](const std::string& id) -> asio::awaitable<discovery::Result<std::string>> {
        if (client->api_version().empty()) {
            auto version = co_await client->negotiate();
            if (!version) co_return version.error();
        }
        co_return co_await client->get("/containers/" + id + "/stats?stream=false&one-shot=true", kMaxInspectBytes);
    };
}

}  // namespace autoscrape::probes
