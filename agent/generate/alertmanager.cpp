#include "agent/generate/alertmanager.hpp"

#include <yaml-cpp/yaml.h>

namespace autoscrape::generate {

std::string alertmanager_yaml(const config::Config&) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "route" << YAML::Value << YAML::BeginMap << YAML::Key << "receiver" << YAML::Value
        << "null" << YAML::EndMap;
    out << YAML::Key << "receivers" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key << "name"
        << YAML::Value << "null" << YAML::EndMap << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace autoscrape::generate
