#include "discovery/target_set.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::discovery;

namespace {

autoscrape::config::DockerConfig config() {
    autoscrape::config::DockerConfig c;
    c.networks = {"shared-network"};
    return c;
}

Container on_shared(std::string id, std::string ip) {
    Container c;
    c.id = id;
    c.names = {"/" + id};
    c.network_mode = "shared-network";
    c.ports = {{"", 9100, 0, "tcp"}};
    c.networks["shared-network"] = Endpoint{"net1", std::move(ip)};
    return c;
}

EngineState with(std::vector<Container> cs) {
    EngineState s;
    s.networks["net1"] = Network{"net1", "shared-network", "local", "bridge", false, false, {}};
    for (auto& c : cs) s.containers.emplace(c.id, std::move(c));
    return s;
}

}  // namespace

TEST_CASE("The first full sync reports every container on a watched network as added") {
    TargetSet set(config());
    auto u = set.replace_all(with({on_shared("a", "10.0.0.2"), on_shared("b", "10.0.0.3")}));
    CHECK(u.added.size() == 2);
    CHECK(u.changed.empty());
    CHECK(u.removed.empty());
    CHECK(set.targets_per_network().at("shared-network") == 2);
}

TEST_CASE("A resync that finds the same containers reports nothing") {
    TargetSet set(config());
    const auto s = with({on_shared("a", "10.0.0.2")});
    set.replace_all(s);
    CHECK(set.replace_all(s).empty());
}

TEST_CASE("A resync diffs against what we had: gone containers are removed, new ones added, moved ones changed") {
    TargetSet set(config());
    set.replace_all(with({on_shared("a", "10.0.0.2"), on_shared("b", "10.0.0.3")}));
    auto u = set.replace_all(with({on_shared("b", "10.0.0.9"), on_shared("c", "10.0.0.4")}));
    CHECK(u.removed == std::vector<std::string>{"a"});
    REQUIRE(u.added.size() == 1);
    CHECK(u.added[0].source == "c");
    REQUIRE(u.changed.size() == 1);
    CHECK(u.changed[0].targets.at(0).labels.at("__address__") == "10.0.0.9:9100");
    CHECK(set.size() == 2);
}

TEST_CASE("An update of one container touches only that container's group") {
    TargetSet set(config());
    auto s = with({on_shared("a", "10.0.0.2"), on_shared("b", "10.0.0.3")});
    set.replace_all(s);
    s.containers.erase("a");
    auto u = set.update(s, {"a"});
    CHECK(u.removed == std::vector<std::string>{"a"});
    CHECK(u.added.empty());
    CHECK(set.targets_per_network().at("shared-network") == 1);
}

TEST_CASE("A container sharing a changed container's network namespace is recomputed with it") {
    TargetSet set(config());
    Container sidecar;
    sidecar.id = "side";
    sidecar.names = {"/side"};
    sidecar.network_mode = "container:a";
    auto s = with({on_shared("a", "10.0.0.2"), sidecar});
    set.replace_all(s);
    REQUIRE(set.size() == 2);
    s.containers["a"].networks.clear();
    auto u = set.update(s, {"a"});
    CHECK(u.removed.size() == 2);
}

TEST_CASE("An unknown id in an update is ignored") {
    TargetSet set(config());
    CHECK(set.update(with({}), {"nope"}).empty());
}
