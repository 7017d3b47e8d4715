#include "discovery/target_group.hpp"
#include "docker_data.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::discovery;
using autoscrape::config::DockerConfig;
using autoscrape::discovery::test::docker_data;

namespace {

const std::string kWebId = "e0bbe9c7c10b19e7c0cab5fa53e1edd658d2ddb9525ca0c7dfc44bc8422d1739";

EngineState captured_state() {
    EngineState s;
    auto cs = parse_container_list(docker_data("containers.json"));
    auto ns = parse_network_list(docker_data("networks.json"));
    REQUIRE(cs.ok());
    REQUIRE(ns.ok());
    for (auto& c : cs.value()) s.containers.emplace(c.id, c);
    for (auto& n : ns.value()) s.networks.emplace(n.id, n);
    return s;
}

const Container& named(const EngineState& s, const std::string& name) {
    for (const auto& [id, c] : s.containers) {
        if (c.names.at(0) == name) return c;
    }
    FAIL("no container " << name);
    throw std::logic_error("unreachable");
}

Container container(std::string id, std::string name, std::string network_mode = "bridge") {
    Container c;
    c.id = std::move(id);
    if (!name.empty()) c.names.push_back(std::move(name));
    c.network_mode = std::move(network_mode);
    return c;
}

DockerConfig watching(std::vector<std::string> networks) {
    DockerConfig c;
    c.networks = std::move(networks);
    return c;
}

}  // namespace

TEST_CASE("Label names are sanitised like Prometheus' SanitizeLabelName") {
    CHECK(sanitize_label_name("com.docker.compose.project") == "com_docker_compose_project");
    CHECK(sanitize_label_name("prometheus.io/port") == "prometheus_io_port");
    CHECK(sanitize_label_name("Ok_09") == "Ok_09");
    CHECK(sanitize_label_name("caf\xC3\xA9") == "caf_");            // one code point, one '_'
    CHECK(sanitize_label_name("\xE6\x97\xA5\xE6\x9C\xAC") == "__");  // two code points
    CHECK(sanitize_label_name("a\xFF\xFE") == "a__");               // invalid bytes, one each
    CHECK(sanitize_label_name("\xE6\x97") == "__");                 // truncated sequence
}

TEST_CASE("A watched network is matched by name, full id or a 12-character id prefix") {
    const std::string id = "bfdc1ad680e2ae4cd57dd4d85fbf8a37528439fcbecb776754152f18c583cabc";
    CHECK(network_matches("shared", "shared", id));
    CHECK(network_matches(id, "other", id));
    CHECK(network_matches("bfdc1ad680e2", "other", id));
    CHECK_FALSE(network_matches("bfdc1a", "other", id));
    CHECK_FALSE(network_matches("", "", ""));
}

TEST_CASE("Each exposed TCP port of a container on the watched network is one target with docker_sd labels") {
    const auto s = captured_state();
    auto g = build_target_group(s.containers.at(kWebId), s, watching({"astest-cap-4830"}));
    CHECK(g.source == kWebId);
    REQUIRE(g.targets.size() == 2);
    const auto& published = g.targets[0].labels;
    const std::map<std::string, std::string> expected{
        {"__address__", "172.19.0.2:8080"},
        {"__meta_autoscrape_compose_project", "demo"},
        {"__meta_autoscrape_compose_service", "web"},
        {"__meta_autoscrape_profile", ""},
        {"__meta_docker_container_id", kWebId},
        {"__meta_docker_container_label_autoscrape_test", "1"},
        {"__meta_docker_container_label_com_docker_compose_project", "demo"},
        {"__meta_docker_container_label_com_docker_compose_service", "web"},
        {"__meta_docker_container_label_prometheus_io_port", "8080"},
        {"__meta_docker_container_name", "/cap-web-4830"},
        {"__meta_docker_container_network_mode", "astest-cap-4830"},
        {"__meta_docker_network_id", "bfdc1ad680e2ae4cd57dd4d85fbf8a37528439fcbecb776754152f18c583cabc"},
        {"__meta_docker_network_ingress", "false"},
        {"__meta_docker_network_internal", "false"},
        {"__meta_docker_network_ip", "172.19.0.2"},
        {"__meta_docker_network_label_autoscrape_test", "1"},
        {"__meta_docker_network_label_com_example_team", "obs"},
        {"__meta_docker_network_name", "astest-cap-4830"},
        {"__meta_docker_network_scope", "local"},
        {"__meta_docker_port_private", "8080"},
        {"__meta_docker_port_public", "18080"},
        {"__meta_docker_port_public_ip", "127.0.0.1"},
    };
    CHECK(published == expected);
    CHECK(g.targets[1].labels.at("__address__") == "172.19.0.2:9090");
    CHECK(g.targets[1].labels.count("__meta_docker_port_public") == 0);
}

