// Alertmanager configuration for the alerts of alert_rules.hpp. Written to
// DIR/alertmanager/alertmanager.yml.
//
// Routing: with Slack configured every alert goes to Slack; with PagerDuty configured critical
// alerts page (and go to Slack too when both are set); warnings and info never page. Without
// receivers everything goes to a receiver named "discard" that notifies nobody, so the file is
// still valid and Alertmanager's UI still shows the alerts. Alerts group by alertname, job and
// instance. Inhibition drops the obvious duplicates: a critical alert hides the warning of the same
// alert and instance, a service found down by its probe hides its TargetDown, and the agent being
// down hides the TargetDown of every probe target (they are scraped through the agent's /probe).
// Secrets given as `*_file` are referenced by path (api_url_file, routing_key_file), so they are
// never copied into the generated file; the path must be readable where Alertmanager runs.
#pragma once

#include <string>

#include "config/config.hpp"

namespace autoscrape::generate {

// Throws std::invalid_argument, naming the field but not the secret, for a Slack api_url that is
// not an http(s) URL or an empty PagerDuty routing_key.
std::string alertmanager_yaml(const config::Config& config);

}  // namespace autoscrape::generate
