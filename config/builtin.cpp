#include "config/builtin.hpp"

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

}  // namespace

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
