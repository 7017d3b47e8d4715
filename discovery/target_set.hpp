// The current target groups and the incremental updates subscribers receive.
//
// Pure bookkeeping, no I/O: given a new engine state and the containers that may have changed,
// it recomputes only their groups (and those of containers sharing their network namespace) and
// reports what was added, changed or removed, so a burst of events costs one small diff.
#pragma once

#include "config/config.hpp"
#include "discovery/target_group.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace autoscrape::discovery {

struct DiscoveryUpdate {
    std::vector<TargetGroup> added;
    std::vector<TargetGroup> changed;
    std::vector<std::string> removed;  // sources
    bool empty() const { return added.empty() && changed.empty() && removed.empty(); }
};

class TargetSet {
public:
    explicit TargetSet(config::DockerConfig config, ServiceProfiles profiles = {})
        : config_(std::move(config)), profiles_(std::move(profiles)) {}

    // Recomputes the groups of `ids` (and of containers joined to their network namespace, and of
    // every exporter, whose pairing may name one of them). Label problems of added or changed
    // groups are logged.
    DiscoveryUpdate update(const EngineState& state, const std::set<std::string>& ids);

    // Recomputes every group: after a full resync, diffed against what we had.
    DiscoveryUpdate replace_all(const EngineState& state);

    // Non-empty groups only: a container without targets is not a source.
    std::vector<TargetGroup> snapshot() const;
    std::size_t size() const { return groups_.size(); }

    // Number of targets per network name, for the autoscrape_discovery_targets gauge.
    const std::map<std::string, std::int64_t>& targets_per_network() const { return per_network_; }

private:
    void count(const TargetGroup& group, std::int64_t sign);

    config::DockerConfig config_;
    ServiceProfiles profiles_;
    std::map<std::string, TargetGroup> groups_;
    std::map<std::string, std::int64_t> per_network_;
};

}  // namespace autoscrape::discovery
