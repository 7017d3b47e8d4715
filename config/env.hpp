// `${VAR}` expansion of configuration values, so secrets and per-host settings come from the
// environment (`password: ${DB_PASSWORD}`, `scrape_interval: ${INTERVAL}`).
//
// Rules: `${NAME}` with NAME = [A-Za-z_][A-Za-z0-9_]* is replaced by the variable's value (unset is
// an error; set-but-empty gives ""); `$$` is a literal `$`; any other `$` is kept as written, so
// relabel templates like `$1` and `${1}` pass through untouched.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace autoscrape::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

struct Expansion {
    std::string value;
    std::string unset_variable;  // non-empty: expansion failed on this variable
};

Expansion expand_env(std::string_view text, const EnvLookup& lookup);

// Reads the process environment (getenv).
std::optional<std::string> process_env(const std::string& name);

// The inverse for dumping: escapes each `$` that expand_env would otherwise interpret.
std::string escape_env(std::string_view text);

}  // namespace autoscrape::config
