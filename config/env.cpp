#include "config/env.hpp"

#include <cstdlib>

namespace autoscrape::config {
namespace {

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

// Length of `{NAME}` at text[pos] (pos at the brace), or 0 when it is not a variable reference.
std::size_t reference_length(std::string_view text, std::size_t pos) {
    if (pos >= text.size() || text[pos] != '{') return 0;
    std::size_t i = pos + 1;
    if (i >= text.size() || !name_start(text[i])) return 0;
    while (i < text.size() && name_char(text[i])) ++i;
    if (i >= text.size() || text[i] != '}') return 0;
    return i + 1 - pos;
}

}  // namespace

Expansion expand_env(std::string_view text, const EnvLookup& lookup) {
    Expansion out;
    out.value.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 >= text.size()) {
            out.value += text[i];
            continue;
        }
        if (text[i + 1] == '$') {
            out.value += '$';
            ++i;
            continue;
        }
        const std::size_t len = reference_length(text, i + 1);
        if (len == 0) {
            out.value += '$';
            continue;
        }
        const std::string name(text.substr(i + 2, len - 2));
        const auto value = lookup(name);
        if (!value) {
            out.unset_variable = name;
            return out;
        }
        out.value += *value;
        i += len;
    }
    return out;
}

std::optional<std::string> process_env(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

std::string escape_env(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        const bool interpreted = text[i] == '$' && i + 1 < text.size() && (text[i + 1] == '$' || text[i + 1] == '{');
        if (interpreted) out += '$';
    }
    return out;
}

}  // namespace autoscrape::config
