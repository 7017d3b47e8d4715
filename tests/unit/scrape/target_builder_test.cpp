// Target building: the default opt-in rules label by label, discovery modes, one target per
// container, the user's relabel_configs and Prometheus' finalisation.
#include <catch2/catch.hpp>

#include "agent/scrape/target_builder.hpp"

using namespace autoscrape::scrape;
using autoscrape::config::Config;
using autoscrape::config::DiscoveryConfig;
using autoscrape::config::RelabelAction;
using autoscrape::discovery::Target;
using autoscrape::discovery::TargetGroup;

namespace {

// One container on a watched network with the given container labels (already docker_sd-sanitised)
// and exposed ports; docker_sd gives one target per port.
TargetGroup container(std::map<std::string, std::string> labels, std::vector<int> ports = {8080},
                      std::string name = "/web-1", std::string compose_service = "") {
    TargetGroup g;
    g.source = "c0ffee";
    for (const int port : ports) {
        Target t;
        t.labels["__address__"] = "172.20.0.5:" + std::to_string(port);
        t.labels["__meta_docker_container_id"] = "c0ffee";
        t.labels["__meta_docker_container_name"] = name;
        t.labels["__meta_docker_network_ip"] = "172.20.0.5";
        t.labels["__meta_docker_port_private"] = std::to_string(port);
        if (!compose_service.empty()) {
            t.labels["__meta_autoscrape_compose_service"] = compose_service;
            t.labels["__meta_autoscrape_compose_project"] = "stack";
        }
        for (const auto& [k, v] : labels) t.labels["__meta_docker_container_label_" + k] = v;
        g.targets.push_back(t);
    }
    return g;
}

BuiltGroup build(const TargetGroup& g, Config config = {}) { return TargetBuilder(config).build(g); }

// The labels discovery adds for a matched profile (discovery/profile.hpp); `metrics` holds port,
// path and scheme when the profile has metrics.
TargetGroup with_profile(TargetGroup g, const std::string& profile, std::map<std::string, std::string> metrics = {},
                         std::string job = "") {
    for (auto& t : g.targets) {
        t.labels["__meta_autoscrape_profile"] = profile;
        t.labels["__meta_autoscrape_job"] = job.empty() ? profile : job;
        for (const auto& [k, v] : metrics) t.labels["__meta_autoscrape_metrics_" + k] = v;
    }
    return g;
}

}  // namespace

TEST_CASE("prometheus.io/scrape=true opts a container in") {
    const auto out = build(container({{"prometheus_io_scrape", "true"}}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].url() == "http://172.20.0.5:8080/metrics");
}

TEST_CASE("A container without opt-in labels is dropped in label mode") {
    const auto out = build(container({}));
    CHECK(out.active.empty());
    REQUIRE(out.dropped.size() == 1);
    CHECK(out.dropped[0].get("__meta_docker_container_id") == "c0ffee");
}

TEST_CASE("autoscrape.enable=true opts a container in") {
    CHECK(build(container({{"autoscrape_enable", "true"}})).active.size() == 1);
}

TEST_CASE("A matched service profile with metrics opts a container in") {
    auto g = with_profile(container({}, {9000}), "minio", {{"port", "9000"}, {"path", "/minio/v2/metrics/cluster"}});
    const auto out = build(g);
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].url() == "http://172.20.0.5:9000/minio/v2/metrics/cluster");
    CHECK(out.active[0].job() == "minio");
}

TEST_CASE("A profile without metrics makes no scrape target of its service port") {
    const auto g = with_profile(container({}, {5432}), "postgresql");
    CHECK(build(g).active.empty());
    Config all;
    all.discovery.mode = DiscoveryConfig::Mode::All;
    CHECK(build(g, all).active.empty());
    // An explicit opt-in still wins: the user says there is an endpoint.
    const auto opted = with_profile(container({{"prometheus_io_scrape", "true"}, {"prometheus_io_port", "9187"}}, {5432}),
                                    "postgresql");
    REQUIRE(build(opted, all).active.size() == 1);
    CHECK(build(opted).active[0].address == "172.20.0.5:9187");
}

