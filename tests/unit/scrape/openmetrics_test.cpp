// OpenMetrics 1.0 text: what it adds to the text format and where it is stricter.
#include <catch2/catch.hpp>

#include "parse_helpers.hpp"

using namespace autoscrape::scrape;
using autoscrape::scrape::testing::parse_all;

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string om_error(std::string_view body) { return parse_all(body, Format::OpenMetrics).error; }

}  // namespace

TEST_CASE("An OpenMetrics body without '# EOF' is an error at its end") {
    CHECK(om_error("a 1\n") == "line 2, column 1: expected '# EOF', got end of input");
    CHECK(om_error("") == "line 1, column 1: expected '# EOF', got end of input");
}

TEST_CASE("Anything after '# EOF' is an error") {
    CHECK(om_error("a 1\n# EOF\nb 2\n") == "line 3, column 1: unexpected content after '# EOF'");
    CHECK(om_error("# EOF\n\n") == "line 2, column 1: unexpected content after '# EOF'");
    CHECK(om_error("# EOF junk\n") == "line 1, column 3: expected HELP, TYPE, UNIT or EOF after '# ', got 'E'");
}

TEST_CASE("'# EOF' may end the body with or without a newline") {
    CHECK(om_error("a 1\n# EOF") == "");
    CHECK(om_error("a 1\n# EOF\n") == "");
}

TEST_CASE("OpenMetrics timestamps are seconds with a fraction, returned as milliseconds") {
    const auto out = parse_all("a 1 1520879607.789\nb 2 -1.5\nc 3 1e3\n# EOF\n", Format::OpenMetrics);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 3);
    CHECK(out.entries[0].timestamp == 1520879607789);
    CHECK(out.entries[1].timestamp == -1500);
    CHECK(out.entries[2].timestamp == 1000000);
}

TEST_CASE("Timestamps that are not finite or overflow milliseconds are rejected") {
    CHECK(om_error("a 1 NaN\n# EOF\n") == "line 1, column 5: invalid timestamp \"NaN\"");
    CHECK(om_error("a 1 +Inf\n# EOF\n") == "line 1, column 5: invalid timestamp \"+Inf\"");
    CHECK(om_error("a 1 1e16\n# EOF\n") == "line 1, column 5: invalid timestamp \"1e16\"");
}

TEST_CASE("Exemplars are checked and dropped, leaving the sample's value and timestamp") {
    const auto out = parse_all(
        "foo_total{a=\"1\"} 17 1520879607.789 # {trace_id=\"KOO5S4vxi0o\"} 0.67 1520879602.123\n"
        "foo_bucket{le=\"1\"} 4 # {} 0.5\n"
        "# EOF\n",
        Format::OpenMetrics);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 2);
    CHECK(out.entries[0].labels == Labels{{"a", "1"}});
    CHECK(out.entries[0].value == 17);
    CHECK(out.entries[0].timestamp == 1520879607789);
    CHECK(out.entries[1].value == 4);
    CHECK_FALSE(out.entries[1].timestamp);
}

TEST_CASE("Malformed exemplars are rejected with their position") {
    CHECK(om_error("a 1 # trace 1\n# EOF\n") ==
          "line 1, column 7: expected '{' starting the exemplar's labels, got 't'");
    CHECK(om_error("a 1 # {x=\"1\"}\n# EOF\n") ==
          "line 1, column 14: expected ' ' before the exemplar's value, got end of line");
    CHECK(om_error("a 1 # {x=\"1\"} one\n# EOF\n") == "line 1, column 15: invalid exemplar value \"one\"");
    CHECK(om_error("a 1 #{x=\"1\"} 1\n# EOF\n") == "line 1, column 6: expected ' ' after '#', got '{'");
    CHECK(om_error("a 1 # {x=\"1\"} 1 2 3\n# EOF\n") == "line 1, column 18: expected end of line, got ' '");
}

