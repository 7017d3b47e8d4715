#include "discovery/target_set.hpp"

#include "discovery/exporter_pairing.hpp"

#include <spdlog/spdlog.h>

#include <optional>

namespace autoscrape::discovery {

namespace {

constexpr int kMaxNetworkModeDepth = 16;

// Containers in the network namespace of a changed one change with it (network_mode container:<id>).
std::set<std::string> with_dependents(const EngineState& state, std::set<std::string> ids) {
    std::set<std::string> frontier = ids;
    for (int depth = 0; depth < kMaxNetworkModeDepth && !frontier.empty(); ++depth) {
        std::set<std::string> next;
        for (const auto& [id, c] : state.containers) {
            if (!c.network_mode.starts_with("container:")) continue;
            if (frontier.contains(c.network_mode.substr(10)) && ids.insert(id).second) next.insert(id);
        }
        frontier = std::move(next);
    }
    return ids;
}

// An exporter's labels depend on the container it names, which may be among those that changed.
void add_exporters(const EngineState& state, std::set<std::string>& ids) {
    for (const auto& [id, host] : state.exporter_hosts) ids.insert(id);
    for (const auto& [id, c] : state.containers) {
        if (c.labels.contains("autoscrape.exporter-for")) ids.insert(id);
    }
}

}  // namespace

void TargetSet::count(const TargetGroup& group, std::int64_t sign) {
    for (const auto& t : group.targets) {
        auto it = t.labels.find("__meta_docker_network_name");
        per_network_[it == t.labels.end() ? std::string() : it->second] += sign;
    }
}

DiscoveryUpdate TargetSet::update(const EngineState& state, const std::set<std::string>& ids) {
    DiscoveryUpdate u;
    auto affected = with_dependents(state, ids);
    if (!affected.empty()) add_exporters(state, affected);
    std::optional<ExportedIndex> exported;  // built at the first exporter, shared by the rest
    for (const auto& id : affected) {
        auto c = state.containers.find(id);
        if (c != state.containers.end() && !exported && names_exported(c->second, state)) exported.emplace(state, config_);
        std::vector<std::string> warnings;
        TargetGroup fresh = c == state.containers.end()
                                ? TargetGroup{id, {}}
                                : build_target_group(c->second, state, config_, profiles_, &warnings,
                                                     exported ? &*exported : nullptr);
        auto old = groups_.find(id);
        const bool added_or_changed = old == groups_.end() || !(old->second == fresh);
        if (added_or_changed && !fresh.targets.empty()) {
            for (const auto& why : warnings) spdlog::warn("docker discovery: {}", why);
        }
        if (old == groups_.end()) {
            if (fresh.targets.empty()) continue;
            count(fresh, +1);
            u.added.push_back(fresh);
            groups_.emplace(id, std::move(fresh));
        } else if (fresh.targets.empty()) {
            count(old->second, -1);
            u.removed.push_back(id);
            groups_.erase(old);
        } else if (!(old->second == fresh)) {
            count(old->second, -1);
            count(fresh, +1);
            u.changed.push_back(fresh);
            old->second = std::move(fresh);
        }
    }
    return u;
}

DiscoveryUpdate TargetSet::replace_all(const EngineState& state) {
    std::set<std::string> ids;
    for (const auto& [id, g] : groups_) ids.insert(id);
    for (const auto& [id, c] : state.containers) ids.insert(id);
    return update(state, ids);
}

std::vector<TargetGroup> TargetSet::snapshot() const {
    std::vector<TargetGroup> out;
    out.reserve(groups_.size());
    for (const auto& [id, g] : groups_) out.push_back(g);
    return out;
}

}  // namespace autoscrape::discovery
