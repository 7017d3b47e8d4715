#include <catch2/catch.hpp>

#include "config/alert_thresholds.hpp"
#include "tests/unit/config/helpers.hpp"

using namespace autoscrape::config;
using autoscrape::config::test::errors_of;

TEST_CASE("A known alert threshold overrides its default", "[alert_thresholds]") {
    const auto c = load_config_string("generate:\n  alert_thresholds: {process_cpu_cores: 2, tls_cert_expiry_days: 30}\n",
                                      "test.yaml");
    CHECK(alert_threshold(c.generate, "process_cpu_cores") == Approx(2));
    CHECK(alert_threshold(c.generate, "tls_cert_expiry_days") == Approx(30));
    CHECK(alert_threshold(c.generate, "container_memory_ratio") == Approx(0.9));
}

TEST_CASE("A misspelt alert threshold is an error with its position and a hint", "[alert_thresholds]") {
    CHECK(errors_of("generate:\n  alert_thresholds: {container_memory_ration: 0.5}\n") ==
          "test.yaml:2:22: unknown field 'container_memory_ration' in generate.alert_thresholds; did you mean "
          "'container_memory_ratio'?");
}

TEST_CASE("An alert threshold outside its bounds is an error naming them", "[alert_thresholds]") {
    CHECK(errors_of("generate:\n  alert_thresholds: {container_memory_ratio: 1.5}\n") ==
          "test.yaml:2:46: generate.alert_thresholds.container_memory_ratio: must be between 0.01 and 1, got 1.5");
}

TEST_CASE("generate.grafana.dashboards_path must be absolute", "[alert_thresholds]") {
    CHECK(load_config_string("generate:\n  grafana: {dashboards_path: /srv/dash}\n", "test.yaml")
              .generate.grafana_dashboards_path == "/srv/dash");
    CHECK(errors_of("generate:\n  grafana: {dashboards_path: dash}\n") ==
          "test.yaml:2:30: generate.grafana.dashboards_path: must be an absolute path");
}

TEST_CASE("alert_threshold refuses a name the table lacks", "[alert_thresholds]") {
    CHECK_THROWS_AS(alert_threshold(GenerateConfig{}, "nope"), std::invalid_argument);
}
