// prometheus.yml for a Prometheus server that scrapes what autoscrape discovers.
//
// The job list is fixed by the discovered jobs; their targets live in file_sd files, which
// Prometheus re-reads by itself, so only a new or vanished job changes this file (and needs a
// reload). Emitted with yaml-cpp's emitter, never by pasting strings, so any job name, label value
// or URL is quoted correctly.
#pragma once

#include <string>
#include <vector>

#include "agent/generate/file_sd.hpp"
#include "config/config.hpp"

namespace autoscrape::generate {

// Where Prometheus reaches the agent: generate.agent_address, else web.listen_address.
std::string agent_address(const config::Config& config);

// The whole prometheus.yml: global settings, rule_files, alerting, the agent's own job, the probe
// job (when probes are enabled) and one file_sd job per entry of `jobs`. Throws
// std::invalid_argument when generate.alertmanager_url is not an http(s) URL with a host.
std::string prometheus_yaml(const config::Config& config, const std::vector<ScrapeJob>& jobs);

}  // namespace autoscrape::generate
