#include "discovery/docker_discovery.hpp"

#include "discovery/container_inspect.hpp"
#include "discovery/exporter_pairing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace autoscrape::discovery {

namespace asio = boost::asio;
using asio::awaitable;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto kCoalesceWindow = 15ms;
constexpr auto kRecheckDelay = 200ms;
constexpr auto kMinBackoff = 250ms;
constexpr auto kMaxBackoff = 30s;
constexpr std::size_t kMaxIdsPerFetch = 100;  // beyond this a full list is cheaper than a long URL
constexpr std::size_t kMaxInspectBytes = 8ULL << 20;  // env (1 MiB at most) plus the rest of inspect

const std::set<std::string, std::less<>> kContainerActions{
    "create", "start", "die", "stop", "kill", "destroy", "pause", "unpause", "rename", "health_status"};
const std::set<std::string, std::less<>> kNetworkActions{"connect", "disconnect", "create", "destroy"};

std::string events_query() {
    boost::json::array events;
    for (const auto& a : kContainerActions) events.emplace_back(a);
    for (const auto& a : kNetworkActions) {
        if (!kContainerActions.contains(a)) events.emplace_back(a);
    }
    boost::json::object filters{{"type", boost::json::array{"container", "network"}}, {"event", events}};
    return "?filters=" + percent_encode(boost::json::serialize(filters));
}

struct Metrics {
    explicit Metrics(prometheus::Registry& r)
        : events(prometheus::BuildCounter()
                     .Name("autoscrape_discovery_events_total")
                     .Help("Docker events received, by action")
                     .Register(r)),
          api_errors(prometheus::BuildCounter()
                         .Name("autoscrape_discovery_api_errors_total")
                         .Help("Failed Docker API calls and unusable responses")
                         .Register(r)
                         .Add({})),
          reconnects(prometheus::BuildCounter()
                         .Name("autoscrape_discovery_reconnects_total")
                         .Help("Times the Docker event stream was lost and reconnected")
                         .Register(r)
                         .Add({})),
          resync_duration(prometheus::BuildHistogram()
                              .Name("autoscrape_discovery_resync_duration_seconds")
                              .Help("Duration of full resyncs (list networks and containers, diff)")
                              .Register(r)
                              .Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10})),
          targets(prometheus::BuildGauge()
                      .Name("autoscrape_discovery_targets")
                      .Help("Discovered targets per watched network")
                      .Register(r)) {}

    prometheus::Family<prometheus::Counter>& events;
    prometheus::Counter& api_errors;
    prometheus::Counter& reconnects;
    prometheus::Histogram& resync_duration;
    prometheus::Family<prometheus::Gauge>& targets;
};

}  // namespace

awaitable<Result<EngineState>> fetch_engine_state(DockerClient& client, std::vector<std::string>& rejected) {
    auto networks_body = co_await client.get("/networks", kMaxListBytes);
    if (!networks_body) co_return networks_body.error();
    auto networks = parse_network_list(networks_body.value());
    if (!networks) co_return networks.error();
    auto containers_body = co_await client.get("/containers/json", kMaxListBytes);
    if (!containers_body) co_return containers_body.error();
    auto containers = parse_container_list(containers_body.value(), &rejected);
    if (!containers) co_return containers.error();
    EngineState state;
    for (auto& n : networks.value()) state.networks.emplace(n.id, std::move(n));
    for (auto& c : containers.value()) state.containers.emplace(c.id, std::move(c));
    co_return state;
}

awaitable<Result<std::vector<Container>>> fetch_containers(DockerClient& client, const std::set<std::string>& ids,
                                                          std::vector<std::string>& rejected) {
    boost::json::array id_list;
    for (const auto& id : ids) id_list.emplace_back(id);
    const auto filters = boost::json::serialize(boost::json::object{{"id", id_list}});
    auto body = co_await client.get("/containers/json?filters=" + percent_encode(filters), kMaxListBytes);
    if (!body) co_return body.error();
    auto parsed = parse_container_list(body.value(), &rejected);
    if (!parsed) co_return parsed.error();
    // The engine matches the id filter as a pattern; keep exact matches only.
    std::erase_if(parsed.value(), [&](const Container& c) { return !ids.contains(c.id); });
    co_return parsed;
}

