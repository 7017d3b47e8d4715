// prometheus.yml and the file_sd files, parsed back with yaml-cpp and Boost.JSON and checked field
// by field; the probe job's relabelling is run through the agent's own Relabeler.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/file_sd.hpp"
#include "agent/generate/prometheus_config.hpp"
#include "agent/scrape/relabel.hpp"
#include "config/loader.hpp"

using namespace autoscrape;
using namespace autoscrape::generate;
using discovery::Target;
using discovery::TargetGroup;

namespace {

config::Config load(const std::string& yaml) { return config::load_config_string(yaml, "test.yml"); }

// A container as docker_sd (plus the contract's profile labels) describes it: one target per port.
TargetGroup container(const std::string& id, const std::string& ip, std::map<std::string, std::string> meta,
                      std::vector<int> ports = {8080}) {
    TargetGroup g;
    g.source = id;
    for (const int port : ports) {
        Target t;
        t.labels = meta;
        t.labels["__address__"] = ip + ":" + std::to_string(port);
        t.labels["__meta_docker_container_id"] = id;
        t.labels["__meta_docker_network_ip"] = ip;
        t.labels["__meta_docker_port_private"] = std::to_string(port);
        if (!t.labels.contains("__meta_docker_container_name")) t.labels["__meta_docker_container_name"] = "/" + id;
        g.targets.push_back(t);
    }
    return g;
}

TargetInventory inventory(const config::Config& c, const std::vector<TargetGroup>& groups) {
    return collect_targets(scrape::TargetBuilder(c), c.probes, groups);
}

YAML::Node job_named(const YAML::Node& doc, const std::string& name) {
    for (const auto& job : doc["scrape_configs"]) {
        if (job["job_name"].as<std::string>() == name) return job;
    }
    FAIL("no job " << name);
    return {};
}

std::vector<std::string> job_names(const YAML::Node& doc) {
    std::vector<std::string> names;
    for (const auto& job : doc["scrape_configs"]) names.push_back(job["job_name"].as<std::string>());
    return names;
}

const std::map<std::string, std::string> kScrape{{"__meta_docker_container_label_prometheus_io_scrape", "true"}};

}  // namespace

TEST_CASE("prometheus.yml carries the global settings, rule files and the Alertmanager") {
    const auto c = load(R"(
global: {scrape_interval: 30s, scrape_timeout: 20s, external_labels: {site: "a\"b: c", env: prod}}
generate: {alertmanager: {url: "https://am.example:9443/prefix"}}
)");
    const YAML::Node doc = YAML::Load(prometheus_yaml(c, {}));
    CHECK(doc["global"]["scrape_interval"].as<std::string>() == "30s");
    CHECK(doc["global"]["scrape_timeout"].as<std::string>() == "20s");
    CHECK(doc["global"]["external_labels"]["site"].as<std::string>() == "a\"b: c");
    CHECK(doc["global"]["external_labels"]["env"].as<std::string>() == "prod");
    REQUIRE(doc["rule_files"].size() == 1);
    CHECK(doc["rule_files"][0].as<std::string>() == "rules/*.yml");
    const YAML::Node am = doc["alerting"]["alertmanagers"][0];
    CHECK(am["scheme"].as<std::string>() == "https");
    CHECK(am["path_prefix"].as<std::string>() == "/prefix");
    CHECK(am["static_configs"][0]["targets"][0].as<std::string>() == "am.example:9443");
}

