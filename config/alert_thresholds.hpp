// The thresholds of the generated alert rules (agent/generate/alert_rules.cpp) that a user may
// override under `generate.alert_thresholds`. They live here, not in generate/, so the loader
// rejects a misspelt name with its position and a did-you-mean hint instead of the generator
// failing later. Names, defaults and meaning:
//
//   process_cpu_cores                   0.8   ProcessHighCpu: CPU seconds per second a process uses for 10m
//   tls_cert_expiry_days                14    TLSCertificateExpiring (warning): days left on a probed certificate
//   tls_cert_expiry_critical_days       3     TLSCertificateExpiring (critical)
//   container_restarts                  2     ContainerRestarting: restarts within 15 minutes above which it fires
//   container_memory_ratio              0.9   ContainerMemoryNearLimit: working set / memory limit
//   postgres_connections_ratio          0.8   PostgreSQLTooManyConnections (warning): connections / max_connections
//   postgres_connections_critical_ratio 0.95  PostgreSQLTooManyConnections (critical)
//   minio_capacity_ratio                0.9   MinIOCapacityLow: used / usable capacity
//   remote_write_behind_seconds         120   AutoscrapeRemoteWriteBehind: newest WAL sample minus newest sent
#pragma once

#include <span>
#include <string_view>

#include "config/config.hpp"

namespace autoscrape::config {

struct AlertThreshold {
    std::string_view name;
    double default_value;
    double min;  // inclusive bounds a configured value must lie within
    double max;
};

std::span<const AlertThreshold> alert_threshold_table();

// The entry for `name`, or nullptr when there is none.
const AlertThreshold* find_alert_threshold(std::string_view name);

// The configured value of `name`, else its default. Throws std::invalid_argument for a name the
// table lacks (a config built in code, not by the loader, can hold one).
double alert_threshold(const GenerateConfig& generate, std::string_view name);

}  // namespace autoscrape::config
