// Grafana provisioning: the Prometheus datasource (uid autoscrape-prometheus, url
// generate.prometheus_url), a file dashboards provider, and the dashboards: an overview (targets,
// probes, containers, the agent) and one per profile service. Paths, relative to the output dir:
//   grafana/provisioning/datasources/autoscrape.yml   mount DIR/grafana/provisioning at /etc/grafana/provisioning
//   grafana/provisioning/dashboards/autoscrape.yml
//   grafana/dashboards/<uid>.json                     mount DIR/grafana/dashboards at generate.grafana.dashboards_path
#pragma once

#include <vector>

#include <boost/json.hpp>

#include "agent/generate/generated_file.hpp"
#include "config/config.hpp"

namespace autoscrape::generate {

std::vector<GeneratedFile> grafana_provisioning(const config::Config& config);

// One function per dashboard (grafana_dashboards.cpp, grafana_service_dashboards.cpp).
boost::json::object overview_dashboard(const config::Config& config);
boost::json::object postgresql_dashboard(const config::Config& config);
boost::json::object minio_dashboard(const config::Config& config);
boost::json::object neo4j_dashboard(const config::Config& config);
boost::json::object mlflow_dashboard(const config::Config& config);
boost::json::object label_studio_dashboard(const config::Config& config);
boost::json::object grafana_dashboard(const config::Config& config);
boost::json::object prometheus_dashboard(const config::Config& config);

}  // namespace autoscrape::generate
