#include "config/alert_thresholds.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace autoscrape::config {
namespace {

constexpr std::array kThresholds{
    AlertThreshold{"process_cpu_cores", 0.8, 0.001, 4096},
    AlertThreshold{"tls_cert_expiry_days", 14, 0, 3650},
    AlertThreshold{"tls_cert_expiry_critical_days", 3, 0, 3650},
    AlertThreshold{"container_restarts", 2, 0, 10000},
    AlertThreshold{"container_memory_ratio", 0.9, 0.01, 1},
    AlertThreshold{"postgres_connections_ratio", 0.8, 0.01, 1},
    AlertThreshold{"postgres_connections_critical_ratio", 0.95, 0.01, 1},
    AlertThreshold{"minio_capacity_ratio", 0.9, 0.01, 1},
    AlertThreshold{"remote_write_behind_seconds", 120, 1, 7 * 86400},
};

}  // namespace

std::span<const AlertThreshold> alert_threshold_table() {
    return kThresholds;
}

const AlertThreshold* find_alert_threshold(std::string_view name) {
    for (const auto& t : kThresholds) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

double alert_threshold(const GenerateConfig& generate, std::string_view name) {
    const auto* entry = find_alert_threshold(name);
    if (entry == nullptr) throw std::invalid_argument("unknown alert threshold '" + std::string(name) + "'");
    const auto it = generate.alert_thresholds.find(std::string(name));
    return it == generate.alert_thresholds.end() ? entry->default_value : it->second;
}

}  // namespace autoscrape::config
