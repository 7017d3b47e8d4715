// The probe modules every agent has without configuring anything, named like blackbox_exporter's
// example config so `module=http_2xx` means what a blackbox user expects. A module of the same
// name under `probes.modules` replaces the built-in one as a whole.
#pragma once

#include <map>
#include <string>

#include "config/config.hpp"

namespace autoscrape::config {

// http_2xx, http_post_2xx, http_health (/health), minio_live (/minio/health/live),
// grafana_health (/api/health), prometheus_healthy (/-/healthy), tcp_connect, tls_connect,
// postgres (SSLRequest handshake), bolt (Neo4j Bolt handshake).
std::map<std::string, ProbeModule> builtin_probe_modules();

}  // namespace autoscrape::config
