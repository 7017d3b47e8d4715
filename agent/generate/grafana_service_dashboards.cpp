// One dashboard per built-in service profile: its health probes and containers first, then the
// service's own metrics where it exports any. Jobs come from the config's profiles.
#include "agent/generate/alert_rules.hpp"
#include "agent/generate/grafana.hpp"
#include "agent/generate/grafana_dashboard.hpp"

namespace autoscrape::generate {
namespace {

std::string job_selector(const config::Config& config, const std::string& profile) {
    return "{job=" + promql_string(profile_job(config, profile)) + "}";
}

// The containers of a job: those its probes or its scrape targets name.
std::string of_job_containers(const std::string& selector) {
    return " and on (container) (group by (container) (probe_success" + selector + ") or group by (container) (up" +
           selector + "))";
}

std::string rate(const std::string& metric, const std::string& selector) {
    return "rate(" + metric + selector + "[$__rate_interval])";
}

DashboardBuilder service_dashboard(const config::Config& config, const std::string& profile,
                                   const std::string& display, const std::string& what) {
    const std::string sel = job_selector(config, profile);
    DashboardBuilder d("autoscrape-" + profile, "autoscrape / " + display,
                       display + " containers found by the " + profile + " profile (job " +
                           profile_job(config, profile) + "): " + what);
    d.stat("Probes failing", "Health probes of " + display + " whose last run failed.",
           "count(probe_success" + sel + " == 0) or vector(0)", Bad::High, 1);
    d.stat("Probes succeeding", "Health probes of " + display + " whose last run succeeded.",
           "count(probe_success" + sel + " == 1) or vector(0)", Bad::Low, 1);
    d.timeseries("Probe duration", "How long each health probe of " + display + " takes.",
                 {{"probe_duration_seconds" + sel, "{{instance}} {{module}}"}}, "s");
    d.timeseries("Probe success", "1 when the probe succeeds, 0 when it fails.",
                 {{"probe_success" + sel, "{{instance}} {{module}}"}}, "short");
    d.timeseries("Container CPU", "CPU cores used by the " + display + " containers.",
                 {{"sum by (container) (" + rate("container_cpu_usage_seconds_total", "") + ")" + of_job_containers(sel),
                   "{{container}}"}},
                 "short");
    d.timeseries("Container memory", "Working set of the " + display + " containers.",
                 {{"sum by (container) (container_memory_working_set_bytes)" + of_job_containers(sel), "{{container}}"}},
                 "bytes");
    return d;
}

}  // namespace

boost::json::object postgresql_dashboard(const config::Config& config) {
    auto d = service_dashboard(config, "postgresql", "PostgreSQL",
                               "SSLRequest handshake probes, and the database's metrics through the paired "
                               "postgres_exporter.");
    const std::string exp = job_selector(config, "postgres_exporter");
    d.stat("Exporter connected", "pg_up: 1 when postgres_exporter's last connection to PostgreSQL succeeded.",
           "min(pg_up" + exp + ")", Bad::Low, 1);
    d.stat("Connections used", "Connections as a share of max_connections; new clients are refused at 100%.",
           "max(sum by (instance) (pg_stat_activity_count" + exp + ") / max by (instance) (pg_settings_max_connections" +
               exp + " > 0))",
           Bad::High, 0.8);
    d.timeseries("Connections by state", "Backends by state (active, idle, idle in transaction, ...).",
                 {{"sum by (instance, state) (pg_stat_activity_count" + exp + ")", "{{instance}} {{state}}"}}, "short");
    d.timeseries("Transactions", "Commits and rollbacks per second, per database.",
                 {{"sum by (datname) (" + rate("pg_stat_database_xact_commit", exp) + ")", "{{datname}} commits"},
                  {"sum by (datname) (" + rate("pg_stat_database_xact_rollback", exp) + ")", "{{datname}} rollbacks"}},
                 "short");
    d.timeseries("Cache hit ratio", "Share of block reads served from shared buffers; low values mean disk reads.",
                 {{"sum by (datname) (" + rate("pg_stat_database_blks_hit", exp) + ") / (sum by (datname) (" +
                       rate("pg_stat_database_blks_hit", exp) + ") + sum by (datname) (" +
                       rate("pg_stat_database_blks_read", exp) + ") > 0)",
                   "{{datname}}"}},
                 "percentunit");
    d.timeseries("Database size", "Size on disk of each database.",
                 {{"pg_database_size_bytes" + exp, "{{datname}}"}}, "bytes");
    d.timeseries("Deadlocks", "Deadlocks detected per second, per database.",
                 {{"sum by (datname) (" + rate("pg_stat_database_deadlocks", exp) + ")", "{{datname}}"}}, "short");
    return d.build();
}

boost::json::object minio_dashboard(const config::Config& config) {
    auto d = service_dashboard(config, "minio", "MinIO",
                               "liveness probes and the cluster metrics of /minio/v2/metrics/cluster.");
    const std::string sel = job_selector(config, "minio");
    d.stat("Drives offline", "Drives of the cluster that are offline.",
           "max(minio_cluster_drive_offline_total" + sel + ")", Bad::High, 1);
    d.stat("Nodes offline", "Servers of the cluster that are offline.",
           "max(minio_cluster_nodes_offline_total" + sel + ")", Bad::High, 1);
    d.timeseries("Capacity used", "Used share of the usable capacity.",
                 {{"1 - max by (instance) (minio_cluster_capacity_usable_free_bytes" + sel +
                       ") / max by (instance) (minio_cluster_capacity_usable_total_bytes" + sel + " > 0)",
                   "{{instance}}"}},
                 "percentunit");
    d.timeseries("S3 requests", "S3 API requests per second, by API.",
                 {{"sum by (api) (" + rate("minio_s3_requests_total", sel) + ")", "{{api}}"}}, "reqps");
    d.timeseries("S3 errors", "S3 API requests per second that failed, by API.",
                 {{"sum by (api) (" + rate("minio_s3_requests_errors_total", sel) + ")", "{{api}}"}}, "reqps");
    d.timeseries("S3 traffic", "Bytes per second received and sent over the S3 API.",
                 {{"sum(" + rate("minio_s3_traffic_received_bytes", sel) + ")", "received"},
                  {"sum(" + rate("minio_s3_traffic_sent_bytes", sel) + ")", "sent"}},
                 "Bps");
    return d.build();
}

boost::json::object neo4j_dashboard(const config::Config& config) {
    return service_dashboard(config, "neo4j", "Neo4j",
                             "HTTP (7474) and Bolt (7687) handshake probes. Neo4j's own metrics (port 2004) need the "
                             "Enterprise edition with server.metrics.prometheus.enabled.")
        .build();
}

boost::json::object mlflow_dashboard(const config::Config& config) {
    auto d = service_dashboard(config, "mlflow", "MLflow",
                               "GET /health probes, and request metrics when the server runs with --expose-prometheus.");
    const std::string sel = job_selector(config, "mlflow");
    d.timeseries("Requests", "HTTP requests per second, by status.",
                 {{"sum by (status) (" + rate("flask_http_request_total", sel) + ")", "{{status}}"}}, "reqps");
    d.timeseries("Request latency (p95)", "95th percentile of the request duration.",
                 {{"histogram_quantile(0.95, sum by (le) (" + rate("flask_http_request_duration_seconds_bucket", sel) +
                       "))",
                   "p95"}},
                 "s");
    return d.build();
}

boost::json::object label_studio_dashboard(const config::Config& config) {
    return service_dashboard(config, "label-studio", "Label Studio",
                             "GET /health probes on port 8080; Label Studio exports no metrics of its own.")
        .build();
}

boost::json::object grafana_dashboard(const config::Config& config) {
    auto d = service_dashboard(config, "grafana", "Grafana", "GET /api/health probes and Grafana's /metrics.");
    const std::string sel = job_selector(config, "grafana");
    d.timeseries("Requests", "HTTP requests per second, by status code.",
                 {{"sum by (status_code) (" + rate("grafana_http_request_duration_seconds_count", sel) + ")",
                   "{{status_code}}"}},
                 "reqps");
    d.timeseries("Request latency (p95)", "95th percentile of the HTTP request duration.",
                 {{"histogram_quantile(0.95, sum by (le) (" + rate("grafana_http_request_duration_seconds_bucket", sel) +
                       "))",
                   "p95"}},
                 "s");
    return d.build();
}

boost::json::object prometheus_dashboard(const config::Config& config) {
    auto d = service_dashboard(config, "prometheus", "Prometheus", "GET /-/healthy probes and Prometheus' /metrics.");
    const std::string sel = job_selector(config, "prometheus");
    d.stat("Config reloaded", "1 when the last configuration reload succeeded.",
           "min(prometheus_config_last_reload_successful" + sel + ")", Bad::Low, 1);
    d.stat("Rule evaluation failures", "Rule evaluations that failed in the last hour (the alert rules included).",
           "sum(increase(prometheus_rule_evaluation_failures_total" + sel + "[1h])) or vector(0)", Bad::High, 1);
    d.timeseries("Head series", "Series in the TSDB head block: the main driver of memory use.",
                 {{"prometheus_tsdb_head_series" + sel, "{{instance}}"}}, "short");
    d.timeseries("Samples appended", "Samples ingested per second.",
                 {{"sum by (instance) (" + rate("prometheus_tsdb_head_samples_appended_total", sel) + ")", "{{instance}}"}},
                 "short");
    d.timeseries("Notifications dropped", "Alert notifications per second that could not reach Alertmanager.",
                 {{"sum by (instance) (" + rate("prometheus_notifications_dropped_total", sel) + ")", "{{instance}}"}},
                 "short");
    return d.build();
}

}  // namespace autoscrape::generate
