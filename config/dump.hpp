// The effective configuration as YAML, for `check-config --print` and a /config endpoint.
//
// Every field is written, defaults included, in the layout load_config_string reads, so
// loading the dump gives back an equal Config, except that each secret reads `<secret>`.
#pragma once

#include <string>

#include "config/config.hpp"

namespace autoscrape::config {

std::string dump_config(const Config& config);

}  // namespace autoscrape::config
