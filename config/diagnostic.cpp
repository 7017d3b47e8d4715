#include "config/diagnostic.hpp"

#include <algorithm>
#include <limits>

namespace autoscrape::config {
namespace {

std::string join_lines(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) {
        if (!out.empty()) out += '\n';
        out += format_diagnostic(d);
    }
    return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, the typo people make.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[n][m];
}

}  // namespace

std::string format_diagnostic(const Diagnostic& d) {
    if (d.line <= 0) return d.file + ": " + d.message;
    return d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
}

ConfigError::ConfigError(std::vector<Diagnostic> diags)
    : std::runtime_error(join_lines(diags)), diagnostics(std::move(diags)) {}

std::string closest_key(const std::string& key, const std::vector<std::string>& candidates) {
    // Keys are short; a pathological key (fuzzer input) is not worth a quadratic table.
    constexpr std::size_t kMaxKey = 64;
    if (key.empty() || key.size() > kMaxKey) return {};
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& candidate : candidates) {
        const std::size_t distance = edit_distance(key, candidate);
        if (distance <= 2 && distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    if (!best.empty()) return best;
    for (const auto& candidate : candidates) {
        const bool prefix = key.size() >= 3 && (candidate.starts_with(key) || key.starts_with(candidate));
        if (prefix) return candidate;
    }
    return {};
}

}  // namespace autoscrape::config
