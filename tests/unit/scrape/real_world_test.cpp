// Captured and realistic bodies parse completely, with the sample counts they contain.
#include <bit>
#include <utility>

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

namespace {

// What a piece-by-piece parse must give: the same entries, the same error at the same line.
void check_same_in_pieces(std::string_view body, Format format, std::size_t lines_per_piece) {
    using autoscrape::scrape::testing::parse_pieces;
    using autoscrape::scrape::testing::pieces_of;
    const auto whole = parse_all(body, format);
    const auto pieces = pieces_of(body, lines_per_piece);
    const auto cut = parse_pieces(pieces, format);
    INFO("lines per piece " << lines_per_piece << ", pieces " << pieces.size());
    REQUIRE(cut.error == whole.error);
    REQUIRE(cut.entries.size() == whole.entries.size());
    for (std::size_t i = 0; i < whole.entries.size(); ++i) {
        const auto& a = whole.entries[i];
        const auto& b = cut.entries[i];
        INFO("entry " << i << ": " << a.series << a.name);
        CHECK((a.kind == b.kind && a.name == b.name && a.series == b.series && a.labels == b.labels &&
               a.timestamp == b.timestamp && a.text == b.text && a.type == b.type));
        CHECK(std::bit_cast<std::uint64_t>(a.value) == std::bit_cast<std::uint64_t>(b.value));
    }
}

}  // namespace

TEST_CASE("A body in pieces cut at line breaks parses as the whole body, in both formats") {
    const std::pair<const char*, Format> files[] = {{"node_exporter-1.5.0.prom.txt", Format::PrometheusText},
                                                    {"prometheus-2.42.0.prom.txt", Format::PrometheusText},
                                                    {"histograms.prom.txt", Format::PrometheusText},
                                                    {"openmetrics-exemplars.om.txt", Format::OpenMetrics}};
    for (const auto& [name, format] : files) {
        const std::string body = read_data(name);
        INFO(name);
        REQUIRE(!body.empty());
        for (const std::size_t lines : {1, 2, 7, 1000}) check_same_in_pieces(body, format, lines);
    }
}

TEST_CASE("A malformed body in pieces fails where the whole body fails, line numbers counted from its start") {
    const std::string om = read_data("openmetrics-exemplars.om.txt");
    for (std::size_t cut = 0; cut < om.size(); cut += 7) {
        for (const std::size_t lines : {1, 3}) check_same_in_pieces(om.substr(0, cut), Format::OpenMetrics, lines);
    }
    check_same_in_pieces("a 1\nb 2\nc{x=\"1\" 3\nd 4\n", Format::PrometheusText, 1);
    check_same_in_pieces("a 1\nb 2\nc 3 x\n", Format::PrometheusText, 2);
    const auto bad = parse_all("a 1\nb 2\nc{x=\"1\" 3\nd 4\n", Format::PrometheusText);
    CHECK_THAT(bad.error, Catch::StartsWith("line 3, column"));
}

TEST_CASE("In pieces, content after '# EOF' is refused even when it comes in a later piece") {
    using autoscrape::scrape::testing::parse_pieces;
    const auto out = parse_pieces({"a_total 1\n# EOF\n", "b 2\n"}, Format::OpenMetrics);
    CHECK(out.error == "line 3, column 1: unexpected content after '# EOF'");
    CHECK(parse_all("a_total 1\n# EOF\nb 2\n", Format::OpenMetrics).error == out.error);
    // An empty last piece after '# EOF' is the body's end.
    const auto fine = parse_pieces({"a_total 1\n# EOF\n", ""}, Format::OpenMetrics);
    CHECK(fine.error.empty());
    CHECK(fine.series().size() == 1);
    // Without '# EOF' the last piece ends the body too early.
    const auto missing = parse_pieces({"a_total 1\n", ""}, Format::OpenMetrics);
    CHECK(missing.error == "line 2, column 1: expected '# EOF', got end of input");
}
