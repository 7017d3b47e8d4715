#include "agent/generate/prometheus_config.hpp"

#include <algorithm>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "config/decode.hpp"
#include "config/units.hpp"

namespace autoscrape::generate {

namespace {

struct Url {
    std::string scheme;
    std::string host_port;
    std::string path;
};

// scheme://host[:port][/path]; the default port is made explicit, as Prometheus' notifier would.
Url parse_url(const std::string& url, const char* field) {
    const auto sep = url.find("://");
    Url out;
    if (sep != std::string::npos) {
        out.scheme = url.substr(0, sep);
        const auto slash = url.find('/', sep + 3);
        out.host_port = url.substr(sep + 3, slash == std::string::npos ? std::string::npos : slash - sep - 3);
        if (slash != std::string::npos) out.path = url.substr(slash);
    }
    if ((out.scheme != "http" && out.scheme != "https") || out.host_port.empty()) {
        throw std::invalid_argument(std::string(field) + ": '" + url + "' is not an http(s) URL with a host");
    }
    const bool has_port = out.host_port.front() == '[' ? out.host_port.find("]:") != std::string::npos
                                                       : out.host_port.find(':') != std::string::npos;
    if (!has_port) out.host_port += out.scheme == "https" ? ":443" : ":80";
    return out;
}

void key(YAML::Emitter& e, const char* name) { e << YAML::Key << name << YAML::Value; }

void put(YAML::Emitter& e, const char* name, const std::string& value) {
    key(e, name);
    e << YAML::DoubleQuoted << value;
}

template <class T>
void put_plain(YAML::Emitter& e, const char* name, const T& value) {
    key(e, name);
    e << value;
}

void put_list(YAML::Emitter& e, const char* name, const std::vector<std::string>& values) {
    key(e, name);
    e << YAML::Flow << YAML::BeginSeq;
    for (const auto& v : values) e << YAML::DoubleQuoted << v;
    e << YAML::EndSeq;
}

void static_targets(YAML::Emitter& e, const std::string& target) {
    key(e, "static_configs");
    e << YAML::BeginSeq << YAML::BeginMap;
    put_list(e, "targets", {target});
    e << YAML::EndMap << YAML::EndSeq;
}

void file_sd(YAML::Emitter& e, const std::string& file) {
    key(e, "file_sd_configs");
    e << YAML::BeginSeq << YAML::BeginMap;
    put_list(e, "files", {file});
    e << YAML::EndMap << YAML::EndSeq;
}

void relabel_rule(YAML::Emitter& e, const config::RelabelConfig& r) {
    e << YAML::BeginMap;
    if (!r.source_labels.empty()) put_list(e, "source_labels", r.source_labels);
    put(e, "separator", r.separator);
    put(e, "regex", r.regex);
    if (r.action == config::RelabelAction::HashMod) put_plain(e, "modulus", r.modulus);
    if (!r.target_label.empty()) put(e, "target_label", r.target_label);
    put(e, "replacement", r.replacement);
    put(e, "action", config::relabel_action_name(r.action));
    e << YAML::EndMap;
}

void relabel_rules(YAML::Emitter& e, const char* name, const std::vector<config::RelabelConfig>& rules) {
    if (rules.empty()) return;
    key(e, name);
    e << YAML::BeginSeq;
    for (const auto& r : rules) relabel_rule(e, r);
    e << YAML::EndSeq;
}

void global_section(YAML::Emitter& e, const config::GlobalConfig& g) {
    key(e, "global");
    e << YAML::BeginMap;
    put(e, "scrape_interval", config::format_duration(g.scrape_interval));
    put(e, "scrape_timeout", config::format_duration(std::min(g.scrape_timeout, g.scrape_interval)));
    if (!g.external_labels.empty()) {
        key(e, "external_labels");
        e << YAML::BeginMap;
        for (const auto& [name, value] : g.external_labels) put(e, name.c_str(), value);
        e << YAML::EndMap;
    }
    e << YAML::EndMap;
}

void alerting_section(YAML::Emitter& e, const config::GenerateConfig& g) {
    const Url url = parse_url(g.alertmanager_url, "generate.alertmanager.url");
    key(e, "alerting");
    e << YAML::BeginMap;
    key(e, "alertmanagers");
    e << YAML::BeginSeq << YAML::BeginMap;
    put(e, "scheme", url.scheme);
    if (!url.path.empty() && url.path != "/") put(e, "path_prefix", url.path);
    static_targets(e, url.host_port);
    e << YAML::EndMap << YAML::EndSeq;
    e << YAML::EndMap;
}

// The scrape settings the agent applies to every target, so Prometheus applies the same.
void scrape_limits(YAML::Emitter& e, const config::Config& config) {
    const auto& g = config.global;
    if (g.honor_labels) put_plain(e, "honor_labels", true);
    if (!g.honor_timestamps) put_plain(e, "honor_timestamps", false);
    if (g.sample_limit != 0) put_plain(e, "sample_limit", g.sample_limit);
    if (g.label_limit != 0) put_plain(e, "label_limit", g.label_limit);
    if (g.body_size_limit != 0) put(e, "body_size_limit", config::format_size(g.body_size_limit));
    relabel_rules(e, "metric_relabel_configs", config.metric_relabel_configs);
}

void agent_job(YAML::Emitter& e, const config::Config& config) {
    e << YAML::BeginMap;
    put(e, "job_name", std::string(kAgentJobName));
    static_targets(e, agent_address(config));
    e << YAML::EndMap;
}

// blackbox_exporter's relabelling: the discovered address becomes ?target= and the instance
// label; the scrape itself goes to the agent's /probe.
void probe_job(YAML::Emitter& e, const config::Config& config) {
    const auto interval = config.probes.interval;
    e << YAML::BeginMap;
    put(e, "job_name", std::string(kProbeJobName));
    put(e, "scrape_interval", config::format_duration(interval));
    put(e, "scrape_timeout", config::format_duration(std::min(config.global.scrape_timeout, interval)));
    put(e, "metrics_path", "/probe");
    file_sd(e, std::string(kProbesFile));
    config::RelabelConfig to_param;
    to_param.source_labels = {"__address__"};
    to_param.target_label = "__param_target";
    config::RelabelConfig to_instance;
    to_instance.source_labels = {"__param_target"};
    to_instance.target_label = "instance";
    config::RelabelConfig to_agent;
    to_agent.target_label = "__address__";
    to_agent.replacement = agent_address(config);
    relabel_rules(e, "relabel_configs", {to_param, to_instance, to_agent});
    e << YAML::EndMap;
}

void discovered_job(YAML::Emitter& e, const config::Config& config, const ScrapeJob& job) {
    e << YAML::BeginMap;
    put(e, "job_name", job.job_name);
    file_sd(e, job.file);
    scrape_limits(e, config);
    e << YAML::EndMap;
}

}  // namespace

std::string agent_address(const config::Config& config) {
    return config.generate.agent_address.empty() ? config.web.listen_address : config.generate.agent_address;
}

std::string prometheus_yaml(const config::Config& config, const std::vector<ScrapeJob>& jobs) {
    YAML::Emitter e;
    e << YAML::Comment("Generated by autoscrape from the containers it discovers; rewritten when a job appears or "
                       "goes.\nTargets are in file_sd/*.json, which Prometheus re-reads by itself. Do not edit.");
    e << YAML::BeginMap;
    global_section(e, config.global);
    put_list(e, "rule_files", {"rules/*.yml"});
    alerting_section(e, config.generate);
    key(e, "scrape_configs");
    e << YAML::BeginSeq;
    agent_job(e, config);
    if (config.probes.enabled) probe_job(e, config);
    for (const auto& job : jobs) discovered_job(e, config, job);
    e << YAML::EndSeq;
    e << YAML::EndMap;
    if (!e.good()) throw std::logic_error("prometheus.yml emitter: " + e.GetLastError());
    return std::string(e.c_str()) + "\n";
}

}  // namespace autoscrape::generate
