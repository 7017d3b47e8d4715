#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "config/decode.hpp"

namespace autoscrape::config {
namespace {

const RelabelConfig kDefaults{};

const std::vector<std::pair<std::string, RelabelAction>> kActions{
    {"replace", RelabelAction::Replace},     {"keep", RelabelAction::Keep},
    {"drop", RelabelAction::Drop},           {"keepequal", RelabelAction::KeepEqual},
    {"dropequal", RelabelAction::DropEqual}, {"hashmod", RelabelAction::HashMod},
    {"labelmap", RelabelAction::LabelMap},   {"labeldrop", RelabelAction::LabelDrop},
    {"labelkeep", RelabelAction::LabelKeep}, {"lowercase", RelabelAction::Lowercase},
    {"uppercase", RelabelAction::Uppercase},
};

// Prometheus' relabelTarget: a label name that may contain $1 / ${1} / $name references.
bool valid_label_template(const std::string& text) {
    static const RE2 re(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
    return RE2::FullMatch(text, re);
}

std::string quoted(const std::string& text) { return "'" + text.substr(0, 60) + (text.size() > 60 ? "...'" : "'"); }

// The checks of Prometheus' relabel.Config.Validate, in its order, with its wording.
void validate(Map& m, const RelabelConfig& c) {
    const auto action = relabel_action_name(c.action);
    const auto a = c.action;
    using A = RelabelAction;
    const bool needs_target = a == A::Replace || a == A::HashMod || a == A::Lowercase || a == A::Uppercase ||
                              a == A::KeepEqual || a == A::DropEqual;
    if (a == A::HashMod && c.modulus == 0) {
        report(m, "modulus", "relabel configuration for hashmod requires non-zero modulus");
    }
    if (needs_target && c.target_label.empty()) {
        report(m, "target_label", "relabel configuration for " + action + " action requires 'target_label' value");
        return;
    }
    const bool templated = c.target_label.find('$') != std::string::npos;
    const bool target_ok = a == A::Replace && templated ? valid_label_template(c.target_label)
                                                        : valid_label_name(c.target_label);
    if (needs_target && !target_ok) {
        report(m, "target_label", quoted(c.target_label) + " is invalid 'target_label' for " + action + " action");
    }
    const bool no_replacement = a == A::Lowercase || a == A::Uppercase || a == A::KeepEqual || a == A::DropEqual;
    if (no_replacement && c.replacement != kDefaults.replacement) {
        report(m, "replacement", "'replacement' can not be set for " + action + " action");
    }
    if (a == A::LabelMap && !valid_label_template(c.replacement)) {
        report(m, "replacement", quoted(c.replacement) + " is invalid 'replacement' for " + action + " action");
    }
    if ((a == A::KeepEqual || a == A::DropEqual) &&
        (c.regex != kDefaults.regex || c.modulus != kDefaults.modulus || c.separator != kDefaults.separator ||
         c.replacement != kDefaults.replacement)) {
        report(m, "action", action + " action requires only 'source_labels' and 'target_label', and no other fields");
    }
    if ((a == A::LabelDrop || a == A::LabelKeep) &&
        (m.has("source_labels") || !c.target_label.empty() || c.modulus != kDefaults.modulus ||
         c.separator != kDefaults.separator || c.replacement != kDefaults.replacement)) {
        report(m, "action", action + " action requires only 'regex', and no other fields");
    }
}

RelabelConfig decode_relabel(Reader& r, const YAML::Node& n, const std::string& path) {
    const auto errors_before = r.error_count();
    Map m(r, n, path);
    RelabelConfig c;
    m.field("source_labels", c.source_labels);
    m.field("separator", c.separator);
    m.field("regex", c.regex);
    m.field("modulus", c.modulus);
    m.field("target_label", c.target_label);
    m.field("replacement", c.replacement);
    // Prometheus accepts the action in any case (`Replace`, `LABELDROP`).
    if (const auto node = m.get("action"); node.IsDefined()) {
        if (auto text = r.string(node, m.path("action"))) {
            std::string lower = *text;
            for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            const auto it = std::find_if(kActions.begin(), kActions.end(), [&](const auto& p) { return p.first == lower; });
            if (it != kActions.end()) {
                c.action = it->second;
            } else {
                r.error(node, m.path("action"), "unknown relabel action " + quoted(*text));
            }
        }
    }
    m.finish();
    for (const auto& label : c.source_labels) {
        if (!valid_label_name(label)) report(m, "source_labels", quoted(label) + " is not a valid label name");
    }
    if (const auto why = regex_error(c.regex); !why.empty()) report(m, "regex", "invalid regular expression: " + why);
    // The action rules only make sense on fields that were read correctly.
    if (r.error_count() == errors_before) validate(m, c);
    return c;
}

}  // namespace

std::string relabel_action_name(RelabelAction action) {
    for (const auto& [name, value] : kActions) {
        if (value == action) return name;
    }
    return "replace";
}

bool valid_label_name(std::string_view name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) { len = 1; cp = c; }
        else if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > text.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMinForLength[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
        i += len;
    }
    return true;
}

void check_labels(Map& m, const std::string& key, const Labels& labels) {
    for (const auto& [name, value] : labels) {
        if (!valid_label_name(name)) report(m, key, quoted(name) + " is not a valid label name");
        if (!valid_utf8(value)) report(m, key, "the value of " + quoted(name) + " is not valid UTF-8");
    }
}

std::string regex_error(const std::string& pattern) {
    RE2::Options options;
    options.set_log_errors(false);
    // Anchored exactly as the relabeller compiles it, so what loads here also compiles there.
    const RE2 re("^(?:" + pattern + ")$", options);
    if (re.ok()) return {};
    const RE2 plain(pattern, options);
    return plain.ok() ? re.error() : plain.error();
}

void decode_relabel_configs(Reader& r, const YAML::Node& n, const std::string& path,
                            std::vector<RelabelConfig>& out) {
    r.each(n, path, [&](const YAML::Node& item, const std::string& item_path) {
        out.push_back(decode_relabel(r, item, item_path));
    });
}

}  // namespace autoscrape::config
