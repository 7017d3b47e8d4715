#include "config/dump.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <stdexcept>

#include "config/decode.hpp"
#include "config/env.hpp"
#include "config/units.hpp"

namespace autoscrape::config {
namespace {

// Every string goes through escape_env so that loading the dump does not expand a literal `${X}`.
void put(YAML::Emitter& e, const char* key, const std::string& value) {
    e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << escape_env(value);
}
void put(YAML::Emitter& e, const char* key, bool value) { e << YAML::Key << key << YAML::Value << value; }
void put(YAML::Emitter& e, const char* key, std::uint64_t value) { e << YAML::Key << key << YAML::Value << value; }
void put(YAML::Emitter& e, const char* key, Duration value) {
    e << YAML::Key << key << YAML::Value << format_duration(value);
}
void put_size(YAML::Emitter& e, const char* key, std::uint64_t value) {
    e << YAML::Key << key << YAML::Value << format_size(value);
}
void put_secret(YAML::Emitter& e, const char* key) { e << YAML::Key << key << YAML::Value << Secret::redacted(); }

void put(YAML::Emitter& e, const char* key, const std::vector<std::string>& values) {
    e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& v : values) e << YAML::DoubleQuoted << escape_env(v);
    e << YAML::EndSeq;
}

void put(YAML::Emitter& e, const char* key, const Labels& labels) {
    e << YAML::Key << key << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : labels) {
        e << YAML::Key << name << YAML::Value << YAML::DoubleQuoted << escape_env(value);
    }
    e << YAML::EndMap;
}

// Shortest text that reads back as the same double.
std::string number(double value) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : "0";
}

void put_tls(YAML::Emitter& e, const char* key, const std::optional<TlsConfig>& tls) {
    if (!tls) return;
    e << YAML::Key << key << YAML::Value << YAML::BeginMap;
    put(e, "ca_file", tls->ca_file);
    put(e, "cert_file", tls->cert_file);
    put(e, "key_file", tls->key_file);
    put(e, "server_name", tls->server_name);
    put(e, "insecure_skip_verify", tls->insecure_skip_verify);
    e << YAML::EndMap;
}

void put_relabel(YAML::Emitter& e, const char* key, const std::vector<RelabelConfig>& rules) {
    e << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (const auto& r : rules) {
        e << YAML::BeginMap;
        // labeldrop/labelkeep reject even an empty source_labels, as in Prometheus.
        if (!r.source_labels.empty()) put(e, "source_labels", r.source_labels);
        put(e, "separator", r.separator);
        put(e, "regex", r.regex);
        put(e, "modulus", r.modulus);
        put(e, "target_label", r.target_label);
        put(e, "replacement", r.replacement);
        put(e, "action", relabel_action_name(r.action));
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;
}

const char* prober_name(ProbeModule::Prober p) {
    switch (p) {
        case ProbeModule::Prober::Http: return "http";
        case ProbeModule::Prober::Tcp: return "tcp";
        case ProbeModule::Prober::Postgres: return "postgres";
        case ProbeModule::Prober::Bolt: return "bolt";
    }
    return "tcp";
}

void put_module(YAML::Emitter& e, const ProbeModule& m) {
    e << YAML::BeginMap;
    put(e, "prober", std::string(prober_name(m.prober)));
    put(e, "timeout", m.timeout);
    e << YAML::Key << "http" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "valid_status_codes" << YAML::Value << YAML::Flow << m.http.valid_status_codes;
    put(e, "method", m.http.method);
    put(e, "headers", m.http.headers);
    put(e, "path", m.http.path);
    put(e, "fail_if_body_matches_regexp", m.http.fail_if_body_matches_regexp);
    put(e, "fail_if_body_not_matches_regexp", m.http.fail_if_body_not_matches_regexp);
    put(e, "no_follow_redirects", m.http.no_follow_redirects);
    put(e, "fail_if_ssl", m.http.fail_if_ssl);
    put(e, "fail_if_not_ssl", m.http.fail_if_not_ssl);
    put_tls(e, "tls_config", m.http.tls_config);
    e << YAML::EndMap;
    e << YAML::Key << "tcp" << YAML::Value << YAML::BeginMap;
    put(e, "tls", m.tcp.tls);
    put_tls(e, "tls_config", m.tcp.tls_config);
    e << YAML::EndMap << YAML::EndMap;
}

void put_profiles(YAML::Emitter& e, const std::vector<Profile>& profiles) {
    e << YAML::Key << "profiles" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : profiles) {
        e << YAML::BeginMap;
        put(e, "name", p.name);
        put(e, "job", p.job);
        put(e, "exporter_for", p.exporter_for);
        e << YAML::Key << "match" << YAML::Value << YAML::BeginMap;
        put(e, "image", p.image_regex);
        put(e, "labels", p.label_match);
        e << YAML::EndMap;
        if (p.metrics) {
            e << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
            put(e, "port", std::uint64_t{p.metrics->port});
            put(e, "path", p.metrics->path);
            put(e, "scheme", p.metrics->scheme);
            put(e, "only_if_exposed", p.metrics->only_if_exposed);
            e << YAML::EndMap;
        }
        e << YAML::Key << "probes" << YAML::Value << YAML::BeginSeq;
        for (const auto& probe : p.probes) {
            e << YAML::BeginMap;
            put(e, "module", probe.module);
            put(e, "port", std::uint64_t{probe.port});
            e << YAML::EndMap;
        }
        e << YAML::EndSeq << YAML::EndMap;
    }
    e << YAML::EndSeq;
}

