#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/alert_rules.hpp"

using autoscrape::generate::alert_rules_yaml;

TEST_CASE("the alert rules file has a groups list") {
    const YAML::Node doc = YAML::Load(alert_rules_yaml(autoscrape::config::Config{}));
    REQUIRE(doc["groups"].IsSequence());
}
