#include "agent/scrape/relabel.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "agent/scrape/relabel_expand.hpp"

namespace autoscrape::scrape {

using config::RelabelAction;

namespace {

std::string_view action_name(RelabelAction action) {
    switch (action) {
        case RelabelAction::Replace: return "replace";
        case RelabelAction::Keep: return "keep";
        case RelabelAction::Drop: return "drop";
        case RelabelAction::KeepEqual: return "keepequal";
        case RelabelAction::DropEqual: return "dropequal";
        case RelabelAction::HashMod: return "hashmod";
        case RelabelAction::LabelMap: return "labelmap";
        case RelabelAction::LabelDrop: return "labeldrop";
        case RelabelAction::LabelKeep: return "labelkeep";
        case RelabelAction::Lowercase: return "lowercase";
        case RelabelAction::Uppercase: return "uppercase";
    }
    return "unknown";
}

re2::StringPiece piece(std::string_view s) { return {s.data(), s.size()}; }

bool full_match(const RE2& re, std::string_view text) {
    return re.Match(piece(text), 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0);
}

// Capture groups of one match, reused across calls on the same thread.
std::span<const re2::StringPiece> match_groups(const RE2& re, std::string_view text) {
    thread_local std::vector<re2::StringPiece> groups;
    groups.assign(static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1, re2::StringPiece());
    if (!re.Match(piece(text), 0, text.size(), RE2::ANCHOR_BOTH, groups.data(),
                  static_cast<int>(groups.size()))) {
        return {};
    }
    return groups;
}

std::uint64_t md5_mod(std::string_view value, std::uint64_t modulus) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(value.data(), value.size(), digest, &size, EVP_md5(), nullptr);
    // Prometheus uses the last 8 bytes, big-endian, "to give the same result as earlier versions".
    std::uint64_t hash = 0;
    for (unsigned int i = 8; i < 16; ++i) hash = (hash << 8) | digest[i];
    return hash % modulus;
}

std::string ascii_case(std::string_view value, bool upper) {
    std::string out(value);
    for (char& c : out) {
        if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

void validate(const config::RelabelConfig& cfg, std::size_t index) {
    const auto fail = [&](std::string_view what) {
        throw std::invalid_argument(
            fmt::format("relabel rule {} ({}): {}", index, action_name(cfg.action), what));
    };
    const RelabelAction a = cfg.action;
    if (a == RelabelAction::HashMod && cfg.modulus == 0) fail("hashmod requires a non-zero modulus");
    const bool needs_target = a == RelabelAction::Replace || a == RelabelAction::HashMod ||
                              a == RelabelAction::Lowercase || a == RelabelAction::Uppercase ||
                              a == RelabelAction::KeepEqual || a == RelabelAction::DropEqual;
    if (!needs_target) return;
    if (cfg.target_label.empty()) fail("requires 'target_label'");
    const bool may_expand = a == RelabelAction::Replace && cfg.target_label.find('$') != std::string::npos;
    if (!may_expand && !is_valid_label_name(cfg.target_label)) {
        fail(fmt::format("\"{}\" is an invalid 'target_label'", cfg.target_label));
    }
}

void replace(const RE2& re, const config::RelabelConfig& cfg, std::string_view value,
             LabelSet& labels) {
    const auto groups = match_groups(re, value);
    if (groups.empty()) return;  // no match, no replacement
    const auto& names = re.NamedCapturingGroups();
    std::string target;
    expand_template(cfg.target_label, groups, names, target);
    if (!is_valid_label_name(target)) return;
    std::string result;
    expand_template(cfg.replacement, groups, names, result);
    labels.set(target, result);  // an empty result deletes the label
}

void label_map(const RE2& re, const config::RelabelConfig& cfg, LabelSet& labels) {
    const LabelSet before = labels;  // Prometheus ranges over the labels as they were
    const auto& names = re.NamedCapturingGroups();
    for (const Label& label : before) {
        const auto groups = match_groups(re, label.name);
        if (groups.empty()) continue;
        std::string name;
        expand_template(cfg.replacement, groups, names, name);
        if (is_valid_label_name(name)) labels.set(name, label.value);
    }
}

}  // namespace

// One small function per action, as in relabel.go; false drops the label set.
bool apply_rule(const Relabeler::Rule& rule, std::string_view value, LabelSet& labels) {
    const config::RelabelConfig& cfg = rule.config;
    const RE2& re = *rule.regex;
    switch (cfg.action) {
        case RelabelAction::Drop: return !full_match(re, value);
        case RelabelAction::Keep: return full_match(re, value);
        case RelabelAction::DropEqual: return labels.get(cfg.target_label) != value;
        case RelabelAction::KeepEqual: return labels.get(cfg.target_label) == value;
        case RelabelAction::Replace:
            if (value.empty() && rule.default_regex && !rule.refs_in_target && !rule.refs_in_replacement) {
                labels.set(cfg.target_label, cfg.replacement);
            } else {
                replace(re, cfg, value, labels);
            }
            return true;
        case RelabelAction::Lowercase: labels.set(cfg.target_label, ascii_case(value, false)); return true;
        case RelabelAction::Uppercase: labels.set(cfg.target_label, ascii_case(value, true)); return true;
        case RelabelAction::HashMod:
            labels.set(cfg.target_label, std::to_string(md5_mod(value, cfg.modulus)));
            return true;
        case RelabelAction::LabelMap: label_map(re, cfg, labels); return true;
        case RelabelAction::LabelDrop:
            labels.del_if([&](const Label& l) { return full_match(re, l.name); });
            return true;
        case RelabelAction::LabelKeep:
            labels.del_if([&](const Label& l) { return !full_match(re, l.name); });
            return true;
    }
    return true;
}

Relabeler::Relabeler(const std::vector<config::RelabelConfig>& configs) {
    rules_.reserve(configs.size());
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const config::RelabelConfig& cfg = configs[i];
        validate(cfg, i);
        RE2::Options options;
        options.set_log_errors(false);
        auto regex = std::make_shared<const RE2>("^(?:" + cfg.regex + ")$", options);
        if (!regex->ok()) {
            // Report the error against the pattern as the user wrote it, not our anchored wrapper.
            const RE2 unanchored(cfg.regex, options);
            const std::string& reason = unanchored.ok() ? regex->error() : unanchored.error();
            throw std::invalid_argument(fmt::format("relabel rule {} ({}): invalid regex \"{}\": {}", i,
                                                    action_name(cfg.action), cfg.regex, reason));
        }
        rules_.push_back(Rule{cfg, std::move(regex), cfg.regex == "(.*)",
                              cfg.target_label.find('$') != std::string::npos,
                              cfg.replacement.find('$') != std::string::npos});
    }
}

bool Relabeler::apply(LabelSet& labels) const {
    thread_local std::string value;  // the joined source values, reused
    for (const Rule& rule : rules_) {
        value.clear();
        for (std::size_t i = 0; i < rule.config.source_labels.size(); ++i) {
            if (i > 0) value += rule.config.separator;
            value += labels.get(rule.config.source_labels[i]);
        }
        if (!apply_rule(rule, value, labels)) return false;
    }
    return true;
}

}  // namespace autoscrape::scrape
