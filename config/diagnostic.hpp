// Configuration errors as a compiler reports them: `file:line:column: message`, all of them at once.
//
// The loader collects every problem it finds in a document into Diagnostics and throws one
// ConfigError at the end, so a user fixes a config in one round instead of one error per run.
// Messages never contain secret values (see loader.cpp).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace autoscrape::config {

struct Diagnostic {
    std::string file;
    int line = 0;    // 1-based; 0 when the problem is the file itself (unreadable, too large)
    int column = 0;  // 1-based; 0 with line 0
    std::string message;
    bool operator==(const Diagnostic&) const = default;
};

// `file:line:column: message`, or `file: message` for a whole-file problem.
std::string format_diagnostic(const Diagnostic& d);

struct ConfigError : std::runtime_error {
    explicit ConfigError(std::vector<Diagnostic> diagnostics);
    std::vector<Diagnostic> diagnostics;
};

// The closest of `candidates` to a misspelt `key`: Damerau-Levenshtein distance <= 2, or one is a
// prefix of the other. Empty when nothing is close enough to be a useful hint.
std::string closest_key(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace autoscrape::config