TEST_CASE("UNIT gives the unit, which must be the metric name's last part") {
    TextParser parser("# UNIT req_seconds seconds\n# UNIT other \n# EOF\n", Format::OpenMetrics);
    REQUIRE(parser.next() == Entry::Unit);
    CHECK(parser.metric_name() == "req_seconds");
    CHECK(parser.unit() == "seconds");
    REQUIRE(parser.next() == Entry::Unit);
    CHECK(parser.unit().empty());
    CHECK(parser.next() == Entry::Eof);
    CHECK(om_error("# UNIT req_bytes seconds\n# EOF\n") ==
          "line 1, column 18: unit \"seconds\" is not a suffix of metric \"req_bytes\"");
    CHECK(om_error("# UNIT seconds seconds\n# EOF\n") ==
          "line 1, column 16: unit \"seconds\" is not a suffix of metric \"seconds\"");
}

TEST_CASE("OpenMetrics TYPE accepts its own types and not 'untyped'") {
    const auto out = parse_all(
        "# TYPE a gaugehistogram\n# TYPE b stateset\n# TYPE c info\n# TYPE d unknown\n# TYPE e counter\n# EOF\n",
        Format::OpenMetrics);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 5);
    CHECK(out.entries[0].type == MetricType::GaugeHistogram);
    CHECK(out.entries[1].type == MetricType::StateSet);
    CHECK(out.entries[2].type == MetricType::Info);
    CHECK(out.entries[3].type == MetricType::Unknown);
    CHECK(out.entries[4].type == MetricType::Counter);
    CHECK(om_error("# TYPE a untyped\n# EOF\n") == "line 1, column 10: invalid metric type \"untyped\"");
}

TEST_CASE("_created series are returned as ordinary series") {
    const auto out = parse_all("# TYPE foo counter\nfoo_total 1\nfoo_created 1520430000.123\n# EOF\n",
                               Format::OpenMetrics);
    REQUIRE(out.error.empty());
    const auto series = out.series();
    REQUIRE(series.size() == 2);
    CHECK(series[1].name == "foo_created");
    CHECK(series[1].value == 1520430000.123);
}

TEST_CASE("OpenMetrics HELP also unescapes quotes") {
    TextParser parser("# HELP foo say \\\"hi\\\"\\n\\\\\n# EOF\n", Format::OpenMetrics);
    REQUIRE(parser.next() == Entry::Help);
    CHECK(parser.help() == "say \"hi\"\n\\");
}

TEST_CASE("OpenMetrics allows no blank lines and no other comments") {
    CHECK(om_error("a 1\n\nb 2\n# EOF\n") == "line 2, column 1: expected metric name or '#', got end of line");
    CHECK(om_error("# a comment\n# EOF\n") ==
          "line 1, column 3: expected HELP, TYPE, UNIT or EOF after '# ', got 'a'");
    CHECK(om_error("#EOF\n") == "line 1, column 2: expected ' ' after '#', got 'E'");
}

TEST_CASE("OpenMetrics separators are single spaces") {
    CHECK(om_error("a  1\n# EOF\n") == "line 1, column 3: expected value, got ' '");
    CHECK(om_error("a\t1\n# EOF\n") == "line 1, column 2: expected '{' or ' ' after metric name, got '\\t'");
    CHECK(om_error("a {b=\"1\"} 1\n# EOF\n") == "line 1, column 3: invalid value \"{b=\"1\"}\"");
    CHECK(om_error("a{b = \"1\"} 1\n# EOF\n") == "line 1, column 4: expected '=' after label name, got ' '");
    CHECK(om_error("a 1 \n# EOF\n") == "line 1, column 5: invalid timestamp \"\"");
}

TEST_CASE("OpenMetrics label blocks take no trailing comma but may be empty") {
    CHECK(om_error("a{b=\"1\",} 1\n# EOF\n") == "line 1, column 9: expected label name, got '}'");
    const auto out = parse_all("a{} 1\n# EOF\n", Format::OpenMetrics);
    REQUIRE(out.error.empty());
    CHECK(out.entries[0].series == "a{}");
}
