// Rules for the services of the built-in profiles (DESIGN.md's profile table). The jobs are looked
// up in the config's profiles, so a user who renames a profile's job keeps working alerts.
#include <fmt/format.h>

#include "agent/generate/alert_rules.hpp"
#include "config/alert_thresholds.hpp"

namespace autoscrape::generate {
namespace {

struct ProbedService {
    const char* profile;
    const char* alert;
    const char* display;
    const char* check;  // what to look at first when its health probe fails
};

constexpr ProbedService kProbedServices[] = {
    {"postgresql", "PostgreSQLUnreachable", "PostgreSQL",
     "Check the container's logs (startup, recovery, disk full), `pg_isready` inside it and max_connections."},
    {"minio", "MinIOUnreachable", "MinIO",
     "Check the container's logs, its data volume (mounted, not full) and /minio/health/live by hand."},
    {"neo4j", "Neo4jDown", "Neo4j",
     "Check the container's logs (debug.log, JVM heap, page cache), and that the HTTP (7474) and Bolt (7687) "
     "connectors are enabled."},
    {"mlflow", "MLflowDown", "MLflow",
     "Check the container's logs, its backend store (database) and artifact store, and GET /health by hand."},
    {"label-studio", "LabelStudioDown", "Label Studio",
     "Check the container's logs, its database connection and GET /health on port 8080 by hand."},
    {"grafana", "GrafanaDown", "Grafana",
     "Check the container's logs, its database (grafana.db or external) and GET /api/health by hand."},
    {"prometheus", "PrometheusDown", "Prometheus",
     "Check the container's logs (TSDB corruption, out of memory or disk), and GET /-/healthy by hand."},
};

std::string number(double value) {
    return fmt::format("{}", value);
}

AlertRule probe_down(const config::Config& config, const ProbedService& s) {
    const std::string job = profile_job(config, s.profile);
    return {s.alert, "probe_success{job=" + promql_string(job) + "} == 0", "2m", "critical",
            std::string(s.display) + " {{ $labels.instance }} is not answering its {{ $labels.module }} probe",
            std::string("The {{ $labels.module }} health probe of ") + s.display +
                " at {{ $labels.instance }} {{ with $labels.container }}(container {{ . }}) {{ end }}has failed for 2 minutes. " + s.check};
}

std::vector<AlertRule> postgres_rules(const config::Config& config) {
    const auto& g = config.generate;
    const std::string connections =
        "sum by (job, instance) (pg_stat_activity_count) / max by (job, instance) (pg_settings_max_connections > 0) > ";
    const auto too_many = [&](std::string_view threshold, const char* severity) {
        return AlertRule{
            "PostgreSQLTooManyConnections", connections + number(config::alert_threshold(g, threshold)), "5m", severity,
            "PostgreSQL behind {{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections",
            "Connections to the PostgreSQL server exported by {{ $labels.instance }} have been at "
            "{{ $value | humanizePercentage }} of max_connections for 5 minutes; new clients will be refused at "
            "100%. Check pg_stat_activity for idle or leaked connections and the clients' pool sizes."};
    };
    return {
        {"PostgreSQLDown", "pg_up == 0", "1m", "critical",
         "postgres_exporter {{ $labels.instance }} cannot reach PostgreSQL",
         "postgres_exporter at {{ $labels.instance }} runs but its last connection to PostgreSQL "
         "{{ with $labels.exported_container }}(container {{ . }}) {{ end }}failed. Check that PostgreSQL runs, the exporter's "
         "DATA_SOURCE_NAME (host, credentials, sslmode) and pg_hba.conf."},
        too_many("postgres_connections_ratio", "warning"),
        too_many("postgres_connections_critical_ratio", "critical"),
    };
}

std::vector<AlertRule> minio_rules(const config::Config& config) {
    const double capacity = config::alert_threshold(config.generate, "minio_capacity_ratio");
    return {
        {"MinIODriveOffline", "minio_cluster_drive_offline_total > 0", "5m", "critical",
         "MinIO {{ $labels.instance }} reports {{ $value }} drives offline",
         "{{ $value }} drives of the MinIO cluster at {{ $labels.instance }} have been offline for 5 minutes; "
         "erasure coding tolerates only a few. Check `mc admin info`, the drives' mounts and the server logs."},
        {"MinIONodeOffline", "minio_cluster_nodes_offline_total > 0", "5m", "critical",
         "MinIO {{ $labels.instance }} reports {{ $value }} nodes offline",
         "{{ $value }} nodes of the MinIO cluster at {{ $labels.instance }} have been offline for 5 minutes. "
         "Check those servers, the network between them and `mc admin info`."},
        {"MinIOCapacityLow",
         "1 - minio_cluster_capacity_usable_free_bytes / (minio_cluster_capacity_usable_total_bytes > 0) > " +
             number(capacity),
         "15m", "warning", "MinIO {{ $labels.instance }} has used {{ $value | humanizePercentage }} of its capacity",
         "The usable capacity of the MinIO cluster at {{ $labels.instance }} is {{ $value | humanizePercentage }} "
         "used. Delete or expire objects (lifecycle rules) or add drives before writes fail."},
    };
}

}  // namespace

std::vector<ProbedServiceAlert> probed_service_alerts(const config::Config& config) {
    std::vector<ProbedServiceAlert> alerts;
    for (const auto& s : kProbedServices) alerts.push_back({s.alert, profile_job(config, s.profile)});
    return alerts;
}

AlertRuleGroup service_alert_rules(const config::Config& config) {
    AlertRuleGroup group{"autoscrape-services", {}};
    for (const auto& s : kProbedServices) group.rules.push_back(probe_down(config, s));
    for (auto& r : postgres_rules(config)) group.rules.push_back(std::move(r));
    for (auto& r : minio_rules(config)) group.rules.push_back(std::move(r));
    return group;
}

}  // namespace autoscrape::generate
