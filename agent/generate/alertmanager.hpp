// Alertmanager configuration: routes by severity to the Slack and PagerDuty receivers the config
// names, grouping and inhibition of duplicates. Written to DIR/alertmanager/alertmanager.yml.
#pragma once

#include <string>

#include "config/config.hpp"

namespace autoscrape::generate {

std::string alertmanager_yaml(const config::Config& config);

}  // namespace autoscrape::generate