TEST_CASE("A container on no watched network has no targets") {
    const auto s = captured_state();
    auto g = build_target_group(named(s, "/cap-other-4830"), s, watching({"astest-cap-4830"}));
    CHECK(g.targets.empty());
}

TEST_CASE("The first watched network in config order gives the address, not the alphabetical first") {
    const auto s = captured_state();
    auto g = build_target_group(s.containers.at(kWebId), s, watching({"astest-cap-4830-b", "astest-cap-4830"}));
    REQUIRE(g.targets.size() == 2);
    CHECK(g.targets[0].labels.at("__address__") == "172.20.0.3:8080");
    CHECK(g.targets[0].labels.at("__meta_docker_network_name") == "astest-cap-4830-b");
}

TEST_CASE("A container without TCP ports gets one target on the configured fallback port") {
    const auto s = captured_state();
    auto config = watching({"astest-cap-4830", "astest-cap-4830-b"});
    config.port = 9100;
    auto noport = build_target_group(named(s, "/cap-noport-4830"), s, config);
    REQUIRE(noport.targets.size() == 1);
    CHECK(noport.targets[0].labels.at("__address__") == "172.19.0.3:9100");
    CHECK(noport.targets[0].labels.count("__meta_docker_port_private") == 0);
    auto udp_only = build_target_group(named(s, "/cap-other-4830"), s, config);
    REQUIRE(udp_only.targets.size() == 1);
    CHECK(udp_only.targets[0].labels.at("__address__") == "172.20.0.2:9100");
}

TEST_CASE("A container in another container's network namespace is reached through that container's network") {
    const auto s = captured_state();
    auto g = build_target_group(named(s, "/cap-shared-4830"), s, watching({"astest-cap-4830"}));
    REQUIRE(g.targets.size() == 1);
    CHECK(g.targets[0].labels.at("__address__") == "172.19.0.2:80");
    CHECK(g.targets[0].labels.at("__meta_docker_container_network_mode").starts_with("container:"));
    CHECK(g.targets[0].labels.at("__meta_docker_container_name") == "/cap-shared-4830");
}

TEST_CASE("A host-networking container is addressed by host_networking_host when the host network is watched") {
    const auto s = captured_state();
    auto config = watching({"host"});
    config.host_networking_host = "node1";
    auto g = build_target_group(named(s, "/cap-host-4830"), s, config);
    REQUIRE(g.targets.size() == 1);
    CHECK(g.targets[0].labels.at("__address__") == "node1");
    CHECK(g.targets[0].labels.at("__meta_docker_network_name") == "host");
    CHECK(build_target_group(named(s, "/cap-host-4830"), s, watching({"astest-cap-4830"})).targets.empty());
}

TEST_CASE("A network_mode chain that loops ends without targets") {
    EngineState s;
    s.containers["a"] = container("a", "/a", "container:b");
    s.containers["b"] = container("b", "/b", "container:a");
    CHECK(build_target_group(s.containers.at("a"), s, watching({"shared-network"})).targets.empty());
}

TEST_CASE("A container without names has no targets, as in docker_sd") {
    EngineState s;
    auto c = container("x", "");
    c.networks["shared-network"] = Endpoint{"n1", "10.0.0.2"};
    CHECK(build_target_group(c, s, watching({"shared-network"})).targets.empty());
}

TEST_CASE("An IPv6-only endpoint address is bracketed") {
    EngineState s;
    auto c = container("x", "/x");
    c.ports.push_back({"", 8080, 0, "tcp"});
    c.networks["shared-network"] = Endpoint{"n1", "fd00::2"};
    auto g = build_target_group(c, s, watching({"shared-network"}));
    REQUIRE(g.targets.size() == 1);
    CHECK(g.targets[0].labels.at("__address__") == "[fd00::2]:8080");
}
