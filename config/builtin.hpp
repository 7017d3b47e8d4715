// What every agent has without configuring anything: the probe modules, named like
// blackbox_exporter's example config so `module=http_2xx` means what a blackbox user expects, and
// the service profiles of DESIGN.md's table. A module or profile of the same name in the config
// replaces the built-in one as a whole.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace autoscrape::config {

// http_2xx, http_post_2xx, http_health (/health), minio_live (/minio/health/live),
// grafana_health (/api/health), prometheus_healthy (/-/healthy), tcp_connect, tls_connect,
// postgres (SSLRequest handshake), bolt (Neo4j Bolt handshake).
std::map<std::string, ProbeModule> builtin_probe_modules();

// Profiles for postgresql, minio, neo4j, mlflow, label-studio, grafana, prometheus, redis, mysql
// and the exporters (postgres_exporter, neo4j_exporter, redis_exporter, mysqld_exporter,
// node_exporter, cadvisor, blackbox_exporter). Image regexes match the repository path without
// registry, tag or digest (see discovery/profile.hpp).
std::vector<Profile> builtin_profiles();

// The effective profile list, in matching order: the user's profiles as written (one named like a
// built-in replaces it), then the remaining built-ins.
std::vector<Profile> with_builtin_profiles(std::vector<Profile> user);

}  // namespace autoscrape::config
