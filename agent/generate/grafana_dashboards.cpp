// The overview dashboard: is everything up, what fails, what the containers use, how the agent is.
#include "agent/generate/alert_rules.hpp"
#include "agent/generate/file_sd.hpp"
#include "agent/generate/grafana.hpp"
#include "agent/generate/grafana_dashboard.hpp"

namespace autoscrape::generate {
namespace {

void target_panels(DashboardBuilder& d) {
    d.stat("Targets up", "Scrape targets whose last scrape succeeded.", "sum(up)", Bad::Low, 0);
    d.stat("Targets down", "Scrape targets whose last scrape failed (TargetDown fires after 2 minutes).",
           "count(up == 0) or vector(0)", Bad::High, 1);
    d.stat("Probes failing", "Health probes whose last run failed: the service does not answer as it should.",
           "count(probe_success == 0) or vector(0)", Bad::High, 1);
    d.stat("Alerts firing", "Alerts Prometheus reports as firing, all severities.",
           "count(ALERTS{alertstate=\"firing\"}) or vector(0)", Bad::High, 1);
    d.timeseries("Targets up by job", "Share of each job's targets that are up; below 100% some target is down.",
                 {{"sum by (job) (up) / count by (job) (up)", "{{job}}"}}, "percentunit");
    d.timeseries("Probe success", "1 when the probe of a service succeeds, 0 when it fails.",
                 {{"probe_success", "{{job}} {{instance}} {{module}}"}}, "short");
    d.timeseries("Probe duration", "How long each health probe takes; a slow probe is often the first sign of load.",
                 {{"probe_duration_seconds", "{{job}} {{instance}} {{module}}"}}, "s");
    d.timeseries("TLS certificate expiry", "Time left until the earliest-expiring certificate of each TLS probe expires.",
                 {{"probe_ssl_earliest_cert_expiry - time()", "{{job}} {{instance}}"}}, "s");
}

void container_panels(DashboardBuilder& d) {
    d.timeseries("Container CPU", "CPU cores each container uses (rate of container_cpu_usage_seconds_total).",
                 {{"sum by (container) (rate(container_cpu_usage_seconds_total[$__rate_interval]))", "{{container}}"}},
                 "short");
    d.timeseries("Container memory", "Working set of each container: the memory the kernel cannot reclaim.",
                 {{"sum by (container) (container_memory_working_set_bytes)", "{{container}}"}}, "bytes");
    d.timeseries("Container memory / limit",
                 "Working set as a share of the memory limit, for containers that have one; at 100% the kernel "
                 "OOM-kills the container.",
                 {{"container_memory_working_set_bytes / (container_spec_memory_limit_bytes > 0)", "{{container}}"}},
                 "percentunit");
    d.timeseries("Container restarts (1h)", "Restarts of each container within the last hour.",
                 {{"changes(container_start_time_seconds[1h])", "{{container}}"}}, "short");
    d.timeseries("Container network", "Bytes per second each container receives and transmits (all interfaces but lo).",
                 {{"sum by (container) (rate(container_network_receive_bytes_total[$__rate_interval]))",
                   "{{container}} received"},
                  {"sum by (container) (rate(container_network_transmit_bytes_total[$__rate_interval]))",
                   "{{container}} transmitted"}},
                 "Bps", true);
}

void agent_panels(DashboardBuilder& d) {
    const std::string agent = "{job=" + promql_string(std::string(kAgentJobName)) + "}";
    d.timeseries("Agent samples", "Samples the agent writes to its WAL and delivers to each remote-write endpoint.",
                 {{"sum by (instance) (rate(autoscrape_wal_samples_appended_total[$__rate_interval]))",
                   "{{instance}} written to WAL"},
                  {"sum by (instance, remote_name) (rate(autoscrape_remote_storage_samples_total[$__rate_interval]))",
                   "{{instance}} sent to {{remote_name}}"}},
                 "short");
    d.timeseries("Agent losses and retries",
                 "Samples deleted from the WAL before delivery, rejected by the backend, and retried; anything but "
                 "retries here is lost data.",
                 {{"sum by (instance) (rate(autoscrape_wal_samples_dropped_total[$__rate_interval]))",
                   "{{instance}} dropped from WAL"},
                  {"sum by (instance, remote_name) (rate(autoscrape_remote_storage_samples_failed_total[$__rate_interval]))",
                   "{{instance}} failed {{remote_name}}"},
                  {"sum by (instance, remote_name) (rate(autoscrape_remote_storage_samples_retried_total[$__rate_interval]))",
                   "{{instance}} retried {{remote_name}}"}},
                 "short");
    d.timeseries("Remote write lag",
                 "Newest sample in the WAL minus newest sample delivered, per endpoint; it grows while a backend is "
                 "unreachable.",
                 {{"autoscrape_remote_storage_highest_timestamp_in_seconds - "
                   "autoscrape_remote_storage_queue_highest_sent_timestamp_seconds",
                   "{{instance}} {{remote_name}}"}},
                 "s");
    d.timeseries("Agent WAL size", "Bytes of WAL on disk; it is bounded by wal.max_size.",
                 {{"autoscrape_wal_size_bytes", "{{instance}}"}}, "bytes");
    d.timeseries("Agent CPU", "CPU cores the agent uses.",
                 {{"rate(process_cpu_seconds_total" + agent + "[$__rate_interval])", "{{instance}}"}}, "short");
    d.timeseries("Agent memory", "Resident memory of the agent.",
                 {{"process_resident_memory_bytes" + agent, "{{instance}}"}}, "bytes");
}

}  // namespace

boost::json::object overview_dashboard(const config::Config&) {
    DashboardBuilder d("autoscrape-overview", "autoscrape / Overview",
                       "Everything autoscrape discovers: scrape targets, health probes, container resources and the "
                       "agent's own health. Start here when an alert fires.");
    target_panels(d);
    container_panels(d);
    agent_panels(d);
    return d.build();
}

}  // namespace autoscrape::generate
