// Every PromQL expression of the generated dashboards checked by promtool, written as recording
// rules (Grafana's $__rate_interval replaced by a duration, as Grafana itself does before querying).
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/grafana.hpp"
#include "tests/integration/generate/tools.hpp"

using namespace autoscrape;
using namespace autoscrape::testing;

namespace {

std::string as_grafana_queries(std::string expr) {
    const std::string variable = "$__rate_interval";
    for (auto at = expr.find(variable); at != std::string::npos; at = expr.find(variable)) expr.replace(at, variable.size(), "1m");
    return expr;
}

// The expressions of every panel of every dashboard, with "<dashboard uid> / <panel title>".
std::vector<std::pair<std::string, std::string>> dashboard_queries(const config::Config& config) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& file : generate::grafana_provisioning(config)) {
        if (!file.relative_path.ends_with(".json")) continue;
        const auto dashboard = boost::json::parse(file.content).as_object();
        for (const auto& panel : dashboard.at("panels").as_array()) {
            for (const auto& target : panel.at("targets").as_array()) {
                out.emplace_back(std::string(dashboard.at("uid").as_string()) + " / " +
                                     std::string(panel.at("title").as_string()),
                                 std::string(target.at("expr").as_string()));
            }
        }
    }
    return out;
}

}  // namespace

TEST_CASE("promtool accepts every PromQL expression of the generated dashboards") {
    config::Config config;
    config::Profile renamed;  // a job that needs quoting in PromQL
    renamed.name = "postgresql";
    renamed.job = "db \"main\"";
    config.profiles.push_back(renamed);
    const auto queries = dashboard_queries(config);
    REQUIRE(queries.size() > 40);
    YAML::Emitter rules;
    rules << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    rules << YAML::Key << "name" << YAML::Value << "dashboards" << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        rules << YAML::BeginMap << YAML::Key << "record" << YAML::Value << "dashboard:query_" + std::to_string(i);
        rules << YAML::Key << "expr" << YAML::Value << as_grafana_queries(queries[i].second) << YAML::EndMap;
    }
    rules << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
    TempDir dir;
    write_file(dir.file("dashboards.yml"), rules.c_str());
    const auto result = run_tool("promtool", {"check", "rules", dir.file("dashboards.yml")});
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
    CHECK_THAT(result.out, Catch::Contains("SUCCESS: " + std::to_string(queries.size()) + " rules found"));
}
