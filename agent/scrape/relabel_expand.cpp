#include "agent/scrape/relabel_expand.hpp"

#include <optional>

namespace autoscrape::scrape {

namespace {

bool is_ref_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

struct Reference {
    std::string_view name;
    std::size_t length;  // characters consumed after the '$'
};

// Go's regexp.extract: a name, optionally in braces; nothing when malformed.
std::optional<Reference> extract(std::string_view s) {
    const bool brace = !s.empty() && s.front() == '{';
    const std::size_t start = brace ? 1 : 0;
    std::size_t i = start;
    while (i < s.size() && is_ref_char(s[i])) ++i;
    if (i == start) return std::nullopt;
    const std::string_view name = s.substr(start, i - start);
    if (brace) {
        if (i >= s.size() || s[i] != '}') return std::nullopt;
        ++i;
    }
    return Reference{name, i};
}

// Go's group number rule: all digits, no leading zero, below 1e8; otherwise -1 (a name).
int group_number(std::string_view name) {
    if (name.size() > 1 && name.front() == '0') return -1;
    int num = 0;
    for (const char c : name) {
        if (c < '0' || c > '9' || num >= 100'000'000) return -1;
        num = num * 10 + (c - '0');
    }
    return num;
}

void append_group(std::span<const re2::StringPiece> groups, int index, std::string& out) {
    if (index < 0 || static_cast<std::size_t>(index) >= groups.size()) return;
    const re2::StringPiece& group = groups[static_cast<std::size_t>(index)];
    if (group.data() != nullptr) out.append(group.data(), group.size());
}

}  // namespace

void expand_template(std::string_view tmpl, std::span<const re2::StringPiece> groups,
                     const std::map<std::string, int>& named_groups, std::string& out) {
    while (!tmpl.empty()) {
        const std::size_t dollar = tmpl.find('$');
        if (dollar == std::string_view::npos) break;
        out.append(tmpl.substr(0, dollar));
        tmpl.remove_prefix(dollar + 1);
        if (!tmpl.empty() && tmpl.front() == '$') {
            out += '$';
            tmpl.remove_prefix(1);
            continue;
        }
        const auto ref = extract(tmpl);
        if (!ref) {
            out += '$';
            continue;
        }
        const int number = group_number(ref->name);
        if (number >= 0) {
            append_group(groups, number, out);
        } else if (const auto it = named_groups.find(std::string(ref->name)); it != named_groups.end()) {
            append_group(groups, it->second, out);
        }
        tmpl.remove_prefix(ref->length);
    }
    out.append(tmpl);
}

}  // namespace autoscrape::scrape
