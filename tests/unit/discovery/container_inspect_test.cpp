#include "discovery/container_inspect.hpp"
#include "docker_data.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::discovery;
using autoscrape::discovery::test::docker_data;

TEST_CASE("A captured inspect of a running container gives its pid, start time, image and env") {
    auto r = parse_container_inspect(docker_data("inspect_busybox.json"));
    REQUIRE(r.ok());
    const auto& c = r.value();
    CHECK(c.id == "c4c94846a07ee4470e5cc8aecdb9b73bf43cdbf9d61f7d1c502b774230f35098");
    CHECK(c.name == "stats-capture-27253");
    CHECK(c.image == "autoscrape-test/busybox:latest");
    CHECK(c.status == "running");
    CHECK(c.pid == 31953);
    // 2026-11-26T04:23:43.791195565Z
    CHECK(c.started_at_seconds == Approx(1795667023.791195565).epsilon(1e-12));
    CHECK(c.restart_count == 0);
    CHECK(c.health_status.empty());
    CHECK(c.labels.at("com.docker.compose.service") == "web");
    CHECK(c.env == std::vector<std::string>{"SECRET_TOKEN=hunter2"});
}

TEST_CASE("A captured inspect of a restarted container with a healthcheck gives restarts and health") {
    auto r = parse_container_inspect(docker_data("inspect_healthcheck.json"));
    REQUIRE(r.ok());
    CHECK(r.value().restart_count == 3);
    CHECK(r.value().health_status == "healthy");
    CHECK(r.value().env.empty());
}

TEST_CASE("An inspect with missing sections reads them as defaults") {
    auto r = parse_container_inspect(R"({"Id":"abc","State":null})");
    REQUIRE(r.ok());
    CHECK(r.value().pid == 0);
    CHECK(r.value().started_at_seconds == 0);
    CHECK(r.value().status.empty());
}

TEST_CASE("An inspect with a field of the wrong type is an error naming the field") {
    auto pid = parse_container_inspect(R"({"Id":"abc","State":{"Pid":"12"}})");
    REQUIRE_FALSE(pid.ok());
    CHECK_THAT(pid.error().message, Catch::Contains("Pid"));
    auto negative = parse_container_inspect(R"({"Id":"abc","RestartCount":-1})");
    REQUIRE_FALSE(negative.ok());
    CHECK_THAT(negative.error().message, Catch::Contains("RestartCount"));
    auto env = parse_container_inspect(R"({"Id":"abc","Config":{"Env":[1]}})");
    REQUIRE_FALSE(env.ok());
    CHECK_THAT(env.error().message, Catch::Contains("Env"));
}

TEST_CASE("An inspect error never quotes the environment") {
    auto r = parse_container_inspect(R"({"Id":"abc","Config":{"Env":["PASSWORD=s3cret", 7]}})");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, !Catch::Contains("s3cret"));
}

TEST_CASE("Inspect input that is not a container object is rejected") {
    CHECK_FALSE(parse_container_inspect("[]").ok());
    CHECK_FALSE(parse_container_inspect("{").ok());
    CHECK_FALSE(parse_container_inspect(R"({"State":{}})").ok());
    std::string deep(200, '[');
    CHECK_FALSE(parse_container_inspect(deep).ok());
}

TEST_CASE("Docker times parse with fractions and offsets, the zero time as 0") {
    CHECK(parse_docker_time("1970-01-01T00:00:00Z").value() == 0);
    CHECK(parse_docker_time("2000-03-01T00:00:01.5Z").value() == 951868801.5);
    CHECK(parse_docker_time("2000-03-01T01:00:01+01:00").value() == 951868801);
    CHECK(parse_docker_time("0001-01-01T00:00:00Z").value() == 0);
    CHECK_FALSE(parse_docker_time("2000-13-01T00:00:00Z").ok());
    CHECK_FALSE(parse_docker_time("2000-03-01 00:00:00Z").ok());
    CHECK_FALSE(parse_docker_time("2000-03-01T00:00:00").ok());
    CHECK_FALSE(parse_docker_time("yesterday").ok());
}
