// Discovery across a real dockerd restart. Stops and starts this machine's engine, so it is slow
// (tens of seconds) and disturbs other users of dockerd for that time; tagged [restart].
#include "discovery_harness.hpp"
#include "dockerd_control.hpp"

#include "tests/integration/support/docker_fixture.hpp"

#include <catch2/catch.hpp>

#include <prometheus/metric_family.h>

#include <iostream>
#include <set>

using namespace autoscrape;
using namespace std::chrono_literals;
using testing::DiscoveryHarness;
using testing::DockerFixture;
using testing::find_group;

namespace {

double counter_value(prometheus::Registry& registry, const std::string& name) {
    for (const auto& family : registry.Collect()) {
        if (family.name == name && !family.metric.empty()) return family.metric.front().counter.value;
    }
    return -1;
}

std::set<std::string> sources(const std::vector<discovery::TargetGroup>& groups) {
    std::set<std::string> out;
    for (const auto& g : groups) out.insert(g.source);
    return out;
}

}  // namespace

TEST_CASE("Discovery survives a dockerd restart: not ready while down, then a full resync without ghosts or duplicates",
          "[restart]") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;  // declared before the guard: its cleanup needs the engine back
    const auto net = docker.create_network("restart");
    // sleep as PID 1 ignores SIGTERM; a short stop timeout keeps the engine's shutdown quick.
    const auto keeper = docker.run_container(docker.unique("keeper"),
                                             {"--network", net, "--restart=always", "--stop-timeout", "1"});
    const auto doomed = docker.run_container(docker.unique("doomed"), {"--network", net, "--stop-timeout", "1"});
    testing::DockerdRestartGuard guard;

    config::DockerConfig cfg;
    cfg.networks = {net};
    DiscoveryHarness h(cfg);
    REQUIRE(h.wait_ready(10s));
    REQUIRE(h.wait_until([&](const auto& gs) { return find_group(gs, keeper) && find_group(gs, doomed); }, 5s));
    const double reconnects_before = counter_value(h.registry(), "autoscrape_discovery_reconnects_total");

    const auto down_at = std::chrono::steady_clock::now();
    testing::stop_dockerd(90s);
    CHECK(h.wait_until([&](const auto&) { return !h.discovery().ready(); }, 5s));
    // What we knew stays until the engine can tell us otherwise (Prometheus keeps its last refresh too).
    CHECK(sources(h.discovery().snapshot()) == std::set<std::string>{keeper, doomed});
    std::this_thread::sleep_for(2s);
    CHECK_FALSE(h.discovery().ready());

    testing::start_dockerd(60s);
    const auto up_at = std::chrono::steady_clock::now();
    const auto fresh = docker.run_container(docker.unique("fresh"), {"--network", net});
    const auto keeper_ip = [&] {
        return docker.docker({"inspect", "-f", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}", keeper});
    };
    const auto resynced = h.wait_until([&](const auto& gs) {
        return h.discovery().ready() && sources(gs) == std::set<std::string>{keeper, fresh};
    }, 60s);
    REQUIRE(resynced);
    std::cout << "dockerd restart: down " << std::chrono::duration_cast<std::chrono::seconds>(up_at - down_at).count()
              << " s, discovery resynced " << resynced->count() << " ms after the engine answered\n";

    const auto snapshot = h.discovery().snapshot();
    CHECK(snapshot.size() == 2);  // one group per container: no duplicate, no ghost of `doomed`
    const auto* kept = find_group(snapshot, keeper);
    REQUIRE(kept != nullptr);
    REQUIRE(kept->targets.size() == 1);
    CHECK(kept->targets[0].labels.at("__address__") == keeper_ip() + ":80");

    // A discovery started from scratch now sees exactly what the restarted one converged to.
    DiscoveryHarness fresh_view(cfg);
    REQUIRE(fresh_view.wait_ready(10s));
    CHECK(fresh_view.discovery().snapshot() == h.discovery().snapshot());

    const double reconnects = counter_value(h.registry(), "autoscrape_discovery_reconnects_total") - reconnects_before;
    CHECK(reconnects >= 1);
    // Backoff doubles from 250 ms: tens of seconds down cost a handful of attempts, not one every 250 ms.
    CHECK(reconnects <= 15);
    std::cout << "dockerd restart: " << reconnects << " event-stream reconnects\n";
}
