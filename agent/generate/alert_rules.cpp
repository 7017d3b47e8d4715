#include "agent/generate/alert_rules.hpp"

#include <yaml-cpp/yaml.h>

namespace autoscrape::generate {

std::string alert_rules_yaml(const config::Config&) {
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::Flow << YAML::BeginSeq
        << YAML::EndSeq << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace autoscrape::generate
