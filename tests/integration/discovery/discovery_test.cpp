#include "discovery_harness.hpp"

#include "discovery/discover_once.hpp"
#include "tests/integration/support/docker_fixture.hpp"

#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>

using namespace autoscrape;
using namespace std::chrono_literals;
using testing::DiscoveryHarness;
using testing::DockerFixture;
using testing::find_group;

namespace {

config::DockerConfig watching(const std::string& network) {
    config::DockerConfig c;
    c.networks = {network};
    return c;
}

auto present(const std::string& id) {
    return [id](const std::vector<discovery::TargetGroup>& gs) { return find_group(gs, id) != nullptr; };
}
auto absent(const std::string& id) {
    return [id](const std::vector<discovery::TargetGroup>& gs) { return find_group(gs, id) == nullptr; };
}

}  // namespace

TEST_CASE("A container started on the watched network appears with its address on that network") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("watched");
    DiscoveryHarness h(watching(net));
    REQUIRE(h.wait_ready(10s));
    const auto started = std::chrono::steady_clock::now();
    const auto id = docker.run_container(docker.unique("web"), {"--network", net, "--expose", "9100"});
    const auto run_returned = std::chrono::steady_clock::now();
    auto waited = h.wait_until(present(id), 5s);
    REQUIRE(waited);
    const auto ip = docker.docker({"inspect", "-f", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}", id});
    const auto snapshot = h.discovery().snapshot();
    const auto* g = find_group(snapshot, id);
    REQUIRE(g != nullptr);
    REQUIRE(g->targets.size() == 1);
    CHECK(g->targets[0].labels.at("__address__") == ip + ":9100");
    CHECK(g->targets[0].labels.at("__meta_docker_network_name") == net);
    // Measured from the moment `docker run -d` returned (the container is started by then).
    const auto after_run = waited.value();
    std::cout << "discovery latency: " << after_run.count() << " ms after `docker run` returned ("
              << std::chrono::duration_cast<std::chrono::milliseconds>(run_returned - started).count()
              << " ms for docker run itself)\n";
    CHECK(after_run < 1000ms);
}

TEST_CASE("A container on another network does not appear until connected to the watched one, and leaves on disconnect") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("watched");
    const auto other = docker.create_network("other");
    DiscoveryHarness h(watching(net));
    REQUIRE(h.wait_ready(10s));
    const auto id = docker.run_container(docker.unique("elsewhere"), {"--network", other});
    // A marker container started after it on the watched network proves the first one's events were handled.
    const auto marker = docker.run_container(docker.unique("marker"), {"--network", net});
    REQUIRE(h.wait_until(present(marker), 5s));
    CHECK(find_group(h.discovery().snapshot(), id) == nullptr);

    docker.docker({"network", "connect", net, id});
    REQUIRE(h.wait_until(present(id), 5s));
    docker.docker({"network", "disconnect", net, id});
    CHECK(h.wait_until(absent(id), 5s));
}

TEST_CASE("Stopping, killing or removing a container removes its targets") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("watched");
    DiscoveryHarness h(watching(net));
    REQUIRE(h.wait_ready(10s));
    const auto stopped = docker.run_container(docker.unique("stopped"), {"--network", net});
    const auto killed = docker.run_container(docker.unique("killed"), {"--network", net});
    const auto removed = docker.run_container(docker.unique("removed"), {"--network", net});
    for (const auto& id : {stopped, killed, removed}) REQUIRE(h.wait_until(present(id), 5s));

    docker.docker({"stop", "-t", "0", stopped});
    CHECK(h.wait_until(absent(stopped), 5s));
    docker.docker({"kill", killed});
    CHECK(h.wait_until(absent(killed), 5s));
    docker.docker({"rm", "-f", removed});
    CHECK(h.wait_until(absent(removed), 5s));
}

TEST_CASE("Renaming a container updates its container_name label") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("watched");
    DiscoveryHarness h(watching(net));
    REQUIRE(h.wait_ready(10s));
    const auto id = docker.run_container(docker.unique("before"), {"--network", net});
    REQUIRE(h.wait_until(present(id), 5s));
    const auto new_name = docker.unique("after");
    docker.docker({"rename", id, new_name});
    CHECK(h.wait_until([&](const auto& gs) {
        const auto* g = find_group(gs, id);
        return g != nullptr && g->targets.at(0).labels.at("__meta_docker_container_name") == "/" + new_name;
    }, 5s));
}

TEST_CASE("A burst of container starts is coalesced into few updates") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("watched");
    DiscoveryHarness h(watching(net));
    REQUIRE(h.wait_ready(10s));
    const int before = h.updates();
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) ids.push_back(docker.run_container(docker.unique("burst"), {"--network", net}));
    for (const auto& id : ids) REQUIRE(h.wait_until(present(id), 5s));
    // docker run is sequential and slow (~100+ ms each), so this bounds rather than pins the count.
    CHECK(h.updates() - before <= 10);
    CHECK(h.discovery().snapshot().size() == 10);
}

TEST_CASE("Discovery against a socket that does not exist stays not ready and keeps running") {
    config::DockerConfig c;
    c.host = "unix:///nonexistent/docker.sock";
    DiscoveryHarness h(c);
    CHECK_FALSE(h.wait_ready(1500ms));
    CHECK(h.discovery().snapshot().empty());
}

TEST_CASE("discover once prints the targets of the watched network as JSON") {
    REQUIRE(testing::docker_available());
    DockerFixture docker;
    const auto net = docker.create_network("watched");
    const auto id = docker.run_container(docker.unique("once"), {"--network", net, "--expose", "8080"});
    config::Config c;
    c.docker.networks = {net};
    std::ostringstream out;
    CHECK(discovery::run_discover_once(c, out, discovery::OutputFormat::Json) == 0);
    CHECK(out.str().find(id) != std::string::npos);
    CHECK(out.str().find(":8080") != std::string::npos);
}

TEST_CASE("discover once fails with exit code 1 when Docker is unreachable") {
    config::Config c;
    c.docker.host = "unix:///nonexistent/docker.sock";
    std::ostringstream out;
    CHECK(discovery::run_discover_once(c, out, discovery::OutputFormat::Table) == 1);
    CHECK(out.str().empty());
}
