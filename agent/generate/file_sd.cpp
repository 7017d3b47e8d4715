#include "agent/generate/file_sd.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <boost/json.hpp>

#include "config/units.hpp"
#include "probes/probe_targets.hpp"

namespace autoscrape::generate {

namespace {

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
    if (!probes.enabled) return out;
    for (const auto& built : probes::build_probe_targets(group, probes)) {
        ProbeTarget probe{built.address, built.module_name, {}, built.interval};
        // instance comes from the probe job's relabelling (__param_target), as with blackbox_exporter.
        for (const auto& label : built.labels) {
            if (label.name != "instance") probe.labels[label.name] = label.value;
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

std::string probes_json(const std::vector<ProbeTarget>& probes, config::Duration timeout) {
    std::vector<boost::json::object> entries;
    for (const auto& probe : probes) {
        boost::json::object labels;
        for (const auto& [name, value] : probe.labels) labels[name] = value;
        labels["__param_module"] = probe.module;
        labels["__scrape_interval__"] = config::format_duration(probe.interval);
        labels["__scrape_timeout__"] = config::format_duration(std::min(timeout, probe.interval));
        entries.push_back(target_entry(probe.address, std::move(labels)));
    }
    return json_lines(entries);
}

}  // namespace autoscrape::generate
