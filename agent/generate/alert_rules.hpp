// Prometheus alerting rules for what autoscrape discovers and probes: targets, probes, containers,
// the built-in service profiles and the agent itself. Written to DIR/rules/alert_rules.yml.
//
// Every rule has a `for:`, a `severity` label (critical pages, warning and info go to chat; see
// alertmanager.hpp) and summary/description annotations that say what to check. Thresholds come
// from config.generate.alert_thresholds over the defaults in config/alert_thresholds.hpp.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace autoscrape::generate {

struct AlertRule {
    std::string alert;
    std::string expr;
    std::string for_duration;  // Prometheus duration, e.g. "2m"
    std::string severity;      // critical, warning or info
    std::string summary;
    std::string description;
};

struct AlertRuleGroup {
    std::string name;
    std::vector<AlertRule> rules;
};

// The groups in file order. Throws std::invalid_argument when config.generate.alert_thresholds
// names a threshold that does not exist.
std::vector<AlertRuleGroup> alert_rule_groups(const config::Config& config);

// The rule file (`groups:`) for alert_rule_groups(config).
std::string alert_rules_yaml(const config::Config& config);

// Per-service rules (alert_rules_services.cpp), one group; jobs come from the config's profiles.
AlertRuleGroup service_alert_rules(const config::Config& config);

// The services whose failing health probe has an alert of its own in service_alert_rules: the
// generic ProbeFailing leaves their jobs out instead of alerting twice for one outage, and
// Alertmanager lets these alerts inhibit the TargetDown of the same container.
struct ProbedServiceAlert {
    std::string alert;
    std::string job;
};
std::vector<ProbedServiceAlert> probed_service_alerts(const config::Config& config);

// `"text"` as a PromQL string literal, and an RE2 pattern matching exactly `text`.
std::string promql_string(const std::string& text);
std::string regex_quote(const std::string& text);

// The job of profile `name` in config.profiles (a user's profile overrides the built-in one),
// else the name itself.
std::string profile_job(const config::Config& config, const std::string& name);

}  // namespace autoscrape::generate
