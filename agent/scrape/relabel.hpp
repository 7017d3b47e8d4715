// Relabelling with Prometheus semantics: the relabel_config rules that turn discovered targets
// into scrape targets, and (as metric_relabel_configs) filter and rewrite scraped series.
//
// Behaviour follows Prometheus' model/relabel/relabel.go action by action, so users' existing
// rules keep working. Regexes are RE2, fully anchored as `^(?:regex)$`, compiled once here.
// Departures, each because the Prometheus result is an error later or needs Unicode tables:
// labelmap skips a resulting name that is not a valid label name, and lowercase/uppercase change
// ASCII letters only.
#pragma once

#include <memory>
#include <vector>

#include <re2/re2.h>

#include "agent/scrape/labels.hpp"
#include "config/config.hpp"

namespace autoscrape::scrape {

class Relabeler {
public:
    Relabeler() = default;
    // Throws std::invalid_argument naming the rule for a regex that does not compile, a hashmod
    // without modulus, or a missing or invalid target_label.
    explicit Relabeler(const std::vector<config::RelabelConfig>& configs);

    // Applies every rule in order; false when a rule dropped the set (it is then unspecified).
    bool apply(LabelSet& labels) const;

    bool empty() const { return rules_.empty(); }

private:
    struct Rule {
        config::RelabelConfig config;
        std::shared_ptr<const RE2> regex;  // shared: a copied Relabeler reuses the compiled program
        bool default_regex = false;        // "(.*)": the fast path of replace
        bool refs_in_target = false;
        bool refs_in_replacement = false;
    };

    std::vector<Rule> rules_;

    friend bool apply_rule(const Rule& rule, std::string_view value, LabelSet& labels);
};

}  // namespace autoscrape::scrape
