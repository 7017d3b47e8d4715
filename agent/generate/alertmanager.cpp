#include "agent/generate/alertmanager.hpp"

#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "agent/generate/alert_rules.hpp"

namespace autoscrape::generate {
namespace {

constexpr const char* kDiscard = "discard";
constexpr const char* kSlack = "slack";
constexpr const char* kPagerDuty = "pagerduty";

void key(YAML::Emitter& out, const char* name) {
    out << YAML::Key << name << YAML::Value;
}

void flow_list(YAML::Emitter& out, const char* name, const std::vector<std::string>& items) {
    key(out, name);
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : items) out << item;
    out << YAML::EndSeq;
}

// `field` or `field_file`: the file is referenced, never read into the generated config.
void secret(YAML::Emitter& out, const std::string& field, const config::Secret& value) {
    if (!value.file().empty()) {
        out << YAML::Key << field + "_file" << YAML::Value << value.file();
    } else {
        out << YAML::Key << field << YAML::Value << value.reveal();
    }
}

// The config only knows a secret was given; what Alertmanager would refuse at start-up is caught
// here, naming the field but never showing the value.
std::string field_name(const std::string& section, const std::string& field, const config::Secret& value) {
    return "generate.alertmanager." + section + "." + field + (value.file().empty() ? "" : "_file");
}

void check_webhook_url(const config::Secret& url) {
    const auto& v = url.reveal();
    const bool http = v.starts_with("https://") || v.starts_with("http://");
    if (!http || v.find_first_of(" \t\r\n") != std::string::npos) {
        throw std::invalid_argument(field_name("slack", "api_url", url) +
                                    ": expected an http:// or https:// URL (not shown: it is a secret)");
    }
}

void check_routing_key(const config::Secret& key) {
    if (key.empty()) throw std::invalid_argument(field_name("pagerduty", "routing_key", key) + ": is empty");
}

void slack_receiver(YAML::Emitter& out, const config::SlackReceiver& slack) {
    check_webhook_url(slack.api_url);
    out << YAML::BeginMap;
    key(out, "name");
    out << kSlack;
    key(out, "slack_configs");
    out << YAML::BeginSeq << YAML::BeginMap;
    secret(out, "api_url", slack.api_url);
    if (!slack.channel.empty()) {
        key(out, "channel");
        out << slack.channel;
    }
    key(out, "send_resolved");
    out << true;
    key(out, "title");
    out << "[{{ .Status | toUpper }}{{ if eq .Status \"firing\" }}:{{ .Alerts.Firing | len }}{{ end }}] "
           "{{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})";
    key(out, "text");
    out << "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n{{ end }}";
    out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
}

void pagerduty_receiver(YAML::Emitter& out, const config::PagerDutyReceiver& pagerduty) {
    check_routing_key(pagerduty.routing_key);
    out << YAML::BeginMap;
    key(out, "name");
    out << kPagerDuty;
    key(out, "pagerduty_configs");
    out << YAML::BeginSeq << YAML::BeginMap;
    secret(out, "routing_key", pagerduty.routing_key);
    key(out, "send_resolved");
    out << true;
    key(out, "description");
    out << "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}";
    key(out, "severity");
    out << "{{ .CommonLabels.severity }}";
    out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
}

void route(YAML::Emitter& out, const config::GenerateConfig& g) {
    key(out, "route");
    out << YAML::BeginMap;
    key(out, "receiver");
    out << (g.slack ? kSlack : kDiscard);
    flow_list(out, "group_by", {"alertname", "job", "instance"});
    key(out, "group_wait");
    out << "30s";
    key(out, "group_interval");
    out << "5m";
    key(out, "repeat_interval");
    out << "4h";
    if (g.pagerduty) {
        // A matched child route ends the search unless `continue`; then the alert also reaches
        // the catch-all child below (Slack), not the parent's receiver.
        key(out, "routes");
        out << YAML::BeginSeq << YAML::BeginMap;
        key(out, "receiver");
        out << kPagerDuty;
        flow_list(out, "matchers", {"severity=\"critical\""});
        if (g.slack) {
            key(out, "continue");
            out << true;
        }
        out << YAML::EndMap;
        if (g.slack) {
            out << YAML::BeginMap;
            key(out, "receiver");
            out << kSlack;
            out << YAML::EndMap;
        }
        out << YAML::EndSeq;
    }
    out << YAML::EndMap;
}

void inhibit_rule(YAML::Emitter& out, const std::vector<std::string>& source, const std::vector<std::string>& target,
                  const std::vector<std::string>& equal) {
    out << YAML::BeginMap;
    flow_list(out, "source_matchers", source);
    flow_list(out, "target_matchers", target);
    if (!equal.empty()) flow_list(out, "equal", equal);
    out << YAML::EndMap;
}

void inhibit_rules(YAML::Emitter& out, const config::Config& config) {
    std::string service_down = "ProbeFailing";
    for (const auto& s : probed_service_alerts(config)) service_down += "|" + s.alert;
    key(out, "inhibit_rules");
    out << YAML::BeginSeq;
    inhibit_rule(out, {"severity=\"critical\""}, {"severity=\"warning\""}, {"alertname", "instance"});
    inhibit_rule(out, {"alertname=~\"" + service_down + "\""}, {"alertname=\"TargetDown\""}, {"container"});
    // Every probe target is scraped through the agent's /probe: with the agent down, each of them
    // reads up == 0 although nothing is known about the services.
    inhibit_rule(out, {"alertname=\"AutoscrapeDown\""}, {"alertname=\"TargetDown\"", "module=~\".+\""}, {});
    out << YAML::EndSeq;
}

}  // namespace

std::string alertmanager_yaml(const config::Config& config) {
    const auto& g = config.generate;
    YAML::Emitter out;
    out << YAML::BeginMap;
    route(out, g);
    key(out, "receivers");
    out << YAML::BeginSeq;
    out << YAML::BeginMap;
    key(out, "name");
    out << kDiscard;
    out << YAML::EndMap;
    if (g.slack) slack_receiver(out, *g.slack);
    if (g.pagerduty) pagerduty_receiver(out, *g.pagerduty);
    out << YAML::EndSeq;
    inhibit_rules(out, config);
    out << YAML::EndMap;
    return "# Generated by autoscrape; rewritten on every `autoscrape generate`, do not edit.\n" +
           std::string(out.c_str()) + "\n";
}

}  // namespace autoscrape::generate
