#include "discovery/docker_model.hpp"
#include "docker_data.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace autoscrape::discovery;
using autoscrape::discovery::test::docker_data;
using autoscrape::discovery::test::docker_data_lines;

namespace {
const Container& by_name(const std::vector<Container>& cs, const std::string& name) {
    auto it = std::find_if(cs.begin(), cs.end(), [&](const Container& c) { return c.names.at(0) == name; });
    REQUIRE(it != cs.end());
    return *it;
}
}  // namespace

TEST_CASE("A captured container list parses into every running container") {
    auto r = parse_container_list(docker_data("containers.json"));
    REQUIRE(r.ok());
    CHECK(r.value().size() == 5);
}

TEST_CASE("A container's ports keep their published address and protocol") {
    auto r = parse_container_list(docker_data("containers.json"));
    REQUIRE(r.ok());
    const auto& web = by_name(r.value(), "/cap-web-4830");
    REQUIRE(web.ports.size() == 2);
    CHECK(web.ports[0] == PortBinding{"127.0.0.1", 8080, 18080, "tcp"});
    CHECK(web.ports[1] == PortBinding{"", 9090, 0, "tcp"});
}

TEST_CASE("The same ports listed in another order parse into an equal container") {
    // The engine's port order follows a Go map and changes between calls (seen with Neo4j's three ports).
    const std::string one = R"([{"Id":"c1","Names":["/n"],"Image":"neo4j:5","State":"running","Ports":[
        {"PrivatePort":7687,"Type":"tcp"},{"PrivatePort":7473,"Type":"tcp"},{"PrivatePort":7474,"Type":"tcp"}]}])";
    const std::string two = R"([{"Id":"c1","Names":["/n"],"Image":"neo4j:5","State":"running","Ports":[
        {"PrivatePort":7474,"Type":"tcp"},{"PrivatePort":7687,"Type":"tcp"},{"PrivatePort":7473,"Type":"tcp"}]}])";
    auto a = parse_container_list(one);
    auto b = parse_container_list(two);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a.value() == b.value());
    REQUIRE(a.value().at(0).ports.size() == 3);
    CHECK(a.value().at(0).ports[0].private_port == 7473);
}

TEST_CASE("A container on two networks lists both endpoints with their ids and addresses") {
    auto r = parse_container_list(docker_data("containers.json"));
    REQUIRE(r.ok());
    const auto& web = by_name(r.value(), "/cap-web-4830");
    REQUIRE(web.networks.size() == 2);
    CHECK(web.networks.at("astest-cap-4830").ip_address == "172.19.0.2");
    CHECK(web.networks.at("astest-cap-4830-b").network_id ==
          "c29859eaeb4b31790cd5a33c924ea205885da011800449e88a72eea48345356a");
    CHECK(web.labels.at("com.docker.compose.service") == "web");
    CHECK(web.network_mode == "astest-cap-4830");
}

TEST_CASE("A container sharing another's network namespace has no networks of its own") {
    auto r = parse_container_list(docker_data("containers.json"));
    REQUIRE(r.ok());
    const auto& shared = by_name(r.value(), "/cap-shared-4830");
    CHECK(shared.networks.empty());
    CHECK(shared.network_mode.starts_with("container:e0bbe9c7c10b"));
}

TEST_CASE("A captured network list parses names, scope, flags and labels") {
    auto r = parse_network_list(docker_data("networks.json"));
    REQUIRE(r.ok());
    auto it = std::find_if(r.value().begin(), r.value().end(), [](const Network& n) { return n.name == "astest-cap-4830"; });
    REQUIRE(it != r.value().end());
    CHECK(it->id == "bfdc1ad680e2ae4cd57dd4d85fbf8a37528439fcbecb776754152f18c583cabc");
    CHECK(it->scope == "local");
    CHECK_FALSE(it->internal);
    CHECK(it->labels.at("com.example.team") == "obs");
}

TEST_CASE("Every captured container event parses with its action and actor") {
    std::vector<std::string> actions;
    for (const auto& line : docker_data_lines("events.jsonl")) {
        auto r = parse_event(line);
        REQUIRE(r.ok());
        CHECK(r.value().type == "container");
        CHECK(r.value().actor_id.size() == 64);
        actions.push_back(r.value().action);
    }
    CHECK(actions == std::vector<std::string>{"create", "start", "pause", "unpause", "rename", "kill", "die", "destroy"});
}

TEST_CASE("A network connect event names the container it connected") {
    auto lines = docker_data_lines("network_events.jsonl");
    REQUIRE_FALSE(lines.empty());
    auto r = parse_event(lines.front());
    REQUIRE(r.ok());
    CHECK(r.value().type == "network");
    CHECK(r.value().action == "connect");
    CHECK(r.value().attributes.at("container") == "f705ea5b26e8f5f46e085eee843a41acaf1a677d272132ceabc21c17995e0a65");
}

TEST_CASE("The version response yields the engine's API version range") {
    auto r = parse_version(docker_data("version.json"));
    REQUIRE(r.ok());
    CHECK(r.value().api_version == "1.41");
    CHECK(r.value().min_api_version == "1.12");
}

TEST_CASE("Truncated JSON is an error, not a partial list") {
    const auto full = docker_data("containers.json");
    auto r = parse_container_list(std::string_view(full).substr(0, full.size() / 2));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("invalid JSON") != std::string::npos);
}

TEST_CASE("A field of the wrong type is reported by name") {
    auto r = parse_container_list(R"([{"Id":"abc","Names":["/a"],"Labels":{"x":1}}])");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("Labels") != std::string::npos);
}

TEST_CASE("A port number outside 0..65535 is rejected") {
    auto r = parse_container_list(R"([{"Id":"abc","Ports":[{"PrivatePort":70000,"Type":"tcp"}]}])");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("PrivatePort") != std::string::npos);
}

TEST_CASE("A container without an Id is rejected") {
    CHECK_FALSE(parse_container_list(R"([{"Names":["/a"]}])").ok());
}

TEST_CASE("A list that is not an array is rejected") {
    CHECK_FALSE(parse_network_list(R"({"message":"page not found"})").ok());
}

TEST_CASE("An event without an action is rejected") {
    CHECK_FALSE(parse_event(R"({"Type":"container","Actor":{"ID":"x"}})").ok());
}

TEST_CASE("A container with a label value over the limit is left out with the reason, the others are kept") {
    const std::string big(1 << 20, 'v');
    std::vector<std::string> rejected;
    auto r = parse_container_list(R"([{"Id":"abc","Labels":{"k":")" + big + R"("}},{"Id":"def"}])", &rejected);
    REQUIRE(r.ok());
    REQUIRE(r.value().size() == 1);
    CHECK(r.value().at(0).id == "def");
    REQUIRE(rejected.size() == 1);
    CHECK(rejected[0] == "container abc: label k has a value of 1048576 bytes, more than 65536");
}

TEST_CASE("A label value of exactly the limit is kept whole") {
    const std::string limit(kMaxLabelValueBytes, 'v');
    auto r = parse_container_list(R"([{"Id":"abc","Labels":{"k":")" + limit + R"("}}])");
    REQUIRE(r.ok());
    CHECK(r.value().at(0).labels.at("k") == limit);
}

TEST_CASE("Deeply nested JSON is rejected instead of exhausting the stack") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK_FALSE(parse_container_list(deep).ok());
}
