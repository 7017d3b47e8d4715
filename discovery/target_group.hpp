// Turning the engine's containers and networks into scrape target groups.
//
// The labels are exactly those of Prometheus' docker_sd_configs (discovery/moby/docker.go), so a
// user's relabel rules carry over, with two deliberate departures: only watched networks
// (docker.networks) produce targets, and a container on several watched networks is reached on
// the first of them in config order (docker_sd takes the alphabetically first, prometheus#8831).
// Service profiles (profile.hpp) and exporter pairing (exporter_pairing.hpp) add the
// `__meta_autoscrape_*` labels. Pure functions: no I/O, deterministic output.
#pragma once

#include "config/config.hpp"
#include "discovery/docker_model.hpp"
#include "discovery/profile.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace autoscrape::discovery {

struct Target {
    std::map<std::string, std::string> labels;
    bool operator==(const Target&) const = default;
};

struct TargetGroup {
    std::string source;  // container id
    std::vector<Target> targets;
    bool operator==(const TargetGroup&) const = default;
};

// What discovery knows about the engine at one moment: running containers and all networks.
struct EngineState {
    std::map<std::string, Container> containers;  // by id
    std::map<std::string, Network> networks;      // by id
    // The host each exporter connects to (exporter_target_host of its inspected environment), by
    // container id; only exporters that need it (needs_exporter_inspect) and were inspected.
    std::map<std::string, std::string> exporter_hosts;
};

// Prometheus' strutil.SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes '_' (one per
// UTF-8 code point, one per invalid byte).
std::string sanitize_label_name(std::string_view name);

// True if `entry` of docker.networks names this network: its name, its id or an id prefix of at
// least 12 characters (the short id the CLI prints).
bool network_matches(std::string_view entry, std::string_view name, std::string_view id);

class ExportedIndex;

// The target group of one container; empty targets when it is on no watched network. Problems
// with its autoscrape.* labels are appended to `warnings` when given. An exporter is paired through
// `exported` (built from the same state and config), or through an index built for this call.
TargetGroup build_target_group(const Container& container, const EngineState& state,
                               const config::DockerConfig& config, const ServiceProfiles& profiles = {},
                               std::vector<std::string>* warnings = nullptr, const ExportedIndex* exported = nullptr);

}  // namespace autoscrape::discovery
