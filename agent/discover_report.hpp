// `autoscrape discover`'s report: per container what the agent will do with it, the matched
// profile, the scrape job and URL after the relabel rules, the probes and the exporter pairing;
// as a table for a human or as JSON (the target groups with all their labels, plus that summary)
// for a tool.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "agent/scrape/target_builder.hpp"
#include "discovery/discover_once.hpp"

namespace autoscrape::agent {

struct ContainerSummary {
    std::string container;  // name without the leading '/'
    std::string profile;    // empty: none matched
    std::string job;        // the scrape job, else the profile's job; empty when neither
    std::string scrape_url; // empty: not scraped
    std::string probes;     // `module:port,...` as __meta_autoscrape_probes
    std::string exported_container;
    std::string service;
};

ContainerSummary summarize(const discovery::TargetGroup& group, const scrape::TargetBuilder& builder);

void print_discovery(const std::vector<discovery::TargetGroup>& groups, const scrape::TargetBuilder& builder,
                     std::ostream& out, discovery::OutputFormat format);

}  // namespace autoscrape::agent
