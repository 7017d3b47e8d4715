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
std::string render_targets_json(const std::vector<TargetStatus>& targets, std::string_view state_filter);

}  // namespace autoscrape::scrape
