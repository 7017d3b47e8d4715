// Captured and realistic bodies parse completely, with the sample counts they contain.
#include <catch2/catch.hpp>

#include "parse_helpers.hpp"

using namespace autoscrape::scrape;
using autoscrape::scrape::testing::parse_all;
using autoscrape::scrape::testing::read_data;

namespace {

std::size_t count_sample_lines(std::string_view body) {
    std::size_t n = 0;
    bool line_start = true;
    for (const char c : body) {
        if (line_start && c != '#' && c != '\n') ++n;
        line_start = c == '\n';
    }
    return n;
}

}  // namespace

TEST_CASE("node_exporter 1.5.0's output parses into one series per sample line") {
    const std::string body = read_data("node_exporter-1.5.0.prom.txt");
    REQUIRE(body.size() > 10000);
    const auto out = parse_all(body, Format::PrometheusText);
    REQUIRE(out.error.empty());
    CHECK(out.series().size() == count_sample_lines(body));
    CHECK(out.series().size() == 550);
}

TEST_CASE("Prometheus 2.42.0's own metrics parse, metadata included") {
    const std::string body = read_data("prometheus-2.42.0.prom.txt");
    const auto out = parse_all(body, Format::PrometheusText);
    REQUIRE(out.error.empty());
    CHECK(out.series().size() == 271);
    std::size_t help = 0;
    std::size_t type = 0;
    for (const auto& e : out.entries) {
        help += e.kind == Entry::Help ? 1 : 0;
        type += e.kind == Entry::Type ? 1 : 0;
    }
    CHECK(help == type);
    CHECK(help > 100);
}

TEST_CASE("A histogram-heavy body parses with every bucket's le label") {
    const std::string body = read_data("histograms.prom.txt");
    const auto out = parse_all(body, Format::PrometheusText);
    REQUIRE(out.error.empty());
    const auto series = out.series();
    REQUIRE(series.size() == 2800);
    std::size_t buckets = 0;
    for (const auto& s : series) {
        if (s.name.ends_with("_bucket")) {
            ++buckets;
            REQUIRE(s.labels.size() == 3);
            CHECK(s.labels[2].first == "le");
        }
    }
    CHECK(buckets == 2400);
}

TEST_CASE("An OpenMetrics body with exemplars, units and every type parses to its samples") {
    const std::string body = read_data("openmetrics-exemplars.om.txt");
    const auto out = parse_all(body, Format::OpenMetrics);
    REQUIRE(out.error.empty());
    const auto series = out.series();
    REQUIRE(series.size() == 24);
    CHECK(series[0].timestamp == 1700000000500);
    CHECK(series[0].value == 1027);
    CHECK(series[21].labels[0].second == "a b\\c");
    std::size_t units = 0;
    for (const auto& e : out.entries) units += e.kind == Entry::Unit ? 1 : 0;
    CHECK(units == 2);
    CHECK(out.entries[2].text == "Requests served, by \"code\".\nSecond line.");
}

TEST_CASE("A body cut anywhere either parses or fails with a position inside it") {
    const std::string body = read_data("openmetrics-exemplars.om.txt");
    for (std::size_t cut = 0; cut < body.size(); cut += 7) {
        const std::string truncated = body.substr(0, cut);
        TextParser parser(truncated, Format::OpenMetrics);
        Entry e = Entry::Series;
        for (int i = 0; i < 1000 && e != Entry::Eof && e != Entry::Error; ++i) e = parser.next();
        REQUIRE(e == Entry::Error);
        CHECK(parser.error().line >= 1);
        CHECK(parser.error().line <= 38);
    }
}
