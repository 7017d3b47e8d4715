#include "config/builtin.hpp"

#include <set>

namespace autoscrape::config {
namespace {

ProbeModule http_get(std::string path) {
    ProbeModule m;
    m.prober = ProbeModule::Prober::Http;
    m.http.path = std::move(path);
    return m;
}

ProbeModule with_prober(ProbeModule::Prober prober) {
    ProbeModule m;
    m.prober = prober;
    return m;
}

Profile profile(std::string name, std::string image_regex, std::vector<ProfileProbe> probes = {}) {
    Profile p;
    p.job = name;
    p.name = std::move(name);
    p.image_regex = std::move(image_regex);
    p.probes = std::move(probes);
    return p;
}

Profile with_metrics(Profile p, std::uint16_t port, std::string path = "/metrics") {
    ProfileMetrics m;
    m.port = port;
    m.path = std::move(path);
    p.metrics = std::move(m);
    return p;
}

Profile exporter(std::string name, std::string image_regex, std::uint16_t port, std::string exports) {
    Profile p = with_metrics(profile(std::move(name), std::move(image_regex)), port);
    p.exporter_for = std::move(exports);
    return p;
}

}  // namespace

std::vector<Profile> builtin_profiles() {
    // Ports and paths are each image's defaults (upstream docs); `(.*/)?` accepts any namespace
    // (library/, bitnami/, a mirror's), the regex is anchored on the repository path.
    std::vector<Profile> p;
    p.push_back(profile("postgresql", "(.*/)?postgres(ql)?", {{"postgres", 5432}}));
    p.push_back(exporter("postgres_exporter", "(.*/)?postgres[-_]exporter", 9187, "postgresql"));
    p.push_back(with_metrics(profile("minio", "(.*/)?minio", {{"minio_live", 9000}}), 9000, "/minio/v2/metrics/cluster"));
    // Neo4j serves Prometheus metrics on 2004 only when enabled (Enterprise,
    // server.metrics.prometheus.enabled); exposing the port is the sign that it is.
    auto neo4j = with_metrics(profile("neo4j", "(.*/)?neo4j", {{"http_2xx", 7474}, {"bolt", 7687}}), 2004);
    neo4j.metrics->only_if_exposed = true;
    p.push_back(std::move(neo4j));
    // No canonical image or port: the exporter's lowest exposed port.
    p.push_back(exporter("neo4j_exporter", "(.*/)?neo4j[-_](apoc[-_])?exporter", 0, "neo4j"));
    // MLflow serves /metrics on its UI port when started with --expose-prometheus.
    p.push_back(with_metrics(profile("mlflow", "(.*/)?mlflow", {{"http_health", 5000}}), 5000));
    p.push_back(profile("label-studio", "(.*/)?label-studio", {{"http_health", 8080}}));
    p.push_back(with_metrics(profile("grafana", "(.*/)?grafana(-oss|-enterprise)?", {{"grafana_health", 3000}}), 3000));
    p.push_back(with_metrics(profile("prometheus", "(.*/)?prometheus", {{"prometheus_healthy", 9090}}), 9090));
    p.push_back(profile("redis", "(.*/)?(redis|valkey)", {{"tcp_connect", 6379}}));
    p.push_back(exporter("redis_exporter", "(.*/)?redis[-_]exporter", 9121, "redis"));
    p.push_back(profile("mysql", "(.*/)?(mysql|mariadb)(-server)?", {{"tcp_connect", 3306}}));
    p.push_back(exporter("mysqld_exporter", "(.*/)?mysqld?[-_]exporter", 9104, "mysql"));
    p.push_back(with_metrics(profile("node_exporter", "(.*/)?node[-_]exporter"), 9100));
    p.push_back(with_metrics(profile("cadvisor", "(.*/)?cadvisor"), 8080));
    p.push_back(with_metrics(profile("blackbox_exporter", "(.*/)?blackbox[-_]exporter"), 9115));
    return p;
}

std::vector<Profile> with_builtin_profiles(std::vector<Profile> user) {
    std::set<std::string> taken;
    for (const auto& p : user) taken.insert(p.name);
    for (auto& p : builtin_profiles()) {
        if (!taken.contains(p.name)) user.push_back(std::move(p));
    }
    return user;
}

std::map<std::string, ProbeModule> builtin_probe_modules() {
    std::map<std::string, ProbeModule> modules;
    modules["http_2xx"] = http_get("/");
    auto post = http_get("/");
    post.http.method = "POST";
    modules["http_post_2xx"] = post;
    // Health endpoints of the services in DESIGN.md's profile table.
    modules["http_health"] = http_get("/health");
    modules["minio_live"] = http_get("/minio/health/live");
    modules["grafana_health"] = http_get("/api/health");
    modules["prometheus_healthy"] = http_get("/-/healthy");
    modules["tcp_connect"] = with_prober(ProbeModule::Prober::Tcp);
    auto tls = with_prober(ProbeModule::Prober::Tcp);
    tls.tcp.tls = true;
    modules["tls_connect"] = tls;
    modules["postgres"] = with_prober(ProbeModule::Prober::Postgres);
    modules["bolt"] = with_prober(ProbeModule::Prober::Bolt);
    return modules;
}

}  // namespace autoscrape::config
