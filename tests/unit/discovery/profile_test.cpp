// Service profiles: image spellings, label matches, user overrides, the contract's meta labels and
// the autoscrape.probe label.
#include "config/builtin.hpp"
#include "discovery/profile.hpp"
#include "discovery/target_group.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::discovery;
using autoscrape::config::Profile;

namespace {

ServiceProfiles builtins(std::vector<Profile> user = {}) {
    std::set<std::string, std::less<>> modules;
    for (const auto& [name, module] : autoscrape::config::builtin_probe_modules()) modules.insert(name);
    return ServiceProfiles(autoscrape::config::with_builtin_profiles(std::move(user)), std::move(modules));
}

Container running(std::string image, LabelMap labels = {}, std::vector<std::uint16_t> ports = {}) {
    Container c;
    c.id = "c0ffee";
    c.names = {"/svc-1"};
    c.image = std::move(image);
    c.labels = std::move(labels);
    for (const auto port : ports) c.ports.push_back({"", port, 0, "tcp"});
    return c;
}

std::string matched(const ServiceProfiles& profiles, std::string image, LabelMap labels = {}) {
    const Profile* p = profiles.match(running(std::move(image), std::move(labels)));
    return p == nullptr ? "-" : p->name;
}

std::map<std::string, std::string> labels_of(const ServiceProfiles& profiles, const Container& c,
                                             std::vector<std::string>* warnings = nullptr) {
    std::vector<std::string> sink;
    return profile_labels(c, profiles.match(c), profiles, warnings != nullptr ? *warnings : sink);
}

}  // namespace

TEST_CASE("Image references reduce to the repository and to its path without registry") {
    CHECK(image_repository("registry:5000/ns/img:tag@sha256:0123abcd") == "registry:5000/ns/img");
    CHECK(image_repository("postgres") == "postgres");
    CHECK(image_repository("postgres:16-alpine") == "postgres");
    CHECK(image_repository("localhost:5000/minio") == "localhost:5000/minio");
    CHECK(image_path("registry:5000/ns/img:tag@sha256:0123abcd") == "ns/img");
    CHECK(image_path("docker.io/library/postgres:16") == "postgres");
    CHECK(image_path("library/postgres") == "postgres");
    CHECK(image_path("ghcr.io/mlflow/mlflow:v2.14.1") == "mlflow/mlflow");
    CHECK(image_path("localhost/minio/minio") == "minio/minio");
    CHECK(image_path("bitnami/postgresql:16") == "bitnami/postgresql");
}

TEST_CASE("Built-in profiles match the upstream images under any registry, tag or digest") {
    const auto p = builtins();
    const std::vector<std::pair<std::string, std::string>> cases{
        {"postgres", "postgresql"},
        {"postgres:15", "postgresql"},
        {"docker.io/library/postgres:16-alpine", "postgresql"},
        {"bitnami/postgresql:16.2.0", "postgresql"},
        {"registry.example.com:5000/mirror/postgres:15@sha256:deadbeef", "postgresql"},
        {"prometheuscommunity/postgres-exporter:v0.15.0", "postgres_exporter"},
        {"quay.io/prometheuscommunity/postgres-exporter", "postgres_exporter"},
        {"bitnami/postgres-exporter", "postgres_exporter"},
        {"wrouesnel/postgres_exporter:latest", "postgres_exporter"},
        {"minio/minio:RELEASE.2024-01-01T00-00-00Z", "minio"},
        {"quay.io/minio/minio", "minio"},
        {"neo4j:5-community", "neo4j"},
        {"ghcr.io/mlflow/mlflow:v2.14.1", "mlflow"},
        {"bitnami/mlflow", "mlflow"},
        {"heartexlabs/label-studio:latest", "label-studio"},
        {"grafana/grafana:10.4.0", "grafana"},
        {"grafana/grafana-oss", "grafana"},
        {"grafana/grafana-enterprise", "grafana"},
        {"bitnami/grafana", "grafana"},
        {"prom/prometheus:v2.51.0", "prometheus"},
        {"bitnami/prometheus", "prometheus"},
        {"prom/node-exporter", "node_exporter"},
        {"quay.io/prometheus/node-exporter:v1.8.0", "node_exporter"},
        {"gcr.io/cadvisor/cadvisor:v0.49.1", "cadvisor"},
        {"prom/blackbox-exporter", "blackbox_exporter"},
        {"redis:7", "redis"},
        {"oliver006/redis_exporter", "redis_exporter"},
        {"mariadb:11", "mysql"},
        {"prom/mysqld-exporter", "mysqld_exporter"},
        // Neighbours that must not be taken for the services above.
        {"grafana/loki", "-"},
        {"postgrest/postgrest", "-"},
        {"busybox", "-"},
        {"sha256:0123456789abcdef", "-"},
        {"", "-"},
    };
    for (const auto& [image, profile] : cases) {
        INFO(image);
        CHECK(matched(p, image) == profile);
    }
}