awaitable<void> pair_exporters(DockerClient& client, EngineState& state, const ServiceProfiles& profiles,
                               std::map<std::string, std::string>& known, std::vector<std::string>& failures) {
    std::erase_if(known, [&](const auto& entry) { return !state.containers.contains(entry.first); });
    state.exporter_hosts.clear();
    for (const auto& [id, c] : state.containers) {
        if (!needs_exporter_inspect(c, profiles.match(c))) continue;
        if (const auto it = known.find(id); it != known.end()) {
            state.exporter_hosts[id] = it->second;
            continue;
        }
        auto body = co_await client.get("/containers/" + id + "/json", kMaxInspectBytes);
        // Only the host leaves this scope; the environment (and its credentials) dies with it.
        auto inspect = body ? parse_container_inspect(body.value()) : Result<ContainerInspect>(body.error());
        if (!inspect) {
            failures.push_back("inspecting exporter " + id.substr(0, 12) + ": " + inspect.error().message);
            continue;
        }
        known[id] = exporter_target_host(inspect.value().env);
        state.exporter_hosts[id] = known[id];
    }
}

struct DockerDiscovery::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io, const config::DockerConfig& cfg, prometheus::Registry& registry,
         ServiceProfiles service_profiles)
        : strand(asio::make_strand(io)), config(cfg), metrics(registry), profiles(service_profiles),
          targets(cfg, std::move(service_profiles)), wake(strand), sync_timer(strand), event_timer(strand) {}

    awaitable<void> event_loop();
    awaitable<void> sync_loop();
    awaitable<bool> full_resync();
    awaitable<bool> incremental(std::set<std::string> ids, bool networks_changed);
    void on_event(std::string_view line);
    void publish(const DiscoveryUpdate& update);
    static awaitable<void> sleep(asio::steady_timer& timer, Clock::duration d);
    void api_error(std::string_view what, const Error& e);
    void report_rejected(std::vector<std::string> rejected);
    awaitable<void> pair(EngineState& fresh);

    asio::strand<asio::io_context::executor_type> strand;
    config::DockerConfig config;
    Metrics metrics;
    ServiceProfiles profiles;
    std::map<std::string, std::string> exporter_hosts;  // container id -> host it connects to
    std::unique_ptr<DockerClient> client;
    std::vector<Subscriber> subscribers;
    EngineState state;
    TargetSet targets;
    mutable std::mutex snapshot_mutex;  // guards `targets` against snapshot() from other threads
    std::atomic<bool> ready{false};
    bool stopping = false;
    bool need_full = false;
    bool networks_dirty = false;
    std::set<std::string> dirty;
    std::set<std::string> dead;  // died since their last start event
    std::set<std::string> recheck;  // to list again at recheck_at
    Clock::time_point recheck_at = Clock::time_point::max();
    asio::steady_timer wake;  // the sync loop sleeps on it; events cancel it
    asio::steady_timer sync_timer;   // coalescing window and resync backoff
    asio::steady_timer event_timer;  // event stream reconnect backoff
};

void DockerDiscovery::Impl::api_error(std::string_view what, const Error& e) {
    if (stopping) return;  // cancelled by stop(), not a fault
    metrics.api_errors.Increment();
    spdlog::warn("docker discovery: {} failed ({}): {}", what, client->host().url, e.message);
}

void DockerDiscovery::Impl::report_rejected(std::vector<std::string> rejected) {
    for (const auto& why : rejected) {
        metrics.api_errors.Increment();
        spdlog::warn("docker discovery: leaving a container out: {}", why);
    }
}

awaitable<void> DockerDiscovery::Impl::pair(EngineState& fresh) {
    std::vector<std::string> failures;
    co_await pair_exporters(*client, fresh, profiles, exporter_hosts, failures);
    if (stopping) co_return;
    for (const auto& why : failures) {
        metrics.api_errors.Increment();
        spdlog::warn("docker discovery: {}; the exporter stays unpaired", why);
    }
}

