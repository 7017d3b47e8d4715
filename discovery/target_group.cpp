#include "discovery/target_group.hpp"

#include "discovery/exporter_pairing.hpp"

#include <optional>

namespace autoscrape::discovery {

namespace {

constexpr std::string_view kContainerLabelPrefix = "__meta_docker_container_label_";
constexpr std::string_view kNetworkLabelPrefix = "__meta_docker_network_label_";
constexpr int kMaxNetworkModeHops = 16;  // container:<id> chains; guards against cycles

bool valid_label_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Length of the valid UTF-8 sequence at s[i], or 1 for an invalid byte (as Go's utf8.DecodeRune).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; cp = b0 & 0x1Fu; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; cp = b0 & 0x0Fu; }
    else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; cp = b0 & 0x07u; }
    else return 1;
    if (i + len > s.size()) return 1;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0u) != 0x80u) return 1;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (overlong || surrogate || cp > 0x10FFFF) return 1;
    return len;
}

std::string join_host_port(const std::string& host, std::uint16_t port) {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

std::string label_or_empty(const LabelMap& labels, const std::string& key) {
    auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
}

// docker_sd: a container sharing another's network namespace (network_mode container:<id>) has no
// networks of its own and is reached through those of the container it joined.
const std::map<std::string, Endpoint>& effective_networks(const Container& c, const EngineState& state) {
    const Container* current = &c;
    for (int hop = 0; hop < kMaxNetworkModeHops && current->networks.empty(); ++hop) {
        std::string_view mode = current->network_mode;
        if (!mode.starts_with("container:")) break;
        auto it = state.containers.find(std::string(mode.substr(10)));
        if (it == state.containers.end()) break;
        current = &it->second;
    }
    return current->networks;
}

std::optional<std::pair<std::string, Endpoint>> watched_endpoint(const std::map<std::string, Endpoint>& networks,
                                                                 const config::DockerConfig& config) {
    for (const auto& entry : config.networks) {
        for (const auto& [name, ep] : networks) {
            if (network_matches(entry, name, ep.network_id)) return std::make_pair(name, ep);
        }
    }
    return std::nullopt;
}

}  // namespace

std::string sanitize_label_name(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (std::size_t i = 0; i < name.size();) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (valid_label_char(c)) {
            out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        out.push_back('_');
        i += c < 0x80 ? 1 : utf8_sequence_length(name, i);
    }
    return out;
}

bool network_matches(std::string_view entry, std::string_view name, std::string_view id) {
    if (entry.empty()) return false;
    return entry == name || entry == id || (entry.size() >= 12 && id.starts_with(entry));
}

TargetGroup build_target_group(const Container& c, const EngineState& state, const config::DockerConfig& config,
                               const ServiceProfiles& profiles, std::vector<std::string>* warnings,
                               const ExportedIndex* exported) {
    TargetGroup group{c.id, {}};
    if (c.names.empty()) return group;  // docker_sd skips them too
    const auto chosen = watched_endpoint(effective_networks(c, state), config);
    if (!chosen) return group;
    const auto& [network_name, ep] = *chosen;

    std::map<std::string, std::string> common{
        {"__meta_docker_container_id", c.id},
        {"__meta_docker_container_name", c.names.front()},
        {"__meta_docker_container_network_mode", c.network_mode},
        {"__meta_docker_network_ip", ep.ip_address},
        {"__meta_autoscrape_compose_project", label_or_empty(c.labels, "com.docker.compose.project")},
        {"__meta_autoscrape_compose_service", label_or_empty(c.labels, "com.docker.compose.service")},
    };
    std::vector<std::string> problems;
    const config::Profile* profile = profiles.match(c);
    common.merge(profile_labels(c, profile, profiles, problems));
    if (names_exported(c, state)) {
        const auto host = state.exporter_hosts.find(c.id);
        const std::string inspected = host == state.exporter_hosts.end() ? std::string() : host->second;
        if (exported != nullptr) {
            common.merge(exporter_labels(c, profile, inspected, *exported, profiles));
        } else {
            common.merge(exporter_labels(c, profile, inspected, ExportedIndex(state, config), profiles));
        }
    }
    if (warnings != nullptr) {
        for (auto& why : problems) warnings->push_back("container " + c.names.front() + ": " + std::move(why));
    }
    for (const auto& [k, v] : c.labels) common[std::string(kContainerLabelPrefix) + sanitize_label_name(k)] = v;
    if (auto it = state.networks.find(ep.network_id); it != state.networks.end()) {
        const Network& n = it->second;
        common["__meta_docker_network_id"] = n.id;
        common["__meta_docker_network_name"] = n.name;
        common["__meta_docker_network_scope"] = n.scope;
        common["__meta_docker_network_internal"] = n.internal ? "true" : "false";
        common["__meta_docker_network_ingress"] = n.ingress ? "true" : "false";
        for (const auto& [k, v] : n.labels) common[std::string(kNetworkLabelPrefix) + sanitize_label_name(k)] = v;
    }

    for (const auto& p : c.ports) {
        if (p.type != "tcp") continue;
        Target t{common};
        t.labels["__meta_docker_port_private"] = std::to_string(p.private_port);
        if (p.public_port > 0) {
            t.labels["__meta_docker_port_public"] = std::to_string(p.public_port);
            t.labels["__meta_docker_port_public_ip"] = p.ip;
        }
        t.labels["__address__"] = join_host_port(ep.ip_address, p.private_port);
        group.targets.push_back(std::move(t));
    }
    if (group.targets.empty()) {
        // No TCP port: docker_sd's fallback port, or the configured host for host networking.
        Target t{std::move(common)};
        t.labels["__address__"] =
            c.network_mode == "host" ? config.host_networking_host : join_host_port(ep.ip_address, config.port);
        group.targets.push_back(std::move(t));
    }
    return group;
}

}  // namespace autoscrape::discovery
