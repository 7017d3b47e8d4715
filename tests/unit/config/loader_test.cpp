#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include "config/builtin.hpp"
#include "config/dump.hpp"
#include "config/loader.hpp"
#include "helpers.hpp"

using namespace autoscrape::config;
using autoscrape::config::test::data_path;
using std::chrono::milliseconds;

namespace {

Config load(std::string_view yaml) { return load_config_string(yaml, "test.yaml"); }

Config defaults() {
    Config c;
    c.probes.modules = builtin_probe_modules();
    c.profiles = builtin_profiles();
    return c;
}

void set_full_yaml_env() {
    ::setenv("VM_PASSWORD", "pa55word", 1);
    ::setenv("CONFIG_DIR", AUTOSCRAPE_TEST_DATA, 1);
}

// Secrets read back as `<secret>` from a dump; blank them on both sides to compare the rest.
Config without_secrets(Config c) {
    for (auto& w : c.remote_write) {
        if (w.basic_auth) w.basic_auth->password = Secret();
        if (w.authorization) w.authorization->credentials = Secret();
    }
    if (c.generate.slack) c.generate.slack->api_url = Secret();
    if (c.generate.pagerduty) c.generate.pagerduty->routing_key = Secret();
    return c;
}

}  // namespace

TEST_CASE("An empty document yields the defaults plus the built-in probe modules and profiles", "[loader]") {
    CHECK(load("") == defaults());
    CHECK(load("# only a comment\n") == defaults());
    CHECK(load("global:\n") == defaults());
}