void put_remote_write(YAML::Emitter& e, const std::vector<RemoteWriteConfig>& writers) {
    e << YAML::Key << "remote_write" << YAML::Value << YAML::BeginSeq;
    for (const auto& w : writers) {
        e << YAML::BeginMap;
        put(e, "url", w.url);
        put(e, "name", w.name);
        put(e, "remote_timeout", w.remote_timeout);
        put(e, "headers", w.headers);
        if (w.basic_auth) {
            e << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
            put(e, "username", w.basic_auth->username);
            put_secret(e, "password");
            e << YAML::EndMap;
        }
        if (w.authorization) {
            e << YAML::Key << "authorization" << YAML::Value << YAML::BeginMap;
            put(e, "type", w.authorization->type);
            put_secret(e, "credentials");
            e << YAML::EndMap;
        }
        put_tls(e, "tls_config", w.tls_config);
        const auto& q = w.queue_config;
        e << YAML::Key << "queue_config" << YAML::Value << YAML::BeginMap;
        put(e, "capacity", q.capacity);
        put(e, "max_shards", std::uint64_t{q.max_shards});
        put(e, "min_shards", std::uint64_t{q.min_shards});
        put(e, "max_samples_per_send", q.max_samples_per_send);
        put(e, "batch_send_deadline", q.batch_send_deadline);
        put(e, "min_backoff", q.min_backoff);
        put(e, "max_backoff", q.max_backoff);
        put(e, "retry_on_http_429", q.retry_on_http_429);
        e << YAML::EndMap;
        put_relabel(e, "write_relabel_configs", w.write_relabel_configs);
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;
}

void put_generate(YAML::Emitter& e, const GenerateConfig& g) {
    e << YAML::Key << "generate" << YAML::Value << YAML::BeginMap;
    put(e, "output_dir", g.output_dir);
    put(e, "agent_address", g.agent_address);
    e << YAML::Key << "prometheus" << YAML::Value << YAML::BeginMap;
    put(e, "url", g.prometheus_url);
    put(e, "reload", g.reload_prometheus);
    e << YAML::EndMap;
    e << YAML::Key << "alertmanager" << YAML::Value << YAML::BeginMap;
    put(e, "url", g.alertmanager_url);
    if (g.slack) {
        e << YAML::Key << "slack" << YAML::Value << YAML::BeginMap;
        put_secret(e, "api_url");
        put(e, "channel", g.slack->channel);
        e << YAML::EndMap;
    }
    if (g.pagerduty) {
        e << YAML::Key << "pagerduty" << YAML::Value << YAML::BeginMap;
        put_secret(e, "routing_key");
        e << YAML::EndMap;
    }
    e << YAML::EndMap;
    e << YAML::Key << "grafana" << YAML::Value << YAML::BeginMap;
    put(e, "dashboards_path", g.grafana_dashboards_path);
    e << YAML::EndMap;
    e << YAML::Key << "alert_thresholds" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : g.alert_thresholds) e << YAML::Key << name << YAML::Value << number(value);
    e << YAML::EndMap << YAML::EndMap;
}

}  // namespace