TEST_CASE("A label-matched profile needs every label and its image regex") {
    Profile custom;
    custom.name = "custom";
    custom.job = "custom";
    custom.image_regex = "acme/.*";
    custom.label_match = {{"tier", "db|cache"}, {"team", "data"}};
    const auto p = builtins({custom});
    CHECK(matched(p, "acme/store", {{"tier", "db"}, {"team", "data"}}) == "custom");
    CHECK(matched(p, "acme/store", {{"tier", "dbx"}, {"team", "data"}}) == "-");  // anchored
    CHECK(matched(p, "acme/store", {{"tier", "db"}}) == "-");
    CHECK(matched(p, "other/store", {{"tier", "db"}, {"team", "data"}}) == "-");
}

TEST_CASE("A user profile replaces the built-in of its name and a new one wins over the built-ins") {
    Profile mine;
    mine.name = "postgresql";
    mine.job = "db";
    mine.image_regex = "acme/pg";
    Profile first;
    first.name = "special-minio";
    first.job = "objects";
    first.image_regex = "minio/minio";
    const auto p = builtins({first, mine});
    CHECK(matched(p, "postgres:16") == "-");
    CHECK(matched(p, "acme/pg:1") == "postgresql");
    CHECK(p.match(running("acme/pg"))->job == "db");
    CHECK(matched(p, "minio/minio") == "special-minio");
    CHECK(matched(p, "bitnami/minio") == "minio");
}

TEST_CASE("A regex RE2 rejects is an invalid_argument naming the profile") {
    Profile bad;
    bad.name = "bad";
    bad.image_regex = "(unclosed";
    CHECK_THROWS_WITH(ServiceProfiles({bad}, {}), Catch::Contains("profile 'bad'"));
}

TEST_CASE("A matched profile sets the contract's meta labels") {
    const auto p = builtins();
    const auto minio = labels_of(p, running("minio/minio", {}, {9000, 9001}));
    CHECK(minio == std::map<std::string, std::string>{
                       {"__meta_autoscrape_profile", "minio"},
                       {"__meta_autoscrape_job", "minio"},
                       {"__meta_autoscrape_metrics_port", "9000"},
                       {"__meta_autoscrape_metrics_path", "/minio/v2/metrics/cluster"},
                       {"__meta_autoscrape_metrics_scheme", "http"},
                       {"__meta_autoscrape_probes", "minio_live:9000"},
                   });
    const auto pg = labels_of(p, running("postgres:16", {}, {5432}));
    CHECK(pg == std::map<std::string, std::string>{{"__meta_autoscrape_profile", "postgresql"},
                                                   {"__meta_autoscrape_job", "postgresql"},
                                                   {"__meta_autoscrape_probes", "postgres:5432"}});
    CHECK(labels_of(p, running("busybox")) == std::map<std::string, std::string>{{"__meta_autoscrape_profile", ""}});
}

TEST_CASE("Neo4j's metrics port counts only when the container exposes it") {
    const auto p = builtins();
    const auto plain = labels_of(p, running("neo4j:5", {}, {7474, 7687}));
    CHECK(plain.count("__meta_autoscrape_metrics_port") == 0);
    CHECK(plain.at("__meta_autoscrape_probes") == "http_2xx:7474,bolt:7687");
    CHECK(labels_of(p, running("neo4j:5", {}, {2004, 7474, 7687})).at("__meta_autoscrape_metrics_port") == "2004");
}

