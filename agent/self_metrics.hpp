// The agent's own metrics, and the standard self routes: /metrics, /-/healthy, /-/ready, /-/reload.
//
// SelfMetrics owns the prometheus-cpp registry in which every stage declares its autoscrape_*
// families, plus the process_* collector; /metrics serializes all of them in text format 0.0.4 at
// each scrape. The health, readiness and reload routes answer like Prometheus' own, so the probes
// and scripts people already point at a Prometheus work against the agent too.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <prometheus/collectable.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <string>
#include <vector>

#include "agent/http_server.hpp"

namespace autoscrape::agent {

// What this binary is: the labels of autoscrape_build_info and the `version` command's output.
struct BuildInfo {
    std::string version;
    std::string revision;
    std::string compiler;  // the C++ counterpart of Prometheus' goversion label
};
BuildInfo build_info();

// The outcome of a config reload (Agent::reload returns it): on failure, `error` says why; it is
// sent to the caller of POST /-/reload, so it must never contain a secret.
struct ReloadResult {
    bool ok = false;
    std::string error;
};

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class SelfMetrics {
public:
    SelfMetrics();

    const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

    // Records a config load, the initial one included (until then the last reload reads as failed,
    // as in Prometheus). The success timestamp moves only on success.
    void set_reload_result(bool success, std::chrono::system_clock::time_point at = std::chrono::system_clock::now());

    // Serves another collectable on /metrics for as long as it lives (thread-safe).
    void add_collectable(std::weak_ptr<prometheus::Collectable> collectable);

    // The registry, the process collector and the added collectables, in text format 0.0.4.
    std::string render() const;

private:
    std::shared_ptr<prometheus::Registry> registry_;
    std::shared_ptr<prometheus::Collectable> process_;
    prometheus::Gauge* reload_successful_;
    prometheus::Gauge* reload_success_timestamp_;
    mutable std::mutex mutex_;
    std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
};

// Text format 0.0.4 of every collectable still alive; expired ones are skipped.
std::string render_metrics(const std::vector<std::weak_ptr<prometheus::Collectable>>& collectables);

// GET /metrics, GET /-/healthy, GET /-/ready (200 when ready(), else 503) and POST /-/reload
// (200 when reload() succeeds, else 500 with its error). `metrics` must outlive the server.
void install_standard_routes(HttpServer& server, SelfMetrics& metrics, std::function<bool()> ready,
                             std::function<ReloadResult()> reload);

}  // namespace autoscrape::agent
