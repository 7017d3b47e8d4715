#include "agent/generate/file_sd.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include <boost/json.hpp>

#include "config/units.hpp"

namespace autoscrape::generate {

namespace {

using Meta = std::map<std::string, std::string>;

std::string meta(const Meta& labels, const std::string& name) {
    const auto it = labels.find(name);
    return it == labels.end() ? std::string() : it->second;
}

// A job name as a file stem: anything outside [A-Za-z0-9_.-] becomes '_', no leading dot.
std::string file_stem(std::string_view job) {
    std::string stem;
    for (const char c : job) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                           c == '-' || c == '.';
        stem += plain ? c : '_';
    }
    if (stem.empty() || stem.front() == '.') stem.insert(stem.begin(), '_');
    return stem;
}

// Unique among the jobs so far and the reserved names (probes.json is the probe job's file).
std::string unique_job_name(std::string_view job, std::set<std::string>& taken) {
    const std::string stem = file_stem(job);
    std::string name = stem;
    for (int n = 2; taken.contains(name); ++n) name = stem + "_" + std::to_string(n);
    taken.insert(name);
    return name;
}

std::string host_port(const std::string& ip, std::uint16_t port) {
    const bool v6 = ip.find(':') != std::string::npos;
    return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

// `job` as the contract says: the autoscrape.job container label, the profile's job, the name.
std::string probe_job(const Meta& labels) {
    std::string job = meta(labels, "__meta_docker_container_label_autoscrape_job");
    if (job.empty()) job = meta(labels, "__meta_autoscrape_job");
    if (job.empty()) {
        job = meta(labels, "__meta_docker_container_name");
        if (job.starts_with('/')) job.erase(0, 1);
    }
    return job;
}

boost::json::object target_entry(const std::string& address, boost::json::object labels) {
    return boost::json::object{{"targets", boost::json::array{boost::json::string(address)}},
                               {"labels", std::move(labels)}};
}

std::string json_lines(const std::vector<boost::json::object>& entries) {
    if (entries.empty()) return "[]\n";
    std::string out = "[\n";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        out += "  " + boost::json::serialize(entries[i]);
        out += i + 1 < entries.size() ? ",\n" : "\n";
    }
    return out + "]\n";
}

}  // namespace

std::vector<ProbeTarget> probe_targets(const discovery::TargetGroup& group, const config::ProbesConfig& probes) {
    std::vector<ProbeTarget> out;
    if (!probes.enabled || group.targets.empty()) return out;
    const Meta& labels = group.targets.front().labels;
    const std::string ip = meta(labels, "__meta_docker_network_ip");
    const std::string list = meta(labels, "__meta_autoscrape_probes");
    if (ip.empty()) return out;
    std::string_view rest(list);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view entry = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        // Discovery resolves every entry to module:port; anything else it would have logged.
        const auto colon = entry.rfind(':');
        if (colon == std::string_view::npos) continue;
        const std::string module(entry.substr(0, colon));
        const std::string_view port_text = entry.substr(colon + 1);
        std::uint16_t port = 0;
        const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0) continue;
        if (!probes.modules.contains(module)) continue;
        ProbeTarget probe{host_port(ip, port), module, {{"job", probe_job(labels)}, {"module", module}}};
        std::string container = meta(labels, "__meta_docker_container_name");
        if (container.starts_with('/')) container.erase(0, 1);
        for (const auto& [name, value] : {std::pair{std::string("container"), container},
                                          {"compose_service", meta(labels, "__meta_autoscrape_compose_service")},
                                          {"compose_project", meta(labels, "__meta_autoscrape_compose_project")}}) {
            if (!value.empty()) probe.labels[name] = value;
        }
        out.push_back(std::move(probe));
    }
    return out;
}

TargetInventory collect_targets(const scrape::TargetBuilder& builder, const config::ProbesConfig& probes,
                                const std::vector<discovery::TargetGroup>& groups) {
    std::map<std::string, std::vector<scrape::ScrapeTarget>> by_job;
    TargetInventory inventory;
    for (const auto& group : groups) {
        for (auto& target : builder.build(group).active) by_job[target.job()].push_back(std::move(target));
        for (auto& probe : probe_targets(group, probes)) inventory.probes.push_back(std::move(probe));
    }
    std::set<std::string> taken{std::string(kAgentJobName), std::string(kProbeJobName), "probes"};
    for (auto& [job, targets] : by_job) {
        std::sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) {
            return std::tie(a.address, a.path, a.source) < std::tie(b.address, b.path, b.source);
        });
        const std::string name = unique_job_name(job, taken);
        inventory.jobs.push_back({job, name, std::string(kFileSdDir) + "/" + name + ".json", std::move(targets)});
    }
    auto& found = inventory.probes;
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::tie(a.address, a.module, a.labels) < std::tie(b.address, b.module, b.labels);
    });
    found.erase(std::unique(found.begin(), found.end(),
                            [](const auto& a, const auto& b) { return a.address == b.address && a.module == b.module; }),
                found.end());
    return inventory;
}

std::string file_sd_json(const std::vector<scrape::ScrapeTarget>& targets) {
    std::vector<boost::json::object> entries;
    for (const auto& target : targets) {
        boost::json::object labels;
        for (const auto& label : target.labels) labels[label.name] = label.value;
        labels["__scheme__"] = target.scheme;
        labels["__metrics_path__"] = target.path;
        labels["__scrape_interval__"] = config::format_duration(target.interval);
        labels["__scrape_timeout__"] = config::format_duration(target.timeout);
        for (const auto& [name, value] : target.params) labels["__param_" + name] = value;
        entries.push_back(target_entry(target.address, std::move(labels)));
    }
    return json_lines(entries);
}

std::string probes_json(const std::vector<ProbeTarget>& probes) {
    std::vector<boost::json::object> entries;
    for (const auto& probe : probes) {
        boost::json::object labels;
        for (const auto& [name, value] : probe.labels) labels[name] = value;
        labels["__param_module"] = probe.module;
        entries.push_back(target_entry(probe.address, std::move(labels)));
    }
    return json_lines(entries);
}

}  // namespace autoscrape::generate
