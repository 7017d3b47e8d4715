// Grafana provisioning: the Prometheus datasource, the dashboards provider and the dashboards.
// Paths (relative to the output dir): grafana/provisioning/datasources/autoscrape.yml,
// grafana/provisioning/dashboards/autoscrape.yml and grafana/dashboards/<uid>.json.
#pragma once

#include <vector>

#include "agent/generate/generated_file.hpp"
#include "config/config.hpp"

namespace autoscrape::generate {

std::vector<GeneratedFile> grafana_provisioning(const config::Config& config);

}  // namespace autoscrape::generate
