// The generated Alertmanager config checked by amtool (Debian's prometheus-alertmanager):
// `check-config` accepts it for every receiver combination, and `config routes test` shows where
// alerts of each severity go.
#include <catch2/catch.hpp>

#include "agent/generate/alertmanager.hpp"
#include "config/loader.hpp"
#include "tests/integration/generate/tools.hpp"

using namespace autoscrape;
using namespace autoscrape::testing;

namespace {

struct Receivers {
    const char* name;
    const char* alertmanager_yaml;  // the generate.alertmanager section
    const char* critical_to;        // amtool's answer for a critical alert
    const char* warning_to;
};

constexpr Receivers kCombinations[] = {
    {"no receivers", "{}", "discard", "discard"},
    {"slack only", "{slack: {api_url: 'https://hooks.slack.com/services/T0/B0/x', channel: '#alerts'}}", "slack", "slack"},
    {"pagerduty only", "{pagerduty: {routing_key: 0123456789abcdef0123456789abcdef}}", "pagerduty", "discard"},
    {"slack and pagerduty",
     "{slack: {api_url: 'https://hooks.slack.com/services/T0/B0/x'}, pagerduty: {routing_key: 0123456789abcdef}}",
     "pagerduty,slack", "slack"},
};

config::Config load(const std::string& alertmanager_section) {
    return config::load_config_string("generate:\n  alertmanager: " + alertmanager_section + "\n", "test.yml");
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

// The receivers amtool routes an alert with `labels` to, comma-separated.
std::string route(const std::string& file, const std::string& severity) {
    const auto result = run_tool("amtool", {"config", "routes", "test", "--config.file=" + file, "alertname=TargetDown",
                                            "job=node", "instance=10.9.0.1:9100", "severity=" + severity});
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
    return first_line(result.out);
}

}  // namespace

TEST_CASE("amtool accepts the generated config and routes by severity, for every receiver combination") {
    for (const auto& c : kCombinations) {
        SECTION(c.name) {
            TempDir dir;
            write_file(dir.file("alertmanager.yml"), generate::alertmanager_yaml(load(c.alertmanager_yaml)));
            const auto result = run_tool("amtool", {"check-config", dir.file("alertmanager.yml")});
            INFO(describe(result));
            REQUIRE(result.exit_code == 0);
            CHECK_THAT(result.out, Catch::Contains("SUCCESS") && Catch::Contains("3 inhibit rules"));
            CHECK(route(dir.file("alertmanager.yml"), "critical") == c.critical_to);
            CHECK(route(dir.file("alertmanager.yml"), "warning") == c.warning_to);
            CHECK(route(dir.file("alertmanager.yml"), "info") == c.warning_to);
        }
    }
}

TEST_CASE("secrets given as files are referenced by path, not copied into the Alertmanager config") {
    TempDir dir;
    write_file(dir.file("slack_url"), "https://hooks.slack.com/services/T0/B0/secret-part\n");
    write_file(dir.file("routing_key"), "secret-routing-key\n");
    const auto config = load("{slack: {api_url_file: " + dir.file("slack_url") + "}, pagerduty: {routing_key_file: " +
                             dir.file("routing_key") + "}}");
    const std::string yaml = generate::alertmanager_yaml(config);
    CHECK_THAT(yaml, Catch::Contains("api_url_file: " + dir.file("slack_url")));
    CHECK_THAT(yaml, Catch::Contains("routing_key_file: " + dir.file("routing_key")));
    CHECK_THAT(yaml, !Catch::Contains("secret-part") && !Catch::Contains("secret-routing-key"));
    write_file(dir.file("alertmanager.yml"), yaml);
    const auto result = run_tool("amtool", {"check-config", dir.file("alertmanager.yml")});
    INFO(describe(result));
    CHECK(result.exit_code == 0);
}

TEST_CASE("a receiver without its URL or key is a config error that names the field") {
    const auto message = [](const std::string& section) {
        try {
            load(section);
        } catch (const config::ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(message("{slack: {channel: '#alerts'}}"),
               Catch::Contains("generate.alertmanager.slack") && Catch::Contains("missing 'api_url' or 'api_url_file'"));
    CHECK_THAT(message("{pagerduty: {}}"), Catch::Contains("missing 'routing_key' or 'routing_key_file'"));
}
