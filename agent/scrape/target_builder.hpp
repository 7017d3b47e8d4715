// From discovered targets to scrape targets: the built-in opt-in rules, the user's
// relabel_configs, then Prometheus' finalisation (scrape/target.go PopulateLabels).
//
// docker_sd yields one target per exposed port; with the default rules on, a container becomes at
// most ONE scrape target (the port its labels name, else its profile's metrics port, else its
// lowest exposed port), so nothing is scraped twice. A container whose profile has no metrics
// (a database) is no scrape target unless a label opts it in. Everything relabelling removes is kept as a dropped target for /api/v1/targets.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/scrape/labels.hpp"
#include "agent/scrape/relabel.hpp"
#include "config/config.hpp"
#include "discovery/target_group.hpp"

namespace autoscrape::scrape {

struct ScrapeTarget {
    std::string source;    // the discovery group (container id) it came from
    LabelSet discovered;   // labels before relabelling, incl. __meta_* and the defaults
    LabelSet labels;       // final labels: no __-prefixed names, job and instance set
    std::string scheme;    // http or https
    std::string address;   // host:port
    std::string path;      // metrics path
    std::vector<std::pair<std::string, std::string>> params;  // from __param_<name>
    config::Duration interval{15'000};
    config::Duration timeout{10'000};

    std::string job() const { return std::string(labels.get("job")); }
    // scheme://address/path?params, as Prometheus' scrapeUrl.
    std::string url() const;
    // The path with its query string: what goes on the request line.
    std::string request_target() const;
    // Stable over restarts; spreads the targets' first scrapes over the interval.
    std::uint64_t hash() const;
};

struct BuiltGroup {
    std::vector<ScrapeTarget> active;
    std::vector<LabelSet> dropped;  // discovered labels of the targets relabelling dropped
};

// The built-in rules for `discovery.default_relabel_rules`; exposed so docs and tests can show them.
std::vector<config::RelabelConfig> default_relabel_rules(config::DiscoveryConfig::Mode mode);

class TargetBuilder {
public:
    // Throws std::invalid_argument for a relabel rule that does not compile.
    explicit TargetBuilder(const config::Config& config);

    BuiltGroup build(const discovery::TargetGroup& group) const;

private:
    // nullopt when relabelling dropped the target or its labels are unusable.
    std::optional<ScrapeTarget> build_one(const std::string& source, LabelSet discovered) const;

    config::GlobalConfig global_;
    bool defaults_on_ = true;
    Relabeler defaults_;
    Relabeler user_;
};

}  // namespace autoscrape::scrape
