#include <catch2/catch.hpp>

#include "config/diagnostic.hpp"

using namespace autoscrape::config;

TEST_CASE("A diagnostic reads file:line:column: message", "[diagnostic]") {
    CHECK(format_diagnostic({"a.yaml", 3, 7, "boom"}) == "a.yaml:3:7: boom");
    CHECK(format_diagnostic({"a.yaml", 0, 0, "cannot open"}) == "a.yaml: cannot open");
}

TEST_CASE("ConfigError's text has one line per diagnostic", "[diagnostic]") {
    const ConfigError e({{"a.yaml", 1, 2, "first"}, {"a.yaml", 5, 1, "second"}});
    CHECK(std::string(e.what()) == "a.yaml:1:2: first\na.yaml:5:1: second");
    CHECK(e.diagnostics.size() == 2);
}

TEST_CASE("The closest key is found by edit distance, transposition or prefix", "[diagnostic]") {
    const std::vector<std::string> keys{"scrape_interval", "scrape_timeout", "external_labels"};
    CHECK(closest_key("scrape_intervall", keys) == "scrape_interval");
    CHECK(closest_key("scrape_itnerval", keys) == "scrape_interval");
    CHECK(closest_key("scrape_timout", keys) == "scrape_timeout");
    CHECK(closest_key("external", keys) == "external_labels");
    CHECK(closest_key("completely_different", keys).empty());
    CHECK(closest_key("", keys).empty());
}
