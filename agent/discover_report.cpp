#include "agent/discover_report.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace autoscrape::agent {
namespace {

std::string label(const discovery::Target& t, const std::string& name) {
    const auto it = t.labels.find(name);
    return it == t.labels.end() ? std::string() : it->second;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

boost::json::object summary_json(const ContainerSummary& s) {
    return {{"container", s.container},   {"profile", s.profile},
            {"job", s.job},               {"scrape_url", s.scrape_url},
            {"probes", s.probes},         {"exported_container", s.exported_container},
            {"service", s.service}};
}

}  // namespace

ContainerSummary summarize(const discovery::TargetGroup& group, const scrape::TargetBuilder& builder) {
    ContainerSummary s;
    if (group.targets.empty()) return s;
    // Container-level labels are the same on every per-port target.
    const auto& first = group.targets.front();
    s.container = label(first, "__meta_docker_container_name");
    if (s.container.starts_with('/')) s.container.erase(0, 1);
    s.profile = label(first, "__meta_autoscrape_profile");
    s.job = label(first, "__meta_autoscrape_job");
    s.probes = label(first, "__meta_autoscrape_probes");
    s.exported_container = label(first, "__meta_autoscrape_exported_container");
    s.service = label(first, "__meta_autoscrape_exported_service");
    const auto built = builder.build(group);
    if (!built.active.empty()) {
        s.job = built.active.front().job();
        s.scrape_url = built.active.front().url();
    }
    return s;
}

void print_discovery(const std::vector<discovery::TargetGroup>& groups, const scrape::TargetBuilder& builder,
                     std::ostream& out, discovery::OutputFormat format) {
    if (format == discovery::OutputFormat::Json) {
        boost::json::array arr;
        for (const auto& g : groups) {
            boost::json::array targets;
            for (const auto& t : g.targets) {
                boost::json::object labels;
                for (const auto& [k, v] : t.labels) labels[k] = v;
                targets.emplace_back(boost::json::object{{"labels", std::move(labels)}});
            }
            arr.emplace_back(boost::json::object{
                {"source", g.source}, {"summary", summary_json(summarize(g, builder))}, {"targets", std::move(targets)}});
        }
        out << boost::json::serialize(arr) << '\n';
        return;
    }
    constexpr auto kRow = "{:<28} {:<18} {:<18} {:<48} {:<32} {}\n";
    out << fmt::format(kRow, "CONTAINER", "PROFILE", "JOB", "METRICS", "PROBES", "EXPORTS");
    for (const auto& g : groups) {
        const auto s = summarize(g, builder);
        const std::string exports = s.exported_container.empty() ? "-" : s.exported_container + " (" + s.service + ")";
        out << fmt::format(kRow, or_dash(s.container), or_dash(s.profile), or_dash(s.job), or_dash(s.scrape_url),
                           or_dash(s.probes), exports);
    }
}

}  // namespace autoscrape::agent
