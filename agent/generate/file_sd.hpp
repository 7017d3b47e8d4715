// The targets of the generated prometheus.yml, as Prometheus' file_sd reads them.
//
// The scrape targets come from the agent's own TargetBuilder, so the Prometheus server scrapes
// exactly what the agent would: each target carries its final labels plus `__metrics_path__`,
// `__scheme__`, `__param_*`, `__scrape_interval__` and `__scrape_timeout__`, which Prometheus
// reads from file_sd labels before its own defaults (scrape/target.go PopulateLabels). Probe
// targets come from the contract's `__meta_autoscrape_probes` and go through the agent's /probe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "agent/scrape/target_builder.hpp"
#include "config/config.hpp"
#include "discovery/target_group.hpp"

namespace autoscrape::generate {

// Job names and files the generator reserves for itself.
inline constexpr std::string_view kAgentJobName = "autoscrape";
inline constexpr std::string_view kProbeJobName = "autoscrape_probe";
inline constexpr std::string_view kProbesFile = "file_sd/probes.json";
inline constexpr std::string_view kFileSdDir = "file_sd";

// One scrape job of prometheus.yml and the file_sd file that lists its targets.
struct ScrapeJob {
    std::string job;       // the `job` label of its targets
    std::string job_name;  // unique in prometheus.yml, also the file's stem
    std::string file;      // relative to the output dir: file_sd/<job_name>.json
    std::vector<scrape::ScrapeTarget> targets;
};

// One probe the Prometheus server asks the agent's /probe for.
struct ProbeTarget {
    std::string address;  // host:port probed, sent as ?target=
    std::string module;   // sent as ?module=
    std::map<std::string, std::string> labels;  // job, module, container, compose_*
    config::Duration interval{30'000};          // probes.interval or the container's autoscrape.interval
    bool operator==(const ProbeTarget&) const = default;
};

struct TargetInventory {
    std::vector<ScrapeJob> jobs;  // sorted by job
    std::vector<ProbeTarget> probes;  // sorted by address, then module
};

// Builds every group's targets and groups them by job; probes only for modules in `probes.modules`
// (none when probes are disabled). Deterministic: the same groups give the same inventory.
TargetInventory collect_targets(const scrape::TargetBuilder& builder, const config::ProbesConfig& probes,
                                const std::vector<discovery::TargetGroup>& groups);

// The probes of one container group: those the agent's own probe loops run (probes/probe_targets.hpp).
std::vector<ProbeTarget> probe_targets(const discovery::TargetGroup& group, const config::ProbesConfig& probes);

// file_sd JSON: one entry per target, a line each, so a diff of two versions reads well.
std::string file_sd_json(const std::vector<scrape::ScrapeTarget>& targets);
// `timeout`: the scrape timeout Prometheus gives each probe, capped at the probe's interval.
std::string probes_json(const std::vector<ProbeTarget>& probes, config::Duration timeout);

}  // namespace autoscrape::generate