TEST_CASE("A profile metrics port of 0 means the lowest exposed TCP port") {
    const auto p = builtins();
    CHECK(labels_of(p, running("acme/neo4j-exporter", {}, {9999, 5000})).at("__meta_autoscrape_metrics_port") == "5000");
    CHECK(labels_of(p, running("acme/neo4j-exporter")).count("__meta_autoscrape_metrics_port") == 0);
}

TEST_CASE("autoscrape.probe replaces the profile's probes") {
    const auto p = builtins();
    auto c = running("postgres:16", {{"autoscrape.probe", "tcp_connect, postgres:6432"}}, {5432});
    CHECK(labels_of(p, c).at("__meta_autoscrape_probes") == "tcp_connect:5432,postgres:6432");
    c.labels["autoscrape.probe"] = "false";
    CHECK(labels_of(p, c).count("__meta_autoscrape_probes") == 0);
    c.labels["autoscrape.probe"] = "none";
    CHECK(labels_of(p, c).count("__meta_autoscrape_probes") == 0);
}

TEST_CASE("autoscrape.probe without a profile uses the lowest exposed TCP port") {
    const auto p = builtins();
    const auto c = running("busybox", {{"autoscrape.probe", "http_2xx,tcp_connect:22"}}, {8080, 80});
    CHECK(labels_of(p, c).at("__meta_autoscrape_probes") == "http_2xx:80,tcp_connect:22");
}

TEST_CASE("Invalid autoscrape.probe entries are skipped with a warning each") {
    const auto p = builtins();
    std::vector<std::string> warnings;
    const auto c = running("busybox", {{"autoscrape.probe", "nope:80,http_2xx:0,http_2xx:70000,,tcp_connect:x1,bolt:7687"}},
                           {80});
    CHECK(labels_of(p, c, &warnings).at("__meta_autoscrape_probes") == "bolt:7687");
    REQUIRE(warnings.size() == 5);
    CHECK(warnings[0] == "autoscrape.probe: unknown probe module 'nope'");
    CHECK_THAT(warnings[1], Catch::Contains("bad port in 'http_2xx:0'"));
    CHECK_THAT(warnings[3], Catch::Contains("empty entry"));
}

TEST_CASE("autoscrape.probe needs a port when nothing provides one") {
    std::vector<std::string> warnings;
    const auto c = running("busybox", {{"autoscrape.probe", "tcp_connect"}});
    CHECK(labels_of(builtins(), c, &warnings).count("__meta_autoscrape_probes") == 0);
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("no port"));
}

TEST_CASE("parse_probe_label bounds the entries it reads") {
    std::string value;
    for (int i = 0; i < 40; ++i) value += "tcp_connect:" + std::to_string(1000 + i) + ",";
    const auto parsed = parse_probe_label(value, {"tcp_connect"}, [](std::string_view) { return std::uint16_t{0}; });
    CHECK(parsed.probes.size() == 16);
    REQUIRE(parsed.errors.size() == 1);
    CHECK_THAT(parsed.errors[0], Catch::Contains("more than 16"));
}

TEST_CASE("Every target of a profiled container carries the profile labels") {
    EngineState state;
    auto c = running("grafana/grafana:10", {}, {3000, 3001});
    c.networks["net"] = Endpoint{"n1", "172.20.0.9"};
    state.containers.emplace(c.id, c);
    autoscrape::config::DockerConfig docker;
    docker.networks = {"net"};
    const auto group = build_target_group(c, state, docker, builtins());
    REQUIRE(group.targets.size() == 2);
    for (const auto& t : group.targets) {
        CHECK(t.labels.at("__meta_autoscrape_profile") == "grafana");
        CHECK(t.labels.at("__meta_autoscrape_metrics_port") == "3000");
        CHECK(t.labels.at("__meta_autoscrape_probes") == "grafana_health:3000");
    }
}
