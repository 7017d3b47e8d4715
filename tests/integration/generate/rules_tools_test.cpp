// The generated alert rules checked by promtool: `check rules` accepts them, and `test rules` runs
// the cases in tests/data/generate/*.test.yml, which cover every alert firing and staying silent.
#include <set>

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/alert_rules.hpp"
#include "tests/integration/generate/tools.hpp"

using namespace autoscrape;
using namespace autoscrape::testing;

namespace {

// The rules without annotations: promtool compares annotations in full, so behaviour cases leave
// them out and alert_annotations.test.yml checks the rendered text separately.
std::string without_annotations(const std::string& rules_yaml) {
    YAML::Node doc = YAML::Load(rules_yaml);
    for (auto group : doc["groups"]) {
        for (auto rule : group["rules"]) rule.remove("annotations");
    }
    return YAML::Dump(doc) + "\n";
}

// Runs `promtool test rules` on a copy of the test file next to `rules_yaml` saved as alert_rules.yml.
ProcessResult promtool_test(const std::string& rules_yaml, const std::string& test_file) {
    TempDir dir;
    write_file(dir.file("alert_rules.yml"), rules_yaml);
    write_file(dir.file(test_file), read_file(generate_test_data(test_file)));
    return run_tool("promtool", {"test", "rules", dir.file(test_file)});
}

std::size_t rule_count(const config::Config& config) {
    std::size_t n = 0;
    for (const auto& group : generate::alert_rule_groups(config)) n += group.rules.size();
    return n;
}

std::set<std::string> alert_names(const config::Config& config) {
    std::set<std::string> names;
    for (const auto& group : generate::alert_rule_groups(config)) {
        for (const auto& rule : group.rules) names.insert(rule.alert);
    }
    return names;
}

config::Config with_thresholds(std::map<std::string, double> thresholds) {
    config::Config c;
    c.generate.alert_thresholds = std::move(thresholds);
    return c;
}

}  // namespace

TEST_CASE("promtool check rules accepts the generated rules, with default and configured thresholds") {
    for (const auto& config : {config::Config{}, with_thresholds({{"process_cpu_cores", 2.5}, {"tls_cert_expiry_days", 30}})}) {
        TempDir dir;
        write_file(dir.file("alert_rules.yml"), generate::alert_rules_yaml(config));
        const auto result = run_tool("promtool", {"check", "rules", dir.file("alert_rules.yml")});
        INFO(describe(result));
        REQUIRE(result.exit_code == 0);
        CHECK_THAT(result.out, Catch::Contains("SUCCESS: " + std::to_string(rule_count(config)) + " rules found"));
    }
}

TEST_CASE("every generated alert fires when it should and not when it should not") {
    const auto result = promtool_test(without_annotations(generate::alert_rules_yaml(config::Config{})),
                                      "alert_rules.test.yml");
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("SUCCESS"));
}

TEST_CASE("the promtool cases cover every generated alert both firing and silent") {
    std::set<std::string> fires;
    std::set<std::string> silent;
    for (const auto& test : YAML::LoadFile(generate_test_data("alert_rules.test.yml"))["tests"]) {
        for (const auto& check : test["alert_rule_test"]) {
            const auto name = check["alertname"].as<std::string>();
            (check["exp_alerts"].size() > 0 ? fires : silent).insert(name);
        }
    }
    for (const auto& name : alert_names(config::Config{})) {
        INFO(name);
        CHECK(fires.contains(name));
        CHECK(silent.contains(name));
    }
}

TEST_CASE("the seed's CPU rule mistake fails the CPU cases") {
    // Comparing the counter itself to the threshold: the idle long-running process would fire.
    std::string rules = without_annotations(generate::alert_rules_yaml(config::Config{}));
    const std::string rate = "rate(process_cpu_seconds_total[5m]) > 0.8";
    const auto at = rules.find(rate);
    REQUIRE(at != std::string::npos);
    rules.replace(at, rate.size(), "process_cpu_seconds_total > 0.8");
    const auto result = promtool_test(rules, "alert_rules.test.yml");
    CHECK(result.exit_code != 0);
    CHECK_THAT(result.out + result.err, Catch::Contains("job=\"idle\""));
}

TEST_CASE("configured thresholds change when the alerts fire") {
    const auto config = with_thresholds({{"process_cpu_cores", 0.4}, {"container_memory_ratio", 0.45}});
    const auto result = promtool_test(without_annotations(generate::alert_rules_yaml(config)), "alert_thresholds.test.yml");
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
}

TEST_CASE("the alerts' annotations render with the alert's labels and value") {
    const auto result = promtool_test(generate::alert_rules_yaml(config::Config{}), "alert_annotations.test.yml");
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
}
