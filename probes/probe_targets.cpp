#include "probes/probe_targets.hpp"

#include "config/units.hpp"
#include "probes/target.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace autoscrape::probes {
namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
    for (const unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::string_view label(const discovery::Target& target, const std::string& name) {
    const auto it = target.labels.find(name);
    return it == target.labels.end() ? std::string_view() : std::string_view(it->second);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

bool valid_port(std::string_view port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

// The contract's job: the `autoscrape.job` label, else the profile's job, else the container name.
std::string_view job_of(const discovery::Target& target, std::string_view container) {
    if (auto job = label(target, "__meta_docker_container_label_autoscrape_job"); !job.empty()) return job;
    if (auto job = label(target, "__meta_autoscrape_job"); !job.empty()) return job;
    return container;
}

config::Duration interval_of(const discovery::Target& target, const config::ProbesConfig& probes,
                             std::string_view container) {
    const auto text = label(target, "__meta_docker_container_label_autoscrape_interval");
    if (text.empty()) return probes.interval;
    const auto parsed = config::parse_duration(text);
    if (parsed && parsed->count() > 0) return *parsed;
    spdlog::warn("container {}: autoscrape.interval {:?} is not a duration; probing every {}", container, text,
                 config::format_duration(probes.interval));
    return probes.interval;
}

}  // namespace

std::string ProbeTarget::key() const {
    return source + ' ' + module_name + ' ' + address + ' ' + labels.to_string();
}

std::uint64_t ProbeTarget::hash() const { return fnv1a(14695981039346656037ULL, key()); }

std::vector<ProbeTarget> build_probe_targets(const discovery::TargetGroup& group, const config::ProbesConfig& probes) {
    std::vector<ProbeTarget> out;
    if (group.targets.empty()) return out;
    // Every target of a group carries the same container-level labels.
    const auto& first = group.targets.front();
    const auto entries = label(first, "__meta_autoscrape_probes");
    const auto ip = label(first, "__meta_docker_network_ip");
    if (entries.empty() || ip.empty()) return out;

    std::string_view container = label(first, "__meta_docker_container_name");
    if (container.starts_with('/')) container.remove_prefix(1);
    const auto interval = interval_of(first, probes, container);

    std::string_view rest = entries;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto entry = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (entry.empty()) continue;
        const auto colon = entry.rfind(':');
        const auto module_name = entry.substr(0, colon);
        const auto port = colon == std::string_view::npos ? std::string_view() : entry.substr(colon + 1);
        const auto module = probes.modules.find(std::string(module_name));
        if (module == probes.modules.end() || !valid_port(port)) {
            spdlog::warn("container {}: skipping probe {:?} (needs a module from probes.modules and a port)",
                         container, entry);
            continue;
        }
        ProbeTarget t;
        t.source = group.source;
        t.module_name = std::string(module_name);
        t.module = module->second;
        t.module.timeout = std::min(t.module.timeout, interval);
        t.address = join_host_port(ip, port);
        t.interval = interval;
        t.labels.set("job", job_of(first, container));
        t.labels.set("instance", t.address);
        t.labels.set("module", module_name);
        t.labels.set("container", container);
        t.labels.set("compose_service", label(first, "__meta_autoscrape_compose_service"));
        t.labels.set("compose_project", label(first, "__meta_autoscrape_compose_project"));
        for (const auto& [name, value] : first.labels) t.discovered.set(name, value);
        // The same module on the same port twice is one loop.
        if (std::none_of(out.begin(), out.end(), [&](const ProbeTarget& o) { return o.key() == t.key(); }))
            out.push_back(std::move(t));
    }
    return out;
}

}  // namespace autoscrape::probes
