// Prometheus alerting rules for what autoscrape discovers and probes: targets, probes, containers,
// the built-in service profiles and the agent itself. Written to DIR/rules/alert_rules.yml.
#pragma once

#include <string>

#include "config/config.hpp"

namespace autoscrape::generate {

// The rule file (`groups:`), thresholds taken from config.generate.alert_thresholds over the
// built-in defaults. Throws std::invalid_argument for a threshold name it does not know.
std::string alert_rules_yaml(const config::Config& config);

}  // namespace autoscrape::generate