awaitable<void> DockerDiscovery::Impl::sleep(asio::steady_timer& timer, Clock::duration d) {
    timer.expires_after(d);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void DockerDiscovery::Impl::on_event(std::string_view line) {
    auto parsed = parse_event(line);
    if (!parsed) {
        metrics.events.Add({{"type", "invalid"}}).Increment();
        spdlog::warn("docker discovery: ignoring an unparsable event: {}", parsed.error().message);
        return;
    }
    const Event& e = parsed.value();
    // health_status events carry the status after a colon: "health_status: healthy".
    std::string action = e.action.substr(0, e.action.find(':'));
    if (e.type == "container" && kContainerActions.contains(action)) {
        dirty.insert(e.actor_id);
        // dockerd emits die before its container list shows the container stopped; a list in
        // that window would bring it back, so until it starts again it stays dead for us.
        if (action == "die" || action == "destroy") dead.insert(e.actor_id);
        else if (action == "start") dead.erase(e.actor_id);
    } else if (e.type == "network" && kNetworkActions.contains(action)) {
        if (auto it = e.attributes.find("container"); it != e.attributes.end()) {
            dirty.insert(it->second);
            // The engine announces (dis)connects before its container list reflects them: look
            // again once the list has settled.
            recheck.insert(it->second);
            if (recheck_at == Clock::time_point::max()) recheck_at = Clock::now() + kRecheckDelay;
        }
        if (!state.networks.contains(e.actor_id) || action == "destroy") networks_dirty = true;
    } else {
        action = "other";
    }
    metrics.events.Add({{"type", action}}).Increment();
    wake.cancel();
}

void DockerDiscovery::Impl::publish(const DiscoveryUpdate& update) {
    for (const auto& [network, n] : targets.targets_per_network()) {
        metrics.targets.Add({{"network", network}}).Set(static_cast<double>(n));
    }
    if (update.empty()) return;
    spdlog::debug("docker discovery: {} added, {} changed, {} removed target groups", update.added.size(),
                  update.changed.size(), update.removed.size());
    for (const auto& s : subscribers) s(update);
}

awaitable<bool> DockerDiscovery::Impl::full_resync() {
    const auto started = Clock::now();
    std::vector<std::string> rejected;
    auto fresh = co_await fetch_engine_state(*client, rejected);
    report_rejected(std::move(rejected));
    if (!fresh) {
        api_error("full resync", fresh.error());
        co_return false;
    }
    if (stopping) co_return false;
    co_await pair(fresh.value());
    if (stopping) co_return false;
    state = std::move(fresh.value());
    std::erase_if(dead, [&](const std::string& id) { return !state.containers.contains(id); });
    for (const auto& id : dead) state.containers.erase(id);
    DiscoveryUpdate update;
    {
        std::lock_guard lock(snapshot_mutex);
        update = targets.replace_all(state);
    }
    metrics.resync_duration.Observe(std::chrono::duration<double>(Clock::now() - started).count());
    if (!ready.exchange(true)) {
        spdlog::info("docker discovery: synced with {} (API {}): {} containers, {} target groups",
                     client->host().url, client->api_version(), state.containers.size(), targets.size());
    }
    publish(update);
    co_return true;
}

awaitable<bool> DockerDiscovery::Impl::incremental(std::set<std::string> ids, bool networks_changed) {
    if (ids.size() > kMaxIdsPerFetch) co_return co_await full_resync();
    if (networks_changed) {
        auto body = co_await client->get("/networks", kMaxListBytes);
        auto networks = body ? parse_network_list(body.value()) : Result<std::vector<Network>>(body.error());
        if (!networks) {
            api_error("listing networks", networks.error());
            co_return false;
        }
        state.networks.clear();
        for (auto& n : networks.value()) state.networks.emplace(n.id, std::move(n));
        for (const auto& [id, c] : state.containers) ids.insert(id);  // network labels may have changed
    }
    std::set<std::string> wanted;
    for (const auto& id : ids) {
        if (!id.empty()) wanted.insert(id);
    }
    if (!wanted.empty()) {
        std::vector<std::string> rejected;
        auto fetched = co_await fetch_containers(*client, wanted, rejected);
        report_rejected(std::move(rejected));
        if (!fetched) {
            api_error("listing changed containers", fetched.error());
            co_return false;
        }
        for (const auto& id : wanted) state.containers.erase(id);
        for (auto& c : fetched.value()) {
            if (!dead.contains(c.id)) state.containers.emplace(c.id, std::move(c));
        }
        if (stopping) co_return false;
        co_await pair(state);
    }
    if (stopping) co_return false;
    DiscoveryUpdate update;
    {
        std::lock_guard lock(snapshot_mutex);
        update = targets.update(state, wanted);
    }
    publish(update);
    co_return true;
}

awaitable<void> DockerDiscovery::Impl::sync_loop() {
    auto self = shared_from_this();
    auto next_refresh = Clock::now() + config.refresh_interval;
    Clock::duration backoff = kMinBackoff;
    while (!stopping) {
        if (!need_full && dirty.empty() && !networks_dirty) {
            wake.expires_at(std::min(next_refresh, recheck_at));
            boost::system::error_code ec;
            co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (stopping) break;
            if (Clock::now() >= next_refresh) need_full = true;
            if (Clock::now() >= recheck_at) {
                dirty.merge(recheck);
                recheck.clear();
                recheck_at = Clock::time_point::max();
            }
            if (!need_full) co_await sleep(sync_timer, kCoalesceWindow);  // let a burst of events gather
            if (stopping) break;
        }
        bool ok = true;
        if (need_full) {
            need_full = false;
            dirty.clear();
            networks_dirty = false;
            ok = co_await full_resync();
            if (ok) next_refresh = Clock::now() + config.refresh_interval;
        } else if (!dirty.empty() || networks_dirty) {
            auto ids = std::exchange(dirty, {});
            ok = co_await incremental(std::move(ids), std::exchange(networks_dirty, false));
        }
        if (ok) {
            backoff = kMinBackoff;
            continue;
        }
        if (stopping) break;
        ready = false;
        need_full = true;
        co_await sleep(sync_timer, backoff);
        backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
    }
}

awaitable<void> DockerDiscovery::Impl::event_loop() {
    auto self = shared_from_this();
    const std::string query = events_query();
    Clock::duration backoff = kMinBackoff;
    while (!stopping) {
        auto version = co_await client->negotiate();
        Result<Ok> result = version ? Result<Ok>(Ok{}) : Result<Ok>(version.error());
        auto subscribed_at = Clock::time_point::max();
        if (result) {
            result = co_await client->follow_events(
                query,
                [&] {
                    subscribed_at = Clock::now();
                    spdlog::info("docker discovery: following events of {} (engine {}, API {})", client->host().url,
                                 version.value().version, client->api_version());
                    need_full = true;
                    dead.clear();  // the resync after a new subscription sees a settled engine
                    wake.cancel();
                    sync_timer.cancel();  // a resync waiting out a backoff can go now
                },
                [this](std::string_view line) { on_event(line); }, kMaxEventBytes);
        }
        if (stopping) break;
        ready = false;
        api_error("event stream", result.error());
        metrics.reconnects.Increment();
        // A stream that lived a while was healthy: start the backoff over.
        if (subscribed_at != Clock::time_point::max() && Clock::now() - subscribed_at > kMaxBackoff) backoff = kMinBackoff;
        co_await sleep(event_timer, backoff);
        backoff = std::min<Clock::duration>(backoff * 2, kMaxBackoff);
    }
}

DockerDiscovery::DockerDiscovery(asio::io_context& io, const config::DockerConfig& config,
                                 prometheus::Registry& registry, ServiceProfiles profiles)
    : impl_(std::make_shared<Impl>(io, config, registry, std::move(profiles))) {}

DockerDiscovery::~DockerDiscovery() { stop(); }

void DockerDiscovery::subscribe(Subscriber subscriber) { impl_->subscribers.push_back(std::move(subscriber)); }

void DockerDiscovery::start() {
    asio::post(impl_->strand, [impl = impl_] {
        auto host = resolve_docker_host(impl->config, [](const char* name) { return std::getenv(name); });
        if (!host) {
            // Without a usable host there is nothing to retry; the config is wrong.
            spdlog::error("docker discovery: {}", host.error().message);
            impl->metrics.api_errors.Increment();
            return;
        }
        impl->client = std::make_unique<DockerClient>(impl->strand, std::move(host.value()), impl->config.timeout);
        asio::co_spawn(impl->strand, impl->event_loop(), asio::detached);
        asio::co_spawn(impl->strand, impl->sync_loop(), asio::detached);
    });
}

void DockerDiscovery::stop() {
    asio::post(impl_->strand, [impl = impl_] {
        impl->stopping = true;
        impl->ready = false;
        if (impl->client) impl->client->cancel();
        impl->wake.cancel();
        impl->sync_timer.cancel();
        impl->event_timer.cancel();
    });
}

bool DockerDiscovery::ready() const { return impl_->ready; }

std::vector<TargetGroup> DockerDiscovery::snapshot() const {
    std::lock_guard lock(impl_->snapshot_mutex);
    return impl_->targets.snapshot();
}

}  // namespace autoscrape::discovery
