#include "agent/generate/alert_rules.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "agent/generate/file_sd.hpp"
#include "config/alert_thresholds.hpp"

namespace autoscrape::generate {
namespace {

// The shortest text that reads back as `value` ("0.8", "120", "1209600").
std::string number(double value) {
    return fmt::format("{}", value);
}

void check_threshold_names(const config::GenerateConfig& generate) {
    for (const auto& [name, value] : generate.alert_thresholds) {
        if (config::find_alert_threshold(name) == nullptr) {
            throw std::invalid_argument("generate.alert_thresholds: unknown threshold '" + name + "'");
        }
    }
}

AlertRuleGroup target_rules(const config::Config& config) {
    const auto& g = config.generate;
    const auto days = [&](std::string_view name) { return number(config::alert_threshold(g, name) * 86400); };
    std::string excluded;
    for (const auto& s : probed_service_alerts(config)) excluded += (excluded.empty() ? "" : "|") + regex_quote(s.job);
    const std::string probe_selector = excluded.empty() ? "probe_success" : "probe_success{job!~" + promql_string(excluded) + "}";
    return {"autoscrape-targets", {
        {"TargetDown", "up == 0", "2m", "warning",
         "{{ $labels.job }} target {{ $labels.instance }} is down",
         "Scraping {{ $labels.instance }} (job {{ $labels.job }}) has failed for 2 minutes, so its metrics are "
         "missing. Check that the container runs, that the metrics port and path are right (prometheus.io/port, "
         "prometheus.io/path labels or the profile), and the scrape error on the Prometheus targets page."},
        {"ProbeFailing", probe_selector + " == 0", "2m", "critical",
         "{{ $labels.job }} probe {{ $labels.module }} of {{ $labels.instance }} is failing",
         "The {{ $labels.module }} probe of {{ $labels.instance }} {{ with $labels.container }}(container {{ . }}) {{ end }}has failed "
         "for 2 minutes: the service does not answer as it should. Check the container's logs and health, and "
         "probe_duration_seconds / probe_http_status_code for how it fails."},
        {"TLSCertificateExpiring", "probe_ssl_earliest_cert_expiry - time() < " + days("tls_cert_expiry_days"), "10m",
         "warning", "TLS certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}",
         "The earliest-expiring certificate served by {{ $labels.instance }} (job {{ $labels.job }}) expires in "
         "{{ $value | humanizeDuration }}. Renew it and check that the renewal job (certbot, cert-manager, ...) runs."},
        {"TLSCertificateExpiring", "probe_ssl_earliest_cert_expiry - time() < " + days("tls_cert_expiry_critical_days"),
         "10m", "critical", "TLS certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}",
         "The certificate served by {{ $labels.instance }} (job {{ $labels.job }}) expires in "
         "{{ $value | humanizeDuration }} or has expired; clients will refuse it. Renew it now."},
        // A counter's value says how much CPU a process used since it started, not how busy it is:
        // a long-running idle process has a large counter. The rate is the CPU it uses now.
        {"ProcessHighCpu", "rate(process_cpu_seconds_total[5m]) > " + number(config::alert_threshold(g, "process_cpu_cores")),
         "10m", "warning", "{{ $labels.job }} on {{ $labels.instance }} uses {{ printf \"%.2f\" $value }} CPU cores",
         "The process behind {{ $labels.instance }} (job {{ $labels.job }}) has used {{ printf \"%.2f\" $value }} CPU "
         "seconds per second for 10 minutes. Check its load (requests, queries, compactions) and whether it needs "
         "more CPU or a fix."},
    }};
}

AlertRuleGroup container_rules(const config::Config& config) {
    const auto& g = config.generate;
    // Start-time changes, not autoscrape_container_restarts_total: they count manual restarts too,
    // and the same rule works on cAdvisor's series.
    return {"autoscrape-containers", {
        {"ContainerRestarting",
         "changes(container_start_time_seconds[15m]) > " + number(config::alert_threshold(g, "container_restarts")),
         "1m", "warning", "Container {{ $labels.container }} restarted {{ $value }} times in 15 minutes",
         "Container {{ $labels.container }} {{ with $labels.compose_service }}(compose service {{ . }}) {{ end }}keeps restarting. "
         "Check `docker logs` of its previous runs, its exit code and OOM kills (`docker inspect` State), and its "
         "health check."},
        // A container without a memory limit reports 0 (cgroup v2 "max"); it cannot be near a limit.
        {"ContainerMemoryNearLimit",
         "container_memory_working_set_bytes / (container_spec_memory_limit_bytes > 0) > " +
             number(config::alert_threshold(g, "container_memory_ratio")),
         "5m", "warning", "Container {{ $labels.container }} uses {{ $value | humanizePercentage }} of its memory limit",
         "The working set of container {{ $labels.container }} has been at {{ $value | humanizePercentage }} of its "
         "memory limit for 5 minutes; at the limit the kernel OOM-kills it. Check for a leak or growing caches, or "
         "raise the limit."},
        {"ContainerUnhealthy", "autoscrape_container_health_status{status=\"unhealthy\"} == 1", "2m", "warning",
         "Container {{ $labels.container }} fails its Docker health check",
         "Docker has reported container {{ $labels.container }} {{ with $labels.compose_service }}(compose service {{ . }}) {{ end }}as "
         "unhealthy for 2 minutes: its HEALTHCHECK command keeps failing. The State.Health section of `docker "
         "inspect` shows the check's last outputs."},
    }};
}

AlertRuleGroup agent_rules(const config::Config& config) {
    const auto& g = config.generate;
    const std::string agent_job = promql_string(std::string(kAgentJobName));
    return {"autoscrape-agent", {
        {"AutoscrapeDown", "up{job=" + agent_job + "} == 0", "2m", "critical",
         "autoscrape agent {{ $labels.instance }} is down",
         "Prometheus cannot scrape the autoscrape agent at {{ $labels.instance }}: discovery, probes through its "
         "/probe and container stats stop with it. Check `systemctl status autoscrape` or the agent container and "
         "its logs."},
        {"AutoscrapeWALDroppingSamples", "increase(autoscrape_wal_samples_dropped_total[10m]) > 0", "1m", "critical",
         "autoscrape {{ $labels.instance }} is deleting unsent samples from its WAL",
         "The WAL reached wal.max_size or wal.max_age and the oldest samples were deleted before remote write "
         "delivered them: data is lost. Check why remote write is behind (AutoscrapeRemoteWriteFailing / Behind), "
         "the backend's health, or raise wal.max_size."},
        {"AutoscrapeRemoteWriteFailing", "rate(autoscrape_remote_storage_samples_failed_total[5m]) > 0", "5m",
         "critical", "autoscrape {{ $labels.instance }}: remote write to {{ $labels.url }} is failing",
         "The backend {{ $labels.url }} ({{ $labels.remote_name }}) rejects samples with a non-recoverable error "
         "(4xx other than 429), which are dropped. Check the agent's log for the status and body, the credentials "
         "and the backend's limits (labels, sample age)."},
        {"AutoscrapeRemoteWriteBehind",
         "autoscrape_remote_storage_highest_timestamp_in_seconds - autoscrape_remote_storage_queue_highest_sent_timestamp_seconds > " +
             number(config::alert_threshold(g, "remote_write_behind_seconds")),
         "15m", "warning", "autoscrape {{ $labels.instance }}: remote write to {{ $labels.url }} is {{ $value | humanizeDuration }} behind",
         "Samples reach {{ $labels.url }} {{ $value | humanizeDuration }} after they were written to the WAL. "
         "Check the backend's availability (retries in autoscrape_remote_storage_samples_retried_total), the "
         "network, and whether queue_config.max_shards allows enough throughput."},
        {"AutoscrapeDiscoveryErrors", "rate(autoscrape_discovery_api_errors_total[5m]) > 0", "10m", "warning",
         "autoscrape {{ $labels.instance }} cannot query the Docker API",
         "Docker API calls have failed for 10 minutes, so new and removed containers are not seen. Check that the "
         "Docker socket is mounted and readable by the agent, and dockerd's health."},
        {"AutoscrapeConfigReloadFailed", "autoscrape_config_last_reload_successful == 0", "5m", "warning",
         "autoscrape {{ $labels.instance }} rejected its last configuration",
         "The last reload found errors and the agent keeps running the previous configuration. Run "
         "`autoscrape check-config` on the file to see them."},
        {"AutoscrapeWALCorruption", "increase(autoscrape_wal_corruptions_total[1h]) > 0", "1m", "info",
         "autoscrape {{ $labels.instance }} cut off a torn WAL record",
         "A torn or corrupt WAL record was found and cut off, usually after a crash or a full disk; the samples in "
         "it are lost. Check the disk and the agent's log around its last restart."},
    }};
}

void emit_rule(YAML::Emitter& out, const AlertRule& rule) {
    out << YAML::BeginMap;
    out << YAML::Key << "alert" << YAML::Value << rule.alert;
    out << YAML::Key << "expr" << YAML::Value << rule.expr;
    out << YAML::Key << "for" << YAML::Value << rule.for_duration;
    out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap << YAML::Key << "severity" << YAML::Value
        << rule.severity << YAML::EndMap;
    out << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "summary" << YAML::Value << rule.summary;
    out << YAML::Key << "description" << YAML::Value << rule.description;
    out << YAML::EndMap << YAML::EndMap;
}

}  // namespace

std::string promql_string(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string regex_quote(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

std::string profile_job(const config::Config& config, const std::string& name) {
    for (const auto& p : config.profiles) {
        if (p.name == name) return p.job.empty() ? p.name : p.job;
    }
    return name;
}

std::vector<AlertRuleGroup> alert_rule_groups(const config::Config& config) {
    check_threshold_names(config.generate);
    return {target_rules(config), container_rules(config), service_alert_rules(config), agent_rules(config)};
}

std::string alert_rules_yaml(const config::Config& config) {
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
    for (const auto& group : alert_rule_groups(config)) {
        out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << group.name;
        out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
        for (const auto& rule : group.rules) emit_rule(out, rule);
        out << YAML::EndSeq << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return "# Generated by autoscrape; rewritten on every `autoscrape generate`, do not edit.\n" +
           std::string(out.c_str()) + "\n";
}

}  // namespace autoscrape::generate