TEST_CASE("An explicit opt-out drops a profiled container") {
    const auto g = with_profile(container({{"prometheus_io_scrape", "false"}}, {9000}), "minio", {{"port", "9000"}});
    CHECK(build(g).active.empty());
}

TEST_CASE("The profile's metrics port is the one target even when the container exposes others") {
    const auto out = build(with_profile(container({}, {3000, 3001, 9090}), "prometheus", {{"port", "9090"}}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].address == "172.20.0.5:9090");
    CHECK(out.active[0].discovered.get("__meta_docker_port_private") == "9090");
    CHECK(out.dropped.size() == 2);
}

TEST_CASE("Container labels override the profile's port, path, scheme and job") {
    const auto g = with_profile(container({{"prometheus_io_port", "9001"},
                                           {"prometheus_io_path", "/custom"},
                                           {"prometheus_io_scheme", "https"},
                                           {"autoscrape_job", "objects"}},
                                          {9000}),
                                "minio", {{"port", "9000"}, {"path", "/minio/v2/metrics/cluster"}});
    const auto out = build(g);
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].url() == "https://172.20.0.5:9001/custom");
    CHECK(out.active[0].job() == "objects");
}

TEST_CASE("The profile's job wins over the compose service and the container name") {
    const auto out = build(with_profile(container({}, {3000}, "/stack-grafana-1", "grafana-ui"), "grafana",
                                        {{"port", "3000"}}, "dashboards"));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].job() == "dashboards");
}

TEST_CASE("The profile's metrics port on an IPv6-only container is bracketed") {
    auto g = with_profile(container({}, {9187}), "postgres_exporter", {{"port", "9187"}});
    for (auto& t : g.targets) t.labels["__meta_docker_network_ip"] = "fd00::5";
    const auto out = build(g);
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].address == "[fd00::5]:9187");
}

TEST_CASE("Exporter pairing labels become exported_container and service") {
    auto g = with_profile(container({}, {9187}), "postgres_exporter", {{"port", "9187"}});
    for (auto& t : g.targets) {
        t.labels["__meta_autoscrape_exported_container"] = "pg-main";
        t.labels["__meta_autoscrape_exported_service"] = "postgresql";
    }
    const auto out = build(g);
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].labels.get("exported_container") == "pg-main");
    CHECK(out.active[0].labels.get("service") == "postgresql");
    CHECK(out.active[0].job() == "postgres_exporter");
}

TEST_CASE("Mode all scrapes unlabelled containers but honours an explicit opt-out") {
    Config config;
    config.discovery.mode = DiscoveryConfig::Mode::All;
    CHECK(build(container({}), config).active.size() == 1);
    CHECK(build(container({{"prometheus_io_scrape", "false"}}), config).active.empty());
}

TEST_CASE("prometheus.io/port picks one target per container on that port") {
    const auto out = build(container({{"prometheus_io_scrape", "true"}, {"prometheus_io_port", "9100"}}, {80, 9100, 443}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].address == "172.20.0.5:9100");
    CHECK(out.active[0].discovered.get("__meta_docker_port_private") == "9100");
    CHECK(out.dropped.size() == 2);
}

TEST_CASE("prometheus.io/port on a port the container does not expose rewrites the address") {
    const auto out = build(container({{"prometheus_io_scrape", "true"}, {"prometheus_io_port", "9187"}}, {5432}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].address == "172.20.0.5:9187");
    CHECK(out.active[0].labels.get("instance") == "172.20.0.5:9187");
}

TEST_CASE("Without a port label the lowest exposed port is the one target") {
    const auto out = build(container({{"prometheus_io_scrape", "true"}}, {9000, 3000, 8080}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].address == "172.20.0.5:3000");
    CHECK(out.dropped.size() == 2);
}

