// The whole output set: what render() produces, write_output's stale-file removal, and the run
// mode's OutputKeeper (debounced, serialized writes where the newest target set wins).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include "tests/unit/generate/temp_dir.hpp"
#include "agent/generate/generator.hpp"
#include "config/loader.hpp"

using namespace autoscrape;
using namespace autoscrape::generate;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using autoscrape::generate::testing::slurp;
using autoscrape::generate::testing::TempDir;

namespace {

discovery::TargetGroup opted_in(const std::string& id, const std::string& ip, const std::string& job) {
    discovery::Target t;
    t.labels = {{"__address__", ip + ":8080"},
                {"__meta_docker_network_ip", ip},
                {"__meta_docker_port_private", "8080"},
                {"__meta_docker_container_name", "/" + id},
                {"__meta_docker_container_label_prometheus_io_scrape", "true"},
                {"__meta_docker_container_label_autoscrape_job", job}};
    return {id, {t}};
}

config::Config config_for(const fs::path& dir) {
    return config::load_config_string("generate: {output_dir: '" + dir.string() + "'}", "test.yml");
}

// Bounded: the keeper's writes are at most a debounce interval apart.
bool wait_for_writes(const OutputKeeper& keeper, std::size_t n) {
    for (int i = 0; i < 100 && keeper.writes() < n; ++i) std::this_thread::sleep_for(50ms);
    return keeper.writes() >= n;
}

std::vector<std::string> targets_in(const fs::path& file) {
    std::vector<std::string> out;
    const boost::json::value doc = boost::json::parse(slurp(file));
    for (const auto& entry : doc.as_array()) {
        out.emplace_back(entry.at("targets").at(0).as_string());
    }
    return out;
}

}  // namespace

TEST_CASE("render lists target files first, prometheus.yml last, and genrules' files between") {
    const Generator generator(config::load_config_string("", "test.yml"));
    const auto files = generator.render({opted_in("a", "172.20.0.2", "web")});
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(f.relative_path);
    REQUIRE(paths.size() >= 5);
    CHECK(paths[0] == "file_sd/web.json");
    CHECK(paths[1] == "file_sd/probes.json");
    CHECK(paths.back() == "prometheus.yml");
    CHECK(std::find(paths.begin(), paths.end(), "rules/alert_rules.yml") != paths.end());
    CHECK(std::find(paths.begin(), paths.end(), "alertmanager/alertmanager.yml") != paths.end());
}

TEST_CASE("write_output removes the file of a job that disappeared and reports prometheus.yml changes") {
    TempDir dir;
    const Generator generator(config::load_config_string("", "test.yml"));
    auto first = write_output(dir.path, generator.render({opted_in("a", "172.20.0.2", "web"), opted_in("b", "172.20.0.3", "api")}));
    CHECK(first.prometheus_changed());
    CHECK(fs::exists(dir.path / "file_sd/api.json"));
    auto second = write_output(dir.path, generator.render({opted_in("a", "172.20.0.2", "web")}));
    CHECK(second.prometheus_changed());
    CHECK(second.removed == std::vector<std::string>{"file_sd/api.json"});
    CHECK_FALSE(fs::exists(dir.path / "file_sd/api.json"));
    // A target change within a job touches only its file_sd file: no reload needed.
    auto third = write_output(dir.path, generator.render({opted_in("a", "172.20.0.9", "web")}));
    CHECK_FALSE(third.prometheus_changed());
    CHECK(third.files.written == std::vector<std::string>{"file_sd/web.json"});
}

TEST_CASE("OutputKeeper writes the newest target set once per debounce interval") {
    TempDir dir;
    std::atomic<int> reloads = 0;
    OutputKeeper keeper(config_for(dir.path), 300ms, [&](const config::Config&) { ++reloads; });
    discovery::DiscoveryUpdate first;
    first.added = {opted_in("a", "172.20.0.2", "web")};
    keeper.apply(first);
    discovery::DiscoveryUpdate second;
    second.changed = {opted_in("a", "172.20.0.4", "web")};
    second.added = {opted_in("b", "172.20.0.5", "web")};
    keeper.apply(second);
    REQUIRE(wait_for_writes(keeper, 1));
    std::this_thread::sleep_for(400ms);  // nothing left to write: no second write
    CHECK(keeper.writes() == 1);
    CHECK(targets_in(dir.path / "file_sd/web.json") == std::vector<std::string>{"172.20.0.4:8080", "172.20.0.5:8080"});
    CHECK(reloads == 1);

    discovery::DiscoveryUpdate removal;
    removal.removed = {"a"};
    keeper.apply(removal);
    REQUIRE(wait_for_writes(keeper, 2));
    CHECK(targets_in(dir.path / "file_sd/web.json") == std::vector<std::string>{"172.20.0.5:8080"});
    CHECK(reloads == 1);  // same job list, same prometheus.yml
    keeper.stop();
}

TEST_CASE("OutputKeeper keeps the previous files when a write fails, and recovers") {
    TempDir dir;
    OutputKeeper keeper(config_for(dir.path), 50ms);
    discovery::DiscoveryUpdate add;
    add.added = {opted_in("a", "172.20.0.2", "web")};
    keeper.apply(add);
    REQUIRE(wait_for_writes(keeper, 1));
    const std::string before = slurp(dir.path / "prometheus.yml");
    fs::remove_all(dir.path / "file_sd");
    std::ofstream(dir.path / "file_sd") << "blocks the directory";
    discovery::DiscoveryUpdate more;
    more.added = {opted_in("b", "172.20.0.3", "api")};
    keeper.apply(more);
    REQUIRE(wait_for_writes(keeper, 2));
    CHECK(slurp(dir.path / "prometheus.yml") == before);
    fs::remove(dir.path / "file_sd");
    keeper.apply(add);
    REQUIRE(wait_for_writes(keeper, 3));
    CHECK(slurp(dir.path / "prometheus.yml") != before);
    CHECK(fs::exists(dir.path / "file_sd/api.json"));
}

TEST_CASE("OutputKeeper refuses a config its generators cannot express, and keeps the running one") {
    TempDir dir;
    auto bad = config_for(dir.path);
    bad.generate.alertmanager_url = "not a url";
    CHECK_THROWS_AS(OutputKeeper(bad, 50ms), std::invalid_argument);
    OutputKeeper keeper(config_for(dir.path), 50ms);
    CHECK_THROWS_AS(keeper.reconfigure(bad), std::invalid_argument);
    REQUIRE(wait_for_writes(keeper, 1));
    CHECK(YAML::LoadFile((dir.path / "prometheus.yml").string())["alerting"]["alertmanagers"][0]["static_configs"][0]
              ["targets"][0].as<std::string>() == "alertmanager:9093");
}