TEST_CASE("an Alertmanager URL without a port gets the scheme's default port") {
    const YAML::Node doc = YAML::Load(prometheus_yaml(config::Config{}, {}));
    const YAML::Node am = doc["alerting"]["alertmanagers"][0];
    CHECK(am["scheme"].as<std::string>() == "http");
    CHECK(am["static_configs"][0]["targets"][0].as<std::string>() == "alertmanager:9093");
    auto c = config::Config{};
    c.generate.alertmanager_url = "http://[fd00::1]";
    CHECK(YAML::Load(prometheus_yaml(c, {}))["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0]
              .as<std::string>() == "[fd00::1]:80");
    c.generate.alertmanager_url = "alertmanager:9093";
    CHECK_THROWS_AS(prometheus_yaml(c, {}), std::invalid_argument);
}

TEST_CASE("the agent's own job scrapes generate.agent_address, else web.listen_address") {
    auto c = load("web: {listen_address: '127.0.0.1:19465'}");
    CHECK(job_named(YAML::Load(prometheus_yaml(c, {})), "autoscrape")["static_configs"][0]["targets"][0]
              .as<std::string>() == "127.0.0.1:19465");
    c = load("web: {listen_address: '127.0.0.1:19465'}\ngenerate: {agent_address: 'agent.internal:9465'}");
    CHECK(job_named(YAML::Load(prometheus_yaml(c, {})), "autoscrape")["static_configs"][0]["targets"][0]
              .as<std::string>() == "agent.internal:9465");
}

TEST_CASE("each discovered job reads its own file_sd file and gets the scrape limits and metric relabelling") {
    const auto c = load(R"(
global: {sample_limit: 5000, honor_labels: true}
metric_relabel_configs: [{source_labels: [__name__], regex: "go_.*", action: drop}]
)");
    const auto inv = inventory(c, {container("aaa", "172.20.0.2", kScrape),
                                   container("bbb", "172.20.0.3", {{"__meta_docker_container_label_prometheus_io_scrape", "true"},
                                                                   {"__meta_docker_container_label_autoscrape_job", "api"}})});
    REQUIRE(inv.jobs.size() == 2);
    const YAML::Node doc = YAML::Load(prometheus_yaml(c, inv.jobs));
    CHECK(job_names(doc) == std::vector<std::string>{"autoscrape", "autoscrape_probe", "aaa", "api"});
    const YAML::Node api = job_named(doc, "api");
    CHECK(api["file_sd_configs"][0]["files"][0].as<std::string>() == "file_sd/api.json");
    CHECK(api["sample_limit"].as<int>() == 5000);
    CHECK(api["honor_labels"].as<bool>());
    CHECK(api["metric_relabel_configs"][0]["action"].as<std::string>() == "drop");
    CHECK(api["metric_relabel_configs"][0]["regex"].as<std::string>() == "go_.*");
}

TEST_CASE("the file_sd entry holds the target's final labels and its per-target path, scheme and interval") {
    const auto c = load("global: {scrape_interval: 20s, scrape_timeout: 10s}");
    const auto inv = inventory(c, {container("aaa", "172.20.0.2",
                                             {{"__meta_docker_container_label_prometheus_io_scrape", "true"},
                                              {"__meta_docker_container_label_prometheus_io_port", "9100"},
                                              {"__meta_docker_container_label_prometheus_io_path", "/stats/prom"},
                                              {"__meta_docker_container_label_prometheus_io_scheme", "https"},
                                              {"__meta_docker_container_label_autoscrape_interval", "5s"},
                                              {"__meta_docker_container_name", "/node-1"},
                                              {"__meta_autoscrape_compose_service", "node"},
                                              {"__meta_autoscrape_compose_project", "stack"}},
                                             {8080, 9100})});
    REQUIRE(inv.jobs.size() == 1);
    CHECK(inv.jobs[0].job == "node");
    const auto json = boost::json::parse(file_sd_json(inv.jobs[0].targets)).as_array();
    REQUIRE(json.size() == 1);
    const auto& entry = json[0].as_object();
    CHECK(entry.at("targets").as_array() == boost::json::array{"172.20.0.2:9100"});
    const auto& labels = entry.at("labels").as_object();
    CHECK(labels.at("job") == "node");
    CHECK(labels.at("instance") == "172.20.0.2:9100");
    CHECK(labels.at("container") == "node-1");
    CHECK(labels.at("compose_service") == "node");
    CHECK(labels.at("compose_project") == "stack");
    CHECK(labels.at("__metrics_path__") == "/stats/prom");
    CHECK(labels.at("__scheme__") == "https");
    CHECK(labels.at("__scrape_interval__") == "5s");
    CHECK(labels.at("__scrape_timeout__") == "5s");
    CHECK_FALSE(labels.contains("__meta_docker_container_id"));
}

TEST_CASE("__param_ labels set by relabel_configs reach the file_sd entry") {
    const auto c = load(R"(
relabel_configs: [{target_label: __param_format, replacement: prometheus}]
)");
    const auto inv = inventory(c, {container("aaa", "172.20.0.2", kScrape)});
    const auto json = boost::json::parse(file_sd_json(inv.jobs.at(0).targets)).as_array();
    CHECK(json.at(0).at("labels").at("__param_format") == "prometheus");
}

TEST_CASE("a job named like a reserved job or file gets another job_name but keeps its job label") {
    const auto inv = inventory(config::Config{},
                               {container("a1", "172.20.0.2", {{"__meta_docker_container_label_prometheus_io_scrape", "true"},
                                                               {"__meta_docker_container_label_autoscrape_job", "autoscrape"}}),
                                container("a2", "172.20.0.3", {{"__meta_docker_container_label_prometheus_io_scrape", "true"},
                                                               {"__meta_docker_container_label_autoscrape_job", "probes"}}),
                                container("a3", "172.20.0.4", {{"__meta_docker_container_label_prometheus_io_scrape", "true"},
                                                               {"__meta_docker_container_label_autoscrape_job", "a/b \"c\""}})});
    REQUIRE(inv.jobs.size() == 3);
    CHECK(inv.jobs[0].job == "a/b \"c\"");
    CHECK(inv.jobs[0].job_name == "a_b__c_");
    CHECK(inv.jobs[1].job == "autoscrape");
    CHECK(inv.jobs[1].job_name == "autoscrape_2");
    CHECK(inv.jobs[2].job_name == "probes_2");
    CHECK(inv.jobs[2].file == "file_sd/probes_2.json");
    const auto json = boost::json::parse(file_sd_json(inv.jobs[0].targets)).as_array();
    CHECK(json.at(0).at("labels").at("job") == "a/b \"c\"");
}

TEST_CASE("probe targets come from __meta_autoscrape_probes, for known modules and valid ports only") {
    const auto c = load("");
    const auto group = container("db", "172.20.0.9",
                                 {{"__meta_autoscrape_probes", "tcp_connect:5432,http_2xx:8080,nosuch:1,http_2xx:x,tcp_connect"},
                                  {"__meta_autoscrape_job", "postgresql"},
                                  {"__meta_docker_container_name", "/db-1"},
                                  {"__meta_autoscrape_compose_service", "db"}},
                                 {5432});
    const auto probes = probe_targets(group, c.probes);
    REQUIRE(probes.size() == 2);
    CHECK(probes[0].address == "172.20.0.9:5432");
    CHECK(probes[0].module == "tcp_connect");
    CHECK(probes[0].labels == std::map<std::string, std::string>{
                                  {"job", "postgresql"}, {"module", "tcp_connect"}, {"container", "db-1"},
                                  {"compose_service", "db"}});
    CHECK(probes[1].address == "172.20.0.9:8080");
    auto off = c;
    off.probes.enabled = false;
    CHECK(probe_targets(group, off.probes).empty());
}

TEST_CASE("the autoscrape.job label names a probe's job before the profile's job; IPv6 goes in brackets") {
    const auto probes = probe_targets(container("x", "fd00::5", {{"__meta_autoscrape_probes", "http_2xx:80"},
                                                                  {"__meta_autoscrape_job", "profile"},
                                                                  {"__meta_docker_container_label_autoscrape_job", "mine"}}),
                                      load("").probes);
    REQUIRE(probes.size() == 1);
    CHECK(probes[0].address == "[fd00::5]:80");
    CHECK(probes[0].labels.at("job") == "mine");
}

TEST_CASE("probes.json entries carry __param_module, and the probe job relabels them onto the agent's /probe") {
    const auto c = load("generate: {agent_address: '10.0.0.1:9465'}\nprobes: {interval: 15s}");
    const auto inv = inventory(c, {container("web", "172.20.0.7", {{"__meta_autoscrape_probes", "http_2xx:80"}}, {80})});
    const auto entries = boost::json::parse(probes_json(inv.probes, std::chrono::seconds(20))).as_array();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].at("labels").at("__scrape_interval__") == "15s");
    CHECK(entries[0].at("labels").at("__scrape_timeout__") == "15s");
    CHECK_FALSE(entries[0].at("labels").as_object().contains("instance"));
    CHECK(entries[0].at("targets").as_array() == boost::json::array{"172.20.0.7:80"});
    CHECK(entries[0].at("labels").at("__param_module") == "http_2xx");
    CHECK(entries[0].at("labels").at("job") == "web");

    const YAML::Node job = job_named(YAML::Load(prometheus_yaml(c, inv.jobs)), "autoscrape_probe");
    CHECK(job["metrics_path"].as<std::string>() == "/probe");
    CHECK(job["scrape_interval"].as<std::string>() == "15s");
    CHECK(job["scrape_timeout"].as<std::string>() == "10s");
    CHECK(job["file_sd_configs"][0]["files"][0].as<std::string>() == "file_sd/probes.json");
    // Run the generated rules, read back from the YAML, over the target as Prometheus would.
    std::vector<config::RelabelConfig> rules;
    for (const auto& node : job["relabel_configs"]) {
        config::RelabelConfig rule;
        if (node["source_labels"]) rule.source_labels = node["source_labels"].as<std::vector<std::string>>();
        rule.regex = node["regex"].as<std::string>();
        rule.separator = node["separator"].as<std::string>();
        if (node["target_label"]) rule.target_label = node["target_label"].as<std::string>();
        rule.replacement = node["replacement"].as<std::string>();
        REQUIRE(node["action"].as<std::string>() == "replace");
        rules.push_back(rule);
    }
    scrape::LabelSet labels{{"__address__", "172.20.0.7:80"}, {"__param_module", "http_2xx"}};
    REQUIRE(scrape::Relabeler(rules).apply(labels));
    CHECK(labels.get("__address__") == "10.0.0.1:9465");
    CHECK(labels.get("__param_target") == "172.20.0.7:80");
    CHECK(labels.get("instance") == "172.20.0.7:80");
    CHECK(labels.get("__param_module") == "http_2xx");
}

TEST_CASE("no probe job when probes are disabled") {
    const auto c = load("probes: {enabled: false}");
    CHECK(job_names(YAML::Load(prometheus_yaml(c, {}))) == std::vector<std::string>{"autoscrape"});
}

TEST_CASE("the same groups give byte-identical files, whatever their order") {
    const auto c = load("");
    const std::vector<TargetGroup> groups{container("aaa", "172.20.0.2", kScrape), container("bbb", "172.20.0.3", kScrape)};
    const std::vector<TargetGroup> reversed{groups[1], groups[0]};
    const auto a = inventory(c, groups);
    const auto b = inventory(c, reversed);
    CHECK(prometheus_yaml(c, a.jobs) == prometheus_yaml(c, b.jobs));
    for (std::size_t i = 0; i < a.jobs.size(); ++i) CHECK(file_sd_json(a.jobs[i].targets) == file_sd_json(b.jobs[i].targets));
    CHECK(file_sd_json({}) == "[]\n");
}
