#include "discovery/docker_client.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace autoscrape::discovery;
using autoscrape::config::DockerConfig;

namespace {
Getenv env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}
}  // namespace

TEST_CASE("Without config or environment the default unix socket is used") {
    auto h = resolve_docker_host(DockerConfig{}, env({}));
    REQUIRE(h.ok());
    CHECK(h.value().kind == DockerHost::Kind::Unix);
    CHECK(h.value().path == "/var/run/docker.sock");
}

TEST_CASE("DOCKER_HOST is used when docker.host is empty, and docker.host wins over it") {
    auto from_env = resolve_docker_host(DockerConfig{}, env({{"DOCKER_HOST", "unix:///run/user/1000/docker.sock"}}));
    REQUIRE(from_env.ok());
    CHECK(from_env.value().path == "/run/user/1000/docker.sock");
    DockerConfig c;
    c.host = "unix:///tmp/d.sock";
    auto from_config = resolve_docker_host(c, env({{"DOCKER_HOST", "tcp://elsewhere:2375"}}));
    REQUIRE(from_config.ok());
    CHECK(from_config.value().path == "/tmp/d.sock");
}

TEST_CASE("DOCKER_TLS_VERIFY turns on verified TLS with the certificates in DOCKER_CERT_PATH") {
    auto h = resolve_docker_host(DockerConfig{}, env({{"DOCKER_HOST", "tcp://docker.example:2376"},
                                                      {"DOCKER_TLS_VERIFY", "1"},
                                                      {"DOCKER_CERT_PATH", "/certs"}}));
    REQUIRE(h.ok());
    CHECK(h.value().kind == DockerHost::Kind::Tcp);
    CHECK(h.value().host == "docker.example");
    CHECK(h.value().port == "2376");
    CHECK(h.value().tls);
    CHECK(h.value().tls_verify);
    CHECK(h.value().ca_file == "/certs/ca.pem");
    CHECK(h.value().cert_file == "/certs/cert.pem");
    CHECK(h.value().key_file == "/certs/key.pem");
    CHECK(h.value().server_name == "docker.example");
}

TEST_CASE("A tcp host without TLS defaults to port 2375 and an IPv6 literal keeps its brackets off") {
    DockerConfig c;
    c.host = "tcp://[fd00::1]";
    auto h = resolve_docker_host(c, env({}));
    REQUIRE(h.ok());
    CHECK(h.value().host == "fd00::1");
    CHECK(h.value().port == "2375");
    CHECK_FALSE(h.value().tls);
}

TEST_CASE("docker.tls_config enables TLS and its insecure_skip_verify disables verification") {
    DockerConfig c;
    c.host = "tcp://10.0.0.1:2376";
    c.tls_config = autoscrape::config::TlsConfig{"/ca.pem", "/c.pem", "/k.pem", "docker", true};
    auto h = resolve_docker_host(c, env({}));
    REQUIRE(h.ok());
    CHECK(h.value().tls);
    CHECK_FALSE(h.value().tls_verify);
    CHECK(h.value().server_name == "docker");
}

TEST_CASE("An unsupported docker host scheme is a clear error") {
    DockerConfig c;
    c.host = "ssh://user@host";
    auto h = resolve_docker_host(c, env({}));
    REQUIRE_FALSE(h.ok());
    CHECK(h.error().message.find("unsupported scheme") != std::string::npos);
}

TEST_CASE("The API version is the older of the engine's and ours") {
    auto old_engine = negotiate_api_version({"20.10.24", "1.41", "1.12"});
    REQUIRE(old_engine.ok());
    CHECK(old_engine.value() == "1.41");
    auto new_engine = negotiate_api_version({"29.0.0", "1.52", "1.44"});
    REQUIRE(new_engine.ok());
    CHECK(new_engine.value() == std::string(kMaxApiVersion));
}

TEST_CASE("Minor versions compare as numbers, not strings") {
    auto r = negotiate_api_version({"x", "1.9", ""});
    CHECK_FALSE(r.ok());  // 1.9 < 1.24
    auto r2 = negotiate_api_version({"x", "1.100", ""});
    REQUIRE(r2.ok());
    CHECK(r2.value() == std::string(kMaxApiVersion));
}

TEST_CASE("An engine whose minimum API is above ours is refused with both versions named") {
    auto r = negotiate_api_version({"99", "1.60", "1.50"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("1.50") != std::string::npos);
}

TEST_CASE("A malformed engine API version is an error") {
    CHECK_FALSE(negotiate_api_version({"x", "one.four", ""}).ok());
    CHECK_FALSE(negotiate_api_version({"x", "1.", ""}).ok());
}

TEST_CASE("Query values are percent-encoded") {
    CHECK(percent_encode(R"({"id":["a b"]})") == "%7B%22id%22%3A%5B%22a%20b%22%5D%7D");
}