TEST_CASE("prometheus.io/path and prometheus.io/scheme set the scrape URL") {
    const auto out = build(container({{"prometheus_io_scrape", "true"},
                                      {"prometheus_io_path", "/minio/v2/metrics/cluster"},
                                      {"prometheus_io_scheme", "https"}}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].url() == "https://172.20.0.5:8080/minio/v2/metrics/cluster");
}

TEST_CASE("The job is autoscrape.job, else the compose service, else the container name") {
    CHECK(build(container({{"autoscrape_enable", "true"}})).active[0].job() == "web-1");
    CHECK(build(container({{"autoscrape_enable", "true"}}, {8080}, "/x", "api")).active[0].job() == "api");
    CHECK(build(container({{"autoscrape_enable", "true"}, {"autoscrape_job", "payments"}}, {8080}, "/x", "api"))
              .active[0].job() == "payments");
}

TEST_CASE("autoscrape.interval sets the interval and caps the timeout") {
    const auto out = build(container({{"autoscrape_enable", "true"}, {"autoscrape_interval", "5s"}}));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].interval == std::chrono::seconds(5));
    CHECK(out.active[0].timeout == std::chrono::seconds(5));
    const auto plain = build(container({{"autoscrape_enable", "true"}}));
    CHECK(plain.active[0].interval == std::chrono::seconds(15));
    CHECK(plain.active[0].timeout == std::chrono::seconds(10));
}

TEST_CASE("An unparseable autoscrape.interval drops the target") {
    CHECK(build(container({{"autoscrape_enable", "true"}, {"autoscrape_interval", "soon"}})).active.empty());
}

TEST_CASE("The final labels are job, instance, container and the compose labels, no __ labels") {
    const auto out = build(container({{"autoscrape_enable", "true"}}, {8080}, "/stack-api-1", "api"));
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].labels == LabelSet{{"compose_project", "stack"},
                                           {"compose_service", "api"},
                                           {"container", "stack-api-1"},
                                           {"instance", "172.20.0.5:8080"},
                                           {"job", "api"}});
    CHECK(out.active[0].discovered.get("__scheme__") == "http");
    CHECK(out.active[0].discovered.get("__scrape_interval__") == "15s");
}

TEST_CASE("The user's relabel_configs run after the default rules") {
    Config config;
    config.relabel_configs = {{.source_labels = {"container"}, .regex = "web-(.*)", .target_label = "replica"},
                              {.source_labels = {"replica"}, .regex = "2", .action = RelabelAction::Drop}};
    const auto out = build(container({{"autoscrape_enable", "true"}}), config);
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].labels.get("replica") == "1");
    CHECK(build(container({{"autoscrape_enable", "true"}}, {8080}, "/web-2"), config).active.empty());
}

TEST_CASE("__param_ labels become URL parameters") {
    Config config;
    config.relabel_configs = {{.target_label = "__param_module", .replacement = "http_2xx"}};
    const auto out = build(container({{"autoscrape_enable", "true"}}), config);
    REQUIRE(out.active.size() == 1);
    CHECK(out.active[0].url() == "http://172.20.0.5:8080/metrics?module=http_2xx");
    CHECK_FALSE(out.active[0].labels.has("__param_module"));
}

TEST_CASE("Without the default rules every per-port target is kept as docker_sd gives it") {
    Config config;
    config.discovery.default_relabel_rules = false;
    const auto out = build(container({}, {80, 443}), config);
    CHECK(out.active.size() == 2);
    CHECK(out.active[0].job() == "web-1");
}

TEST_CASE("A target whose relabelling empties __address__ is dropped") {
    Config config;
    config.relabel_configs = {{.target_label = "__address__", .replacement = ""}};
    CHECK(build(container({{"autoscrape_enable", "true"}}), config).active.empty());
}
