#include "agent/scrape/targets_api.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "config/units.hpp"

namespace autoscrape::scrape {

namespace json = boost::json;

namespace {

json::object to_json(const LabelSet& labels) {
    json::object out;
    for (const auto& l : labels) out[l.name] = l.value;
    return out;
}

// Go's time.RFC3339Nano in UTC; Go's zero time when the target was never scraped.
std::string rfc3339(const std::optional<std::chrono::system_clock::time_point>& t) {
    if (!t) return "0001-01-01T00:00:00Z";
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t->time_since_epoch()).count();
    const auto secs = std::chrono::sys_seconds(std::chrono::seconds(ns / 1'000'000'000));
    std::string frac = fmt::format("{:09d}", ns % 1'000'000'000);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}{}{}Z", secs, frac.empty() ? "" : ".", frac);
}

const char* health_name(Health h) {
    switch (h) {
        case Health::Up: return "up";
        case Health::Down: return "down";
        case Health::Unknown: break;
    }
    return "unknown";
}

json::object active_json(const TargetStatus& t) {
    return json::object{
        {"discoveredLabels", to_json(t.discovered)},
        {"labels", to_json(t.labels)},
        {"scrapePool", t.scrape_pool},
        {"scrapeUrl", t.scrape_url},
        {"globalUrl", t.scrape_url},
        {"lastError", t.last_error},
        {"lastScrape", rfc3339(t.last_scrape)},
        {"lastScrapeDuration", t.last_duration_seconds},
        {"health", health_name(t.health)},
        {"scrapeInterval", config::format_duration(t.interval)},
        {"scrapeTimeout", config::format_duration(t.timeout)},
    };
}

}  // namespace

std::string render_targets_json(const std::vector<TargetStatus>& targets, std::string_view state_filter,
                                const std::vector<TargetStatus>& probes) {
    std::string state(state_filter);
    std::transform(state.begin(), state.end(), state.begin(), [](unsigned char c) { return std::tolower(c); });
    const bool any = state.empty() || state == "any";
    const bool show_active = any || state == "active";
    const bool show_dropped = any || state == "dropped";

    json::array active;
    json::array dropped;
    std::map<std::string, std::int64_t> dropped_counts;
    for (const auto& t : targets) {
        if (!t.active) {
            ++dropped_counts[t.scrape_pool];
            if (show_dropped) dropped.push_back(json::object{{"discoveredLabels", to_json(t.discovered)}});
            continue;
        }
        if (show_active) active.push_back(active_json(t));
    }
    json::object counts;
    for (const auto& [pool, n] : dropped_counts) counts[pool] = n;
    json::object data{{"activeTargets", std::move(active)},
                      {"droppedTargets", std::move(dropped)},
                      {"droppedTargetCounts", std::move(counts)}};
    if (show_active) {
        json::array probe_targets;
        for (const auto& p : probes) probe_targets.push_back(active_json(p));
        data["probeTargets"] = std::move(probe_targets);
    }
    return json::serialize(json::object{{"status", "success"}, {"data", std::move(data)}});
}

}  // namespace autoscrape::scrape
