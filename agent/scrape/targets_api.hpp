// The body of GET /api/v1/targets, shaped exactly as Prometheus' (web/api/v1), so tools and
// dashboards that read Prometheus' target list read ours unchanged.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/scrape/scrape_manager.hpp"

namespace autoscrape::scrape {

// `state_filter` is the request's `state` parameter: "active", "dropped", or "any"/"" for both
// (case-insensitive, as Prometheus). Labels are written in name order.
//
// `probes` (the probe loops, active by nature) go to `data.probeTargets`, shaped as activeTargets,
// present whenever active targets are shown: a field Prometheus clients skip, so the target list
// they count keeps meaning "scraped".
std::string render_targets_json(const std::vector<TargetStatus>& targets, std::string_view state_filter,
                                 const std::vector<TargetStatus>& probes = {});

}  // namespace autoscrape::scrape
