#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "agent/generate/alertmanager.hpp"

using namespace autoscrape;

namespace {

std::vector<std::string> receiver_names(const YAML::Node& doc) {
    std::vector<std::string> names;
    for (const auto& r : doc["receivers"]) names.push_back(r["name"].as<std::string>());
    return names;
}

config::Config with_receivers(bool slack, bool pagerduty) {
    config::Config c;
    if (slack) c.generate.slack = config::SlackReceiver{config::Secret("https://hooks.slack.com/services/T/B/x"), "#ops"};
    if (pagerduty) c.generate.pagerduty = config::PagerDutyReceiver{config::Secret("key-123")};
    return c;
}

}  // namespace

TEST_CASE("without receivers every alert goes to the discard receiver") {
    const YAML::Node doc = YAML::Load(generate::alertmanager_yaml(config::Config{}));
    CHECK(receiver_names(doc) == std::vector<std::string>{"discard"});
    CHECK(doc["route"]["receiver"].as<std::string>() == "discard");
    CHECK_FALSE(doc["route"]["routes"]);
}

TEST_CASE("alerts group by alertname, job and instance") {
    const YAML::Node doc = YAML::Load(generate::alertmanager_yaml(config::Config{}));
    CHECK(doc["route"]["group_by"].as<std::vector<std::string>>() ==
          std::vector<std::string>{"alertname", "job", "instance"});
}

TEST_CASE("with Slack and PagerDuty, critical alerts page and continue to Slack, the rest go to Slack") {
    const YAML::Node doc = YAML::Load(generate::alertmanager_yaml(with_receivers(true, true)));
    CHECK(receiver_names(doc) == std::vector<std::string>{"discard", "slack", "pagerduty"});
    CHECK(doc["route"]["receiver"].as<std::string>() == "slack");
    const auto routes = doc["route"]["routes"];
    REQUIRE(routes.size() == 2);
    CHECK(routes[0]["receiver"].as<std::string>() == "pagerduty");
    CHECK(routes[0]["matchers"][0].as<std::string>() == "severity=\"critical\"");
    CHECK(routes[0]["continue"].as<bool>());
    CHECK(routes[1]["receiver"].as<std::string>() == "slack");
    CHECK_FALSE(routes[1]["matchers"]);
}

TEST_CASE("with PagerDuty only, warnings do not page") {
    const YAML::Node doc = YAML::Load(generate::alertmanager_yaml(with_receivers(false, true)));
    CHECK(doc["route"]["receiver"].as<std::string>() == "discard");
    REQUIRE(doc["route"]["routes"].size() == 1);
    CHECK(doc["route"]["routes"][0]["receiver"].as<std::string>() == "pagerduty");
    CHECK_FALSE(doc["route"]["routes"][0]["continue"]);
}

TEST_CASE("an inline secret is written inline, a secret from a file is referenced by its path") {
    auto c = with_receivers(true, true);
    YAML::Node doc = YAML::Load(generate::alertmanager_yaml(c));
    CHECK(doc["receivers"][1]["slack_configs"][0]["api_url"].as<std::string>() == "https://hooks.slack.com/services/T/B/x");
    CHECK(doc["receivers"][1]["slack_configs"][0]["channel"].as<std::string>() == "#ops");
    CHECK(doc["receivers"][2]["pagerduty_configs"][0]["routing_key"].as<std::string>() == "key-123");
    c.generate.slack->api_url = config::Secret("https://hooks.slack.com/services/T/B/y", "/run/secrets/slack_url");
    c.generate.pagerduty->routing_key = config::Secret("key-456", "/run/secrets/pd_key");
    const std::string text = generate::alertmanager_yaml(c);
    doc = YAML::Load(text);
    CHECK(doc["receivers"][1]["slack_configs"][0]["api_url_file"].as<std::string>() == "/run/secrets/slack_url");
    CHECK_FALSE(doc["receivers"][1]["slack_configs"][0]["api_url"]);
    CHECK(doc["receivers"][2]["pagerduty_configs"][0]["routing_key_file"].as<std::string>() == "/run/secrets/pd_key");
    CHECK(text.find("key-456") == std::string::npos);
    CHECK(text.find("services/T/B/y") == std::string::npos);
}

TEST_CASE("inhibition: critical hides warning, a down service hides its TargetDown, a down agent its probe targets") {
    const YAML::Node doc = YAML::Load(generate::alertmanager_yaml(config::Config{}));
    const auto rules = doc["inhibit_rules"];
    REQUIRE(rules.size() == 3);
    CHECK(rules[0]["source_matchers"][0].as<std::string>() == "severity=\"critical\"");
    CHECK(rules[0]["target_matchers"][0].as<std::string>() == "severity=\"warning\"");
    CHECK(rules[0]["equal"].as<std::vector<std::string>>() == std::vector<std::string>{"alertname", "instance"});
    CHECK_THAT(rules[1]["source_matchers"][0].as<std::string>(),
               Catch::StartsWith("alertname=~\"ProbeFailing|PostgreSQLUnreachable|MinIOUnreachable|"));
    CHECK(rules[1]["target_matchers"][0].as<std::string>() == "alertname=\"TargetDown\"");
    CHECK(rules[1]["equal"].as<std::vector<std::string>>() == std::vector<std::string>{"container"});
    CHECK(rules[2]["source_matchers"][0].as<std::string>() == "alertname=\"AutoscrapeDown\"");
    CHECK(rules[2]["target_matchers"].as<std::vector<std::string>>() ==
          std::vector<std::string>{"alertname=\"TargetDown\"", "module=~\".+\""});
}

TEST_CASE("a Slack api_url that is not an http(s) URL is an error naming the field, not the secret") {
    auto c = with_receivers(true, false);
    c.generate.slack->api_url = config::Secret("hooks.slack.com/services/T/B/s3cret");
    CHECK_THROWS_WITH(generate::alertmanager_yaml(c),
                      "generate.alertmanager.slack.api_url: expected an http:// or https:// URL (not shown: it is a secret)");
    c.generate.slack->api_url = config::Secret("https://hooks.slack.com/ s3cret", "/run/secrets/slack");
    CHECK_THROWS_WITH(generate::alertmanager_yaml(c), Catch::StartsWith("generate.alertmanager.slack.api_url_file: "));
}

TEST_CASE("an empty PagerDuty routing key file is an error naming the field") {
    auto c = with_receivers(false, true);
    c.generate.pagerduty->routing_key = config::Secret("", "/run/secrets/pd");
    CHECK_THROWS_WITH(generate::alertmanager_yaml(c), "generate.alertmanager.pagerduty.routing_key_file: is empty");
}