TEST_CASE("A minimal document overrides only what it names", "[loader]") {
    const auto c = load("global:\n  scrape_interval: 30s\nwal:\n  dir: /tmp/wal\n");
    auto expected = defaults();
    expected.global.scrape_interval = milliseconds(30'000);
    expected.wal.dir = "/tmp/wal";
    CHECK(c == expected);
}

TEST_CASE("full.yaml loads and its documented defaults are the real defaults", "[loader]") {
    set_full_yaml_env();
    const auto c = load_config_file(data_path("full.yaml"));
    const Config d;
    CHECK(c.global == d.global);
    CHECK(c.docker == d.docker);
    CHECK(c.discovery == d.discovery);
    CHECK(c.container_stats == d.container_stats);
    CHECK(c.wal == d.wal);
    CHECK(c.web == d.web);
    CHECK(c.log == d.log);
    CHECK(c.probes.enabled == d.probes.enabled);
    CHECK(c.probes.interval == d.probes.interval);
    CHECK(c.remote_write.at(0).queue_config == QueueConfig{});
    CHECK(c.generate.prometheus_url == d.generate.prometheus_url);
    CHECK(c.generate.alertmanager_url == d.generate.alertmanager_url);
    CHECK(c.probes.modules.at("http_2xx_json").http.headers.at("Accept") == "application/json");
    CHECK(c.relabel_configs.at(0) == RelabelConfig{{"__meta_docker_container_label_com_docker_compose_service"},
                                                   ";", "(.*)", 0, "service", "$1", RelabelAction::Replace});
}

TEST_CASE("full.yaml reads secrets from the environment and from files", "[loader]") {
    set_full_yaml_env();
    const auto c = load_config_file(data_path("full.yaml"));
    CHECK(c.remote_write.at(0).basic_auth->password.reveal() == "pa55word");
    CHECK(c.remote_write.at(1).authorization->credentials.reveal() == "s3cr3t-t0ken");
    CHECK(c.generate.slack->api_url.reveal() == "https://hooks.slack.example/T000/B000/XXXX");
    CHECK(c.generate.slack->channel == "#alerts");
}

TEST_CASE("The embedded default config loads and points at the demo stack", "[loader]") {
    const auto c = load_config_string(embedded_default_config(), "<embedded>");
    REQUIRE(c.remote_write.size() == 1);
    CHECK(c.remote_write[0].url == "http://127.0.0.1:8428/api/v1/write");
    CHECK(c.docker.networks == std::vector<std::string>{"shared-network"});
    CHECK(c.wal.dir == "./data/wal");
}

TEST_CASE("Global settings, labels and sizes are read", "[loader]") {
    const auto g = load(R"y(
global:
  scrape_interval: 1m
  scrape_timeout: 45s
  external_labels: {cluster: lab, replica: "ä"}
  body_size_limit: 10MiB
  sample_limit: 5000
  honor_labels: true
  honor_timestamps: false
)y").global;
    CHECK(g.scrape_interval == milliseconds(60'000));
    CHECK(g.scrape_timeout == milliseconds(45'000));
    CHECK(g.external_labels == Labels{{"cluster", "lab"}, {"replica", "ä"}});
    CHECK(g.body_size_limit == 10ULL << 20);
    CHECK(g.sample_limit == 5000);
    CHECK(g.honor_labels);
    CHECK_FALSE(g.honor_timestamps);
}

TEST_CASE("A short interval without a timeout shortens the timeout as in Prometheus", "[loader]") {
    CHECK(load("global: {scrape_interval: 5s}").global.scrape_timeout == milliseconds(5'000));
}

TEST_CASE("Docker, discovery and log enums are read", "[loader]") {
    const auto c = load(R"y(
docker: {host: "tcp://10.0.0.1:2376", networks: [a, b], tls_config: {ca_file: ca.pem}, port: 9000}
discovery: {mode: all, default_relabel_rules: false}
log: {level: debug, format: json}
)y");
    CHECK(c.docker.host == "tcp://10.0.0.1:2376");
    CHECK(c.docker.networks == std::vector<std::string>{"a", "b"});
    REQUIRE(c.docker.tls_config.has_value());
    CHECK(c.docker.tls_config->ca_file == "ca.pem");
    CHECK(c.docker.port == 9000);
    CHECK(c.discovery.mode == DiscoveryConfig::Mode::All);
    CHECK_FALSE(c.discovery.default_relabel_rules);
    CHECK(c.log.level == "debug");
    CHECK(c.log.format == LogConfig::Format::Json);
}

TEST_CASE("Relabel actions are read case-insensitively with Prometheus defaults", "[loader]") {
    const auto c = load(R"y(
relabel_configs:
  - {source_labels: [a, b], target_label: shard, modulus: 4, action: HashMod}
  - {regex: "__meta_(.+)", action: labelmap, replacement: "$1"}
  - {source_labels: [x], target_label: y, action: keepequal}
)y");
    REQUIRE(c.relabel_configs.size() == 3);
    CHECK(c.relabel_configs[0].action == RelabelAction::HashMod);
    CHECK(c.relabel_configs[0].modulus == 4);
    CHECK(c.relabel_configs[0].separator == ";");
    CHECK(c.relabel_configs[1].action == RelabelAction::LabelMap);
    CHECK(c.relabel_configs[2].action == RelabelAction::KeepEqual);
}

TEST_CASE("Profiles map match, metrics and probes and default the job to the name", "[loader]") {
    const auto c = load(R"y(
profiles:
  - name: postgresql
    match: {image: "postgres(:.*)?", labels: {tier: db}}
    metrics: {port: 9187}
    probes: [{module: postgres, port: 5432}]
    exporter_for: ""
)y");
    REQUIRE(c.profiles.size() == builtin_profiles().size());
    const auto& p = c.profiles[0];
    CHECK(p.image_regex == "postgres(:.*)?");
    CHECK(p.label_match == Labels{{"tier", "db"}});
    CHECK(p.job == "postgresql");
    REQUIRE(p.metrics.has_value());
    CHECK(p.metrics->port == 9187);
    CHECK(p.metrics->path == "/metrics");
    CHECK(p.probes == std::vector<ProfileProbe>{{"postgres", 5432}});
}

TEST_CASE("A user profile replaces the built-in of its name in place of it, a new one is tried first", "[loader]") {
    const auto c = load(R"y(
profiles:
  - name: custom
    match: {labels: {app: custom}}
  - name: grafana
    match: {image: "my/grafana"}
    metrics: {port: 3001, only_if_exposed: true}
)y");
    const auto builtins = builtin_profiles();
    REQUIRE(c.profiles.size() == builtins.size() + 1);
    CHECK(c.profiles[0].name == "custom");
    CHECK(c.profiles[1].name == "grafana");
    CHECK(c.profiles[1].image_regex == "my/grafana");
    CHECK(c.profiles[1].metrics->only_if_exposed);
    CHECK(c.profiles[1].probes.empty());
    const auto grafanas = std::count_if(c.profiles.begin(), c.profiles.end(), [](const Profile& p) { return p.name == "grafana"; });
    CHECK(grafanas == 1);
    CHECK(c.profiles[2].name == builtins[0].name);
}

TEST_CASE("Every built-in profile names built-in probe modules and has a job", "[loader]") {
    const auto modules = builtin_probe_modules();
    for (const auto& p : builtin_profiles()) {
        INFO(p.name);
        CHECK(p.job == p.name);
        CHECK_FALSE(p.image_regex.empty());
        for (const auto& probe : p.probes) {
            CHECK(modules.count(probe.module) == 1);
            CHECK(probe.port != 0);
        }
    }
}

TEST_CASE("A user probe module replaces the built-in module of the same name", "[loader]") {
    const auto c = load("probes:\n  modules:\n    http_2xx: {prober: http, http: {valid_status_codes: [200, 204]}}\n");
    const auto& m = c.probes.modules.at("http_2xx");
    CHECK(m.http.valid_status_codes == std::vector<int>{200, 204});
    CHECK(c.probes.modules.count("tcp_connect") == 1);
    CHECK(builtin_probe_modules().at("postgres").prober == ProbeModule::Prober::Postgres);
    CHECK(builtin_probe_modules().at("bolt").prober == ProbeModule::Prober::Bolt);
}

TEST_CASE("Remote write reads queue settings and names an unnamed writer by a url hash", "[loader]") {
    const auto c = load(R"y(
remote_write:
  - url: http://vm:8428/api/v1/write
    queue_config: {max_shards: 10, min_shards: 2, min_backoff: 100ms}
  - url: http://other:8428/api/v1/write
)y");
    REQUIRE(c.remote_write.size() == 2);
    CHECK(c.remote_write[0].queue_config.max_shards == 10);
    CHECK(c.remote_write[0].queue_config.min_backoff == milliseconds(100));
    CHECK(c.remote_write[0].name.size() == 6);
    CHECK(c.remote_write[0].name != c.remote_write[1].name);
    CHECK(load("remote_write: [{url: 'http://vm:8428/api/v1/write'}]").remote_write[0].name == c.remote_write[0].name);
}

TEST_CASE("Generate uses the prometheus and alertmanager nesting", "[loader]") {
    const auto g = load(R"y(
generate:
  output_dir: /out
  prometheus: {url: "http://p:9090", reload: true}
  alertmanager: {url: "http://am:9093", pagerduty: {routing_key: abc}}
  alert_thresholds: {container_memory_ratio: 0.9}
)y").generate;
    CHECK(g.output_dir == "/out");
    CHECK(g.prometheus_url == "http://p:9090");
    CHECK(g.reload_prometheus);
    CHECK(g.alertmanager_url == "http://am:9093");
    CHECK(g.pagerduty->routing_key.reveal() == "abc");
    CHECK(g.alert_thresholds.at("container_memory_ratio") == Approx(0.9));
}

TEST_CASE("Environment variables are expanded before type conversion", "[loader]") {
    ::setenv("AUTOSCRAPE_TEST_INTERVAL", "1m30s", 1);
    ::setenv("AUTOSCRAPE_TEST_HOST", "vm", 1);
    const auto c = load(R"y(
global: {scrape_interval: "${AUTOSCRAPE_TEST_INTERVAL}", scrape_timeout: 5s}
remote_write: [{url: "http://${AUTOSCRAPE_TEST_HOST}:8428/x"}]
relabel_configs: [{source_labels: [a], target_label: "b", replacement: "$$${1}x"}]
)y");
    CHECK(c.global.scrape_interval == milliseconds(90'000));
    CHECK(c.remote_write[0].url == "http://vm:8428/x");
    CHECK(c.relabel_configs[0].replacement == "$${1}x");
}

TEST_CASE("A dump loads back into an equal config except for secrets", "[loader]") {
    set_full_yaml_env();
    const auto original = load_config_file(data_path("full.yaml"));
    const auto text = dump_config(original);
    const auto reloaded = load_config_string(text, "dump.yaml");
    CHECK(without_secrets(reloaded) == without_secrets(original));
    CHECK(dump_config(reloaded) == text);
}

TEST_CASE("A dump of a value with dollars round-trips without expansion", "[loader]") {
    auto c = defaults();
    c.docker.host_networking_host = "${HOME}$$";
    c.relabel_configs.push_back(RelabelConfig{{"a"}, ";", "(.*)", 0, "${1}", "$1", RelabelAction::Replace});
    CHECK(load_config_string(dump_config(c), "dump.yaml") == c);
}

TEST_CASE("load_config_file reports a missing file without a position", "[loader]") {
    try {
        load_config_file("/nonexistent/autoscrape.yaml");
        FAIL("expected ConfigError");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == "/nonexistent/autoscrape.yaml: cannot open: No such file or directory");
    }
}
