#include "discovery_harness.hpp"

#include "tests/integration/support/docker_fixture.hpp"
#include "tests/integration/support/http_get.hpp"
#include "tests/integration/support/process.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <csignal>
#include <set>
#include <thread>

using namespace autoscrape;
using namespace std::chrono_literals;
using Labels = std::map<std::string, std::string>;

using testing::free_port;

namespace {

// Only what docker_sd defines: our own __meta_autoscrape_* labels have no Prometheus counterpart.
Labels docker_sd_labels(const Labels& all) {
    Labels out;
    for (const auto& [k, v] : all) {
        if (k.starts_with("__meta_docker_") || k == "__address__") out.emplace(k, v);
    }
    return out;
}

// discoveredLabels of Prometheus' active targets for container `id` on network `net`.
std::multiset<Labels> prometheus_targets(const std::string& body, const std::string& id, const std::string& net) {
    std::multiset<Labels> out;
    auto v = boost::json::parse(body);
    for (const auto& t : v.at("data").at("activeTargets").as_array()) {
        Labels l;
        for (const auto& [k, val] : t.at("discoveredLabels").as_object()) l.emplace(k, val.as_string());
        if (l["__meta_docker_container_id"] == id && l["__meta_docker_network_name"] == net) out.insert(docker_sd_labels(l));
    }
    return out;
}

}  // namespace

TEST_CASE("Our meta labels equal Prometheus docker_sd's discoveredLabels for the same containers") {
    REQUIRE(testing::docker_available());
    testing::DockerFixture docker;
    const auto net = docker.create_network("watched");
    const auto other = docker.create_network("other");
    const auto web = docker.run_container(
        docker.unique("web"), {"--network", net, "--expose", "9100", "--expose", "8080", "-p", "127.0.0.1::8080",
                               "--label", "com.docker.compose.service=web", "--label", "prometheus.io/scrape=true",
                               "--label", "caf\xC3\xA9.name=x"});
    const auto plain = docker.run_container(docker.unique("plain"), {"--network", net});
    docker.docker({"network", "connect", other, plain});
    const std::vector<std::string> ids{web, plain};

    const auto dir = testing::make_temp_dir();
    const auto port = free_port();
    testing::write_file(dir + "/prometheus.yml", fmt::format(R"(global:
  scrape_interval: 1h
scrape_configs:
  - job_name: docker
    docker_sd_configs:
      - host: unix:///var/run/docker.sock
        refresh_interval: 1s
    relabel_configs:
      - source_labels: [__meta_docker_network_name]
        regex: {}
        action: keep
)", net));
    testing::ChildProcess prometheus({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                                      "--storage.tsdb.path=" + dir + "/data",
                                      fmt::format("--web.listen-address=127.0.0.1:{}", port)});
    REQUIRE(testing::wait_for_status("127.0.0.1", port, "/-/ready", 200, 30s));

    testing::DiscoveryHarness h([&] {
        config::DockerConfig c;
        c.networks = {net};
        return c;
    }());
    REQUIRE(h.wait_until([&](const auto& gs) {
        return testing::find_group(gs, web) != nullptr && testing::find_group(gs, plain) != nullptr;
    }, 10s));

    for (const auto& id : ids) {
        std::multiset<Labels> ours;
        const auto snapshot = h.discovery().snapshot();
        for (const auto& t : testing::find_group(snapshot, id)->targets) ours.insert(docker_sd_labels(t.labels));
        std::multiset<Labels> theirs;
        // Prometheus polls every second and publishes through its target manager: bounded retries.
        for (int attempt = 0; attempt < 60 && theirs.size() != ours.size(); ++attempt) {
            auto reply = testing::http_request("GET", "127.0.0.1", port, "/api/v1/targets");
            if (reply.status == 200) theirs = prometheus_targets(reply.body, id, net);
            if (theirs.size() != ours.size()) std::this_thread::sleep_for(500ms);
        }
        INFO("container " << id);
        CHECK(ours.size() >= 1);
        CHECK(ours == theirs);
    }
    prometheus.signal(SIGTERM);
    prometheus.wait_for(10s);
    testing::remove_tree(dir);
}