std::string dump_config(const Config& c) {
    YAML::Emitter e;
    e << YAML::BeginMap;

    e << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
    put(e, "scrape_interval", c.global.scrape_interval);
    put(e, "scrape_timeout", c.global.scrape_timeout);
    put(e, "external_labels", c.global.external_labels);
    put_size(e, "body_size_limit", c.global.body_size_limit);
    put(e, "sample_limit", c.global.sample_limit);
    put(e, "label_limit", c.global.label_limit);
    put(e, "honor_labels", c.global.honor_labels);
    put(e, "honor_timestamps", c.global.honor_timestamps);
    e << YAML::EndMap;

    e << YAML::Key << "docker" << YAML::Value << YAML::BeginMap;
    put(e, "host", c.docker.host);
    put_tls(e, "tls_config", c.docker.tls_config);
    put(e, "networks", c.docker.networks);
    put(e, "refresh_interval", c.docker.refresh_interval);
    put(e, "timeout", c.docker.timeout);
    put(e, "host_networking_host", c.docker.host_networking_host);
    put(e, "port", std::uint64_t{c.docker.port});
    e << YAML::EndMap;

    e << YAML::Key << "discovery" << YAML::Value << YAML::BeginMap;
    put(e, "mode", std::string(c.discovery.mode == DiscoveryConfig::Mode::All ? "all" : "label"));
    put(e, "default_relabel_rules", c.discovery.default_relabel_rules);
    e << YAML::EndMap;

    put_relabel(e, "relabel_configs", c.relabel_configs);
    put_relabel(e, "metric_relabel_configs", c.metric_relabel_configs);
    put_profiles(e, c.profiles);

    e << YAML::Key << "probes" << YAML::Value << YAML::BeginMap;
    put(e, "enabled", c.probes.enabled);
    put(e, "interval", c.probes.interval);
    put(e, "allowed_targets", c.probes.allowed_targets);
    e << YAML::Key << "modules" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, module] : c.probes.modules) {
        e << YAML::Key << name << YAML::Value;
        put_module(e, module);
    }
    e << YAML::EndMap << YAML::EndMap;

    e << YAML::Key << "container_stats" << YAML::Value << YAML::BeginMap;
    put(e, "enabled", c.container_stats.enabled);
    put(e, "interval", c.container_stats.interval);
    put(e, "cgroup_root", c.container_stats.cgroup_root);
    put(e, "proc_root", c.container_stats.proc_root);
    e << YAML::EndMap;

    put_remote_write(e, c.remote_write);

    e << YAML::Key << "wal" << YAML::Value << YAML::BeginMap;
    put(e, "dir", c.wal.dir);
    put_size(e, "max_size", c.wal.max_size);
    put(e, "max_age", c.wal.max_age);
    put_size(e, "segment_size", c.wal.segment_size);
    put(e, "fsync_interval", c.wal.fsync_interval);
    put(e, "forget_series_after", c.wal.forget_series_after);
    e << YAML::EndMap;

    put_generate(e, c.generate);

    e << YAML::Key << "web" << YAML::Value << YAML::BeginMap;
    put(e, "listen_address", c.web.listen_address);
    put(e, "max_connections", std::uint64_t{c.web.max_connections});
    put_size(e, "max_header_bytes", c.web.max_header_bytes);
    put_size(e, "max_body_bytes", c.web.max_body_bytes);
    put(e, "read_timeout", c.web.read_timeout);
    e << YAML::EndMap;

    e << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
    put(e, "level", c.log.level);
    put(e, "format", std::string(c.log.format == LogConfig::Format::Json ? "json" : "logfmt"));
    e << YAML::EndMap;

    e << YAML::EndMap;
    if (!e.good()) throw std::runtime_error("dump_config: " + e.GetLastError());
    return std::string(e.c_str()) + "\n";
}

}  // namespace autoscrape::config
