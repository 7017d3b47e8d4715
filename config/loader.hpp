// Loading the agent's YAML configuration into config::Config (config.hpp), with defaults,
// ${VAR} expansion, `*_file` secrets and validation. Every problem in a document is reported at
// once as a ConfigError whose lines read `file:line:column: message`.
//
// The YAML layout (which key maps to which field) is documented at the top of loader.cpp, and
// tests/data/config/full.yaml shows every field with its default.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/diagnostic.hpp"

namespace autoscrape::config {

// Throws ConfigError. Relative paths inside the config (`*_file`, tls files, wal.dir) are used as
// written, i.e. relative to the agent's working directory.
Config load_config_file(const std::string& path);

// `source_name` is the file name used in diagnostics. An empty document yields all defaults.
Config load_config_string(std::string_view yaml, const std::string& source_name);

// A small commented configuration that loads without error; `autoscrape run` uses it when no
// --config.file is given, so the demo stack works out of the box.
std::string embedded_default_config();

}  // namespace autoscrape::config
