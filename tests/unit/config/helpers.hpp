// Shared helpers for the config tests: load a document and get its error text.
#pragma once

#include <string>
#include <string_view>

#include "config/loader.hpp"

namespace autoscrape::config::test {

// The ConfigError text of loading `yaml` as test.yaml, or "" when it loads.
inline std::string errors_of(std::string_view yaml) {
    try {
        load_config_string(yaml, "test.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

inline std::string data_path(const std::string& name) { return std::string(AUTOSCRAPE_TEST_DATA) + "/" + name; }

}  // namespace autoscrape::config::test
