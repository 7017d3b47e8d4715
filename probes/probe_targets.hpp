// From a discovered container to the probes its loops run: one ProbeTarget per `module:port`
// entry of `__meta_autoscrape_probes` (which discovery fills from the container's profile or its
// `autoscrape.probe` label), dialled at the container's watched-network IP.
//
// Pure functions, no I/O: the probe manager calls them for every group of a discovery update.
#pragma once

#include "agent/scrape/labels.hpp"
#include "config/config.hpp"
#include "discovery/target_group.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace autoscrape::probes {

struct ProbeTarget {
    std::string source;       // the discovery group (container id)
    std::string module_name;  // a key of probes.modules
    config::ProbeModule module;
    std::string address;  // host:port, IPv6 hosts in brackets
    // The series labels: job, instance, module, container, compose_service/compose_project when set.
    scrape::LabelSet labels;
    scrape::LabelSet discovered;  // the group's first target, for /api/v1/targets
    config::Duration interval{30'000};

    // What a loop is keyed by: a target with another key is another loop (other series).
    std::string key() const;
    // Stable over restarts; spreads the loops' first probes over the interval.
    std::uint64_t hash() const;
    // What the prober is given: host:port (an http module adds its own path).
    const std::string& probe_target() const { return address; }
};

// The probe targets of one container. probes.interval, or the container's `autoscrape.interval`
// label when it holds a valid duration (one label sets how often a container is looked at, by
// scrapes and probes alike). The module's timeout is capped at the interval. Entries naming a
// module missing from probes.modules, or without a valid port, are skipped and logged.
std::vector<ProbeTarget> build_probe_targets(const discovery::TargetGroup& group, const config::ProbesConfig& probes);

}  // namespace autoscrape::probes
