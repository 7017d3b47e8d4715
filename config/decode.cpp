#include "config/decode.hpp"

#include <fmt/format.h>

#include "config/alert_thresholds.hpp"
#include "config/builtin.hpp"
#include "config/units.hpp"

namespace autoscrape::config {
namespace {

void positive(Map& m, const std::string& key, Duration value) {
    if (value.count() <= 0) report(m, key, "must be greater than 0");
}

GlobalConfig decode_global(Reader& r, const YAML::Node& n) {
    Map m(r, n, "global");
    GlobalConfig g;
    m.field("scrape_interval", g.scrape_interval);
    // Prometheus: without an explicit timeout, a short interval shortens the default timeout.
    const bool timeout_set = m.has("scrape_timeout");
    m.field("scrape_timeout", g.scrape_timeout);
    if (!timeout_set && g.scrape_timeout > g.scrape_interval) g.scrape_timeout = g.scrape_interval;
    m.field("external_labels", g.external_labels);
    m.size_field("body_size_limit", g.body_size_limit);
    m.field("sample_limit", g.sample_limit);
    m.field("label_limit", g.label_limit);
    m.field("honor_labels", g.honor_labels);
    m.field("honor_timestamps", g.honor_timestamps);
    m.finish();
    positive(m, "scrape_interval", g.scrape_interval);
    if (g.scrape_timeout > g.scrape_interval) {
        report(m, "scrape_timeout",
               "must not be greater than scrape_interval (" + format_duration(g.scrape_timeout) + " > " +
                   format_duration(g.scrape_interval) + ")");
    }
    check_labels(m, "external_labels", g.external_labels);
    return g;
}

std::string docker_host_error(const std::string& host) {
    if (host.empty()) return {};
    if (host.starts_with("unix://")) return host.size() > 7 ? "" : "needs a socket path after unix://";
    if (host.starts_with("tcp://")) {
        const auto why = host_port_error(std::string_view(host).substr(6));
        return why.empty() ? "" : "tcp:// " + why;
    }
    return "expected unix:///path/to/docker.sock or tcp://host:port, got '" + host.substr(0, 60) + "'";
}

DockerConfig decode_docker(Reader& r, const YAML::Node& n) {
    Map m(r, n, "docker");
    DockerConfig d;
    m.field("host", d.host);
    if (const auto tls = m.get("tls_config"); tls.IsDefined()) d.tls_config = decode_tls(r, tls, m.path("tls_config"));
    m.field("networks", d.networks);
    m.field("refresh_interval", d.refresh_interval);
    m.field("timeout", d.timeout);
    m.field("host_networking_host", d.host_networking_host);
    m.field("port", d.port);
    m.finish();
    if (const auto why = docker_host_error(d.host); !why.empty()) report(m, "host", why);
    if (d.tls_config && d.host.starts_with("unix://")) report(m, "tls_config", "applies only to tcp:// hosts");
    if (d.networks.empty()) report(m, "networks", "must name at least one network to watch");
    for (const auto& network : d.networks) {
        if (network.empty()) report(m, "networks", "a network name must not be empty");
    }
    positive(m, "refresh_interval", d.refresh_interval);
    positive(m, "timeout", d.timeout);
    return d;
}

DiscoveryConfig decode_discovery(Reader& r, const YAML::Node& n) {
    Map m(r, n, "discovery");
    DiscoveryConfig d;
    m.enum_field("mode", d.mode, {{"label", DiscoveryConfig::Mode::Label}, {"all", DiscoveryConfig::Mode::All}});
    m.field("default_relabel_rules", d.default_relabel_rules);
    m.finish();
    return d;
}

ContainerStatsConfig decode_container_stats(Reader& r, const YAML::Node& n) {
    Map m(r, n, "container_stats");
    ContainerStatsConfig c;
    m.field("enabled", c.enabled);
    m.field("interval", c.interval);
    m.field("cgroup_root", c.cgroup_root);
    m.field("proc_root", c.proc_root);
    m.finish();
    positive(m, "interval", c.interval);
    return c;
}

WalConfig decode_wal(Reader& r, const YAML::Node& n) {
    Map m(r, n, "wal");
    WalConfig w;
    m.field("dir", w.dir);
    m.size_field("max_size", w.max_size);
    m.field("max_age", w.max_age);
    m.size_field("segment_size", w.segment_size);
    m.field("fsync_interval", w.fsync_interval);
    m.field("forget_series_after", w.forget_series_after);
    m.finish();
    if (w.dir.empty()) report(m, "dir", "must not be empty");
    if (w.segment_size == 0) report(m, "segment_size", "must be greater than 0");
    if (w.max_size != 0 && w.max_size < w.segment_size) report(m, "max_size", "must be at least segment_size");
    positive(m, "forget_series_after", w.forget_series_after);
    return w;
}

void check_url(Map& m, const std::string& key, const std::string& url) {
    if (const auto why = url_error(url); !why.empty()) report(m, key, why);
}

// Only the names config/alert_thresholds.hpp lists, each within its bounds; finish() reports any
// other name with a did-you-mean hint.
void decode_alert_thresholds(Map& generate, GenerateConfig& g) {
    const auto n = generate.get("alert_thresholds");
    if (!n.IsDefined()) return;
    Map m(generate.reader(), n, generate.path("alert_thresholds"));
    for (const auto& t : alert_threshold_table()) {
        const std::string name(t.name);
        const auto value_node = m.get(name);
        if (!value_node.IsDefined()) continue;
        const auto value = m.reader().number(value_node, m.path(name));
        if (!value) continue;
        if (*value < t.min || *value > t.max) {
            report(m, name, fmt::format("must be between {} and {}, got {}", t.min, t.max, *value));
        } else {
            g.alert_thresholds[name] = *value;
        }
    }
    m.finish();
}

void decode_alertmanager(Reader& r, const YAML::Node& n, GenerateConfig& g) {
    Map m(r, n, "generate.alertmanager");
    m.field("url", g.alertmanager_url);
    if (const auto slack = m.get("slack"); slack.IsDefined()) {
        Map s(r, slack, m.path("slack"));
        SlackReceiver receiver;
        s.secret_field("api_url", receiver.api_url, true);
        s.field("channel", receiver.channel);
        s.finish();
        g.slack = receiver;
    }
    if (const auto pagerduty = m.get("pagerduty"); pagerduty.IsDefined()) {
        Map p(r, pagerduty, m.path("pagerduty"));
        PagerDutyReceiver receiver;
        p.secret_field("routing_key", receiver.routing_key, true);
        p.finish();
        g.pagerduty = receiver;
    }
    m.finish();
    check_url(m, "url", g.alertmanager_url);
}

GenerateConfig decode_generate(Reader& r, const YAML::Node& n) {
    Map m(r, n, "generate");
    GenerateConfig g;
    m.field("output_dir", g.output_dir);
    m.field("agent_address", g.agent_address);
    Map prometheus(r, m.get("prometheus"), m.path("prometheus"));
    prometheus.field("url", g.prometheus_url);
    prometheus.field("reload", g.reload_prometheus);
    prometheus.finish();
    check_url(prometheus, "url", g.prometheus_url);
    decode_alertmanager(r, m.get("alertmanager"), g);
    Map grafana(r, m.get("grafana"), m.path("grafana"));
    grafana.field("dashboards_path", g.grafana_dashboards_path);
    grafana.finish();
    if (!g.grafana_dashboards_path.starts_with('/')) report(grafana, "dashboards_path", "must be an absolute path");
    decode_alert_thresholds(m, g);
    m.finish();
    if (!g.agent_address.empty()) {
        if (const auto why = host_port_error(g.agent_address); !why.empty()) report(m, "agent_address", why);
    }
    return g;
}

WebConfig decode_web(Reader& r, const YAML::Node& n) {
    Map m(r, n, "web");
    WebConfig w;
    m.field("listen_address", w.listen_address);
    m.field("max_connections", w.max_connections);
    m.size_field("max_header_bytes", w.max_header_bytes);
    m.size_field("max_body_bytes", w.max_body_bytes);
    m.field("read_timeout", w.read_timeout);
    m.finish();
    if (const auto why = host_port_error(w.listen_address); !why.empty()) report(m, "listen_address", why);
    if (w.max_connections == 0) report(m, "max_connections", "must be greater than 0");
    if (w.max_header_bytes == 0) report(m, "max_header_bytes", "must be greater than 0");
    positive(m, "read_timeout", w.read_timeout);
    return w;
}

LogConfig decode_log(Reader& r, const YAML::Node& n) {
    Map m(r, n, "log");
    LogConfig l;
    m.enum_field("level", l.level,
                 {{"trace", "trace"}, {"debug", "debug"}, {"info", "info"}, {"warn", "warn"}, {"error", "error"}});
    m.enum_field("format", l.format, {{"logfmt", LogConfig::Format::Logfmt}, {"json", LogConfig::Format::Json}});
    m.finish();
    return l;
}

}  // namespace

void report(Map& m, const std::string& key, const std::string& message) {
    m.reader().error(m.get(key), m.path(key), message, m.node());
}

std::string host_port_error(std::string_view address) {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return "expected host:port, got '" + std::string(address.substr(0, 60)) + "'";
    const auto host = address.substr(0, colon);
    const auto port = address.substr(colon + 1);
    const bool bracketed = host.starts_with('[') && host.ends_with(']') && host.size() > 2;
    if (!bracketed && host.find_first_of(":[]/ ") != std::string_view::npos) {
        return "expected host:port (an IPv6 host in brackets), got '" + std::string(address.substr(0, 60)) + "'";
    }
    const bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string_view::npos;
    if (!digits || std::stoul(std::string(port)) > 65535) {
        return "expected a port from 0 to 65535 after the last ':', got '" + std::string(port.substr(0, 60)) + "'";
    }
    return {};
}

Config decode_config(Reader& r, const YAML::Node& root) {
    Map m(r, root, "");
    Config c;
    c.global = decode_global(r, m.get("global"));
    c.docker = decode_docker(r, m.get("docker"));
    c.discovery = decode_discovery(r, m.get("discovery"));
    if (const auto n = m.get("relabel_configs"); n.IsDefined()) {
        decode_relabel_configs(r, n, "relabel_configs", c.relabel_configs);
    }
    if (const auto n = m.get("metric_relabel_configs"); n.IsDefined()) {
        decode_relabel_configs(r, n, "metric_relabel_configs", c.metric_relabel_configs);
    }
    // Profiles name probe modules, so modules (built-in and user) are known first.
    c.probes.modules = builtin_probe_modules();
    decode_probes(r, m.get("probes"), c.probes);
    if (const auto n = m.get("profiles"); n.IsDefined()) decode_profiles(r, n, c.probes, c.profiles);
    c.profiles = with_builtin_profiles(std::move(c.profiles));
    c.container_stats = decode_container_stats(r, m.get("container_stats"));
    if (const auto n = m.get("remote_write"); n.IsDefined()) decode_remote_write(r, n, c.remote_write);
    c.wal = decode_wal(r, m.get("wal"));
    c.generate = decode_generate(r, m.get("generate"));
    c.web = decode_web(r, m.get("web"));
    c.log = decode_log(r, m.get("log"));
    m.finish();
    return c;
}

}  // namespace autoscrape::config
