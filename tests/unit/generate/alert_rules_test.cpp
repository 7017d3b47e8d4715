#include <set>
#include <stdexcept>

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/alert_rules.hpp"
#include "config/alert_thresholds.hpp"

using namespace autoscrape;
using generate::alert_rule_groups;
using generate::alert_rules_yaml;

namespace {

const generate::AlertRule& find_rule(const std::vector<generate::AlertRuleGroup>& groups, const std::string& alert,
                                     const std::string& severity = "") {
    for (const auto& g : groups) {
        for (const auto& r : g.rules) {
            if (r.alert == alert && (severity.empty() || r.severity == severity)) return r;
        }
    }
    throw std::runtime_error("no rule " + alert);
}

}  // namespace

TEST_CASE("every alert rule has a for duration, a known severity, a summary and a description") {
    std::size_t rules = 0;
    for (const auto& group : alert_rule_groups(config::Config{})) {
        for (const auto& rule : group.rules) {
            INFO(rule.alert);
            CHECK_FALSE(rule.for_duration.empty());
            CHECK(std::set<std::string>{"critical", "warning", "info"}.contains(rule.severity));
            CHECK_FALSE(rule.summary.empty());
            CHECK(rule.description.size() > rule.summary.size());
            ++rules;
        }
    }
    CHECK(rules >= 25);
}

TEST_CASE("the rules file parses back to the same groups and rules") {
    const auto groups = alert_rule_groups(config::Config{});
    const YAML::Node doc = YAML::Load(alert_rules_yaml(config::Config{}));
    REQUIRE(doc["groups"].size() == groups.size());
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto group = doc["groups"][g];
        CHECK(group["name"].as<std::string>() == groups[g].name);
        REQUIRE(group["rules"].size() == groups[g].rules.size());
        for (std::size_t r = 0; r < groups[g].rules.size(); ++r) {
            const auto& want = groups[g].rules[r];
            const auto rule = group["rules"][r];
            CHECK(rule["alert"].as<std::string>() == want.alert);
            CHECK(rule["expr"].as<std::string>() == want.expr);
            CHECK(rule["for"].as<std::string>() == want.for_duration);
            CHECK(rule["labels"]["severity"].as<std::string>() == want.severity);
            CHECK(rule["annotations"]["description"].as<std::string>() == want.description);
        }
    }
}

TEST_CASE("the CPU alert compares a rate with the threshold, never the counter") {
    const auto groups = alert_rule_groups(config::Config{});
    CHECK(find_rule(groups, "ProcessHighCpu").expr == "rate(process_cpu_seconds_total[5m]) > 0.8");
}

TEST_CASE("configured thresholds replace the defaults in the expressions") {
    config::Config c;
    c.generate.alert_thresholds = {{"process_cpu_cores", 1.5}, {"tls_cert_expiry_days", 30}, {"container_restarts", 5}};
    const auto groups = alert_rule_groups(c);
    CHECK(find_rule(groups, "ProcessHighCpu").expr == "rate(process_cpu_seconds_total[5m]) > 1.5");
    CHECK(find_rule(groups, "TLSCertificateExpiring", "warning").expr == "probe_ssl_earliest_cert_expiry - time() < 2592000");
    CHECK(find_rule(groups, "TLSCertificateExpiring", "critical").expr == "probe_ssl_earliest_cert_expiry - time() < 259200");
    CHECK(find_rule(groups, "ContainerRestarting").expr == "changes(container_start_time_seconds[15m]) > 5");
}

TEST_CASE("an unknown threshold name is an error that names it") {
    config::Config c;
    c.generate.alert_thresholds = {{"cpu_cores", 1.0}};
    CHECK_THROWS_WITH(alert_rules_yaml(c), Catch::Contains("unknown threshold 'cpu_cores'"));
}

TEST_CASE("every threshold in the table changes some rule and its default lies within its bounds") {
    const std::string defaults = alert_rules_yaml(config::Config{});
    for (const auto& t : config::alert_threshold_table()) {
        INFO(t.name);
        CHECK(t.min <= t.default_value);
        CHECK(t.default_value <= t.max);
        config::Config c;
        c.generate.alert_thresholds[std::string(t.name)] = (t.min + t.default_value) / 2;
        CHECK(alert_rules_yaml(c) != defaults);
    }
}

TEST_CASE("service alerts follow a renamed profile job, and the generic probe alert leaves it out") {
    config::Config c;
    config::Profile pg;
    pg.name = "postgresql";
    pg.job = "db \"main\"";
    c.profiles.push_back(pg);
    const auto groups = alert_rule_groups(c);
    CHECK(find_rule(groups, "PostgreSQLUnreachable").expr == "probe_success{job=\"db \\\"main\\\"\"} == 0");
    CHECK_THAT(find_rule(groups, "ProbeFailing").expr, Catch::StartsWith("probe_success{job!~\"db \\\"main\\\"|minio|"));
}

TEST_CASE("regex_quote escapes RE2 metacharacters and promql_string escapes quotes and backslashes") {
    CHECK(generate::regex_quote("a.b+c(d)|e") == "a\\.b\\+c\\(d\\)\\|e");
    CHECK(generate::promql_string("x\"y\\z") == "\"x\\\"y\\\\z\"");
}
