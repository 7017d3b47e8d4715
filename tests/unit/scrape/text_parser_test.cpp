// Prometheus text format 0.0.4: valid vectors, then every rejection with its position.
#include <bit>
#include <cmath>

#include <catch2/catch.hpp>

#include "parse_helpers.hpp"

using namespace autoscrape::scrape;
using autoscrape::scrape::testing::parse_all;

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string text_error(std::string_view body) { return parse_all(body, Format::PrometheusText).error; }

}  // namespace

TEST_CASE("A sample without labels yields its name, value and no timestamp") {
    const auto out = parse_all("up 1\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 1);
    CHECK(out.entries[0].kind == Entry::Series);
    CHECK(out.entries[0].name == "up");
    CHECK(out.entries[0].series == "up");
    CHECK(out.entries[0].value == 1);
    CHECK_FALSE(out.entries[0].timestamp);
}

TEST_CASE("Labels come back in input order and the series span covers name and label block") {
    const auto out = parse_all("http_requests_total{method=\"post\",code=\"200\"} 1027\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 1);
    CHECK(out.entries[0].series == "http_requests_total{method=\"post\",code=\"200\"}");
    CHECK(out.entries[0].labels == Labels{{"method", "post"}, {"code", "200"}});
    CHECK(out.entries[0].value == 1027);
}

TEST_CASE("Escaped backslash, quote and newline in label values are unescaped") {
    const auto out = parse_all(R"(msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9)" "\n",
                               Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 1);
    CHECK(out.entries[0].labels ==
          Labels{{"path", "C:\\DIR\\FILE.TXT"}, {"error", "Cannot find file:\n\"FILE.TXT\""}});
    CHECK(out.entries[0].value == 1.458255915e9);
}

TEST_CASE("Label values without escapes are views into the body, not copies") {
    const std::string body = "a{x=\"plain\",y=\"esc\\\\aped\"} 1\n";
    TextParser parser(body, Format::PrometheusText);
    REQUIRE(parser.next() == Entry::Series);
    const std::string_view plain = parser.label(0).value;
    CHECK(plain == "plain");
    CHECK(plain.data() >= body.data());
    CHECK(plain.data() < body.data() + body.size());
    CHECK(parser.label(1).value == "esc\\aped");
    CHECK(parser.metric_name().data() == body.data());
}

TEST_CASE("HELP text unescapes backslash and newline only, as in the text format") {
    const auto out = parse_all("# HELP foo A \\\\ B\\nC \\\" D\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 1);
    CHECK(out.entries[0].kind == Entry::Help);
    CHECK(out.entries[0].name == "foo");
    CHECK(out.entries[0].text == "A \\ B\nC \\\" D");
}

TEST_CASE("TYPE lines report every text-format type, untyped as unknown") {
    const auto out = parse_all("# TYPE a counter\n# TYPE b gauge\n# TYPE c histogram\n# TYPE d summary\n# TYPE e untyped\n",
                               Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 5);
    CHECK(out.entries[0].type == MetricType::Counter);
    CHECK(out.entries[1].type == MetricType::Gauge);
    CHECK(out.entries[2].type == MetricType::Histogram);
    CHECK(out.entries[3].type == MetricType::Summary);
    CHECK(out.entries[4].type == MetricType::Unknown);
    CHECK(out.entries[4].name == "e");
}

TEST_CASE("NaN and infinities parse, and every NaN becomes Prometheus' canonical NaN") {
    const auto out = parse_all("a NaN\nb +Inf\nc -Inf\nd nan\ne -inf\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 5);
    CHECK(std::bit_cast<std::uint64_t>(out.entries[0].value) == kNormalNaN);
    CHECK(std::bit_cast<std::uint64_t>(out.entries[3].value) == kNormalNaN);
    CHECK(out.entries[1].value == INFINITY);
    CHECK(out.entries[2].value == -INFINITY);
    CHECK(out.entries[4].value == -INFINITY);
}

TEST_CASE("Millisecond timestamps are returned as written, negative ones included") {
    const auto out = parse_all("a 1 1395066363000\nb{x=\"y\"} 2 -1\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 2);
    CHECK(out.entries[0].timestamp == 1395066363000);
    CHECK(out.entries[1].timestamp == -1);
}

TEST_CASE("Blank lines, blank-only lines and surrounding blanks are allowed in the text format") {
    const auto out = parse_all("\n  \t\n  a 1  \n\nb\t{x = \"1\" , } \t 2\t3\n\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 2);
    CHECK(out.entries[1].labels == Labels{{"x", "1"}});
    CHECK(out.entries[1].value == 2);
    CHECK(out.entries[1].timestamp == 3);
}

TEST_CASE("Comments other than HELP and TYPE are Comment entries with their text") {
    TextParser parser("# just a note\n#HELP not metadata\n# UNIT foo seconds\n", Format::PrometheusText);
    REQUIRE(parser.next() == Entry::Comment);
    CHECK(parser.comment() == "just a note");
    REQUIRE(parser.next() == Entry::Comment);
    CHECK(parser.comment() == "HELP not metadata");
    REQUIRE(parser.next() == Entry::Comment);
    CHECK(parser.comment() == "UNIT foo seconds");
    CHECK(parser.next() == Entry::Eof);
}

TEST_CASE("A text body may end without a final newline") {
    const auto out = parse_all("a 1\nb 2", Format::PrometheusText);
    REQUIRE(out.error.empty());
    REQUIRE(out.entries.size() == 2);
    CHECK(out.entries[1].value == 2);
}

TEST_CASE("Histogram and summary families come back as their plain series") {
    const auto out = parse_all(
        "# TYPE rpc summary\nrpc{quantile=\"0.5\"} 4773\nrpc_sum 1.7560473e+07\nrpc_count 2693\n"
        "# TYPE lat histogram\nlat_bucket{le=\"0.05\"} 24054\nlat_bucket{le=\"+Inf\"} 144320\nlat_sum 53423\nlat_count 144320\n",
        Format::PrometheusText);
    REQUIRE(out.error.empty());
    const auto series = out.series();
    REQUIRE(series.size() == 7);
    CHECK(series[0].labels == Labels{{"quantile", "0.5"}});
    CHECK(series[4].name == "lat_bucket");
    CHECK(series[4].labels == Labels{{"le", "+Inf"}});
    CHECK(series[6].name == "lat_count");
}

TEST_CASE("Values Go's ParseFloat rejects are errors, underflow is zero") {
    CHECK(text_error("a 0x1p3\n") == "line 1, column 3: invalid value \"0x1p3\"");
    CHECK(text_error("a 1_000\n") == "line 1, column 3: invalid value \"1_000\"");
    CHECK(text_error("a nan(1)\n") == "line 1, column 3: invalid value \"nan(1)\"");
    CHECK(text_error("a 1e400\n") == "line 1, column 3: invalid value \"1e400\"");
    CHECK(text_error("a --1\n") == "line 1, column 3: invalid value \"--1\"");
    const auto out = parse_all("a 1e-400\n", Format::PrometheusText);
    REQUIRE(out.error.empty());
    CHECK(out.entries[0].value == 0);
}

TEST_CASE("Malformed label blocks are rejected with line, column and expectation") {
    CHECK(text_error("a 1\nb 2\nfoo{bar=\"1\",baz} 1\n") ==
          "line 3, column 16: expected '=' after label name, got '}'");
    CHECK(text_error("foo{1a=\"x\"} 1\n") == "line 1, column 5: expected label name or '}', got '1'");
    CHECK(text_error("foo{a=x} 1\n") == "line 1, column 7: expected '\"' starting the label value, got 'x'");
    CHECK(text_error("foo{a=\"x\" b=\"y\"} 1\n") ==
          "line 1, column 11: expected ',' or '}' after label value, got 'b'");
    CHECK(text_error("foo{a=\"x\n") == "line 1, column 9: unterminated label value");
    CHECK(text_error("foo{a=\"x\\") == "line 1, column 10: unterminated label value");
    CHECK(text_error("foo{a=\"x\"") == "line 1, column 10: expected ',' or '}' after label value, got end of input");
}

TEST_CASE("Malformed sample lines are rejected with line, column and expectation") {
    CHECK(text_error("foo\n") == "line 1, column 4: expected '{' or ' ' after metric name, got end of line");
    CHECK(text_error("foo-bar 1\n") == "line 1, column 4: expected '{' or ' ' after metric name, got '-'");
    CHECK(text_error("foo{}1\n") == "line 1, column 6: expected ' ' before value, got '1'");
    CHECK(text_error("foo \n") == "line 1, column 5: expected value, got end of line");
    CHECK(text_error("1foo 1\n") == "line 1, column 1: expected metric name or '#', got '1'");
    CHECK(text_error("foo 1 12x\n") == "line 1, column 7: invalid timestamp \"12x\"");
    CHECK(text_error("foo 1 12 13\n") == "line 1, column 10: expected end of line after timestamp, got '1'");
    CHECK(text_error("foo 1 99999999999999999999\n") ==
          "line 1, column 7: invalid timestamp \"99999999999999999999\"");
}

TEST_CASE("Malformed metadata lines are rejected with line, column and expectation") {
    CHECK(text_error("# TYPE foo bar\n") == "line 1, column 12: invalid metric type \"bar\"");
    CHECK(text_error("# TYPE foo gaugehistogram\n") == "line 1, column 12: invalid metric type \"gaugehistogram\"");
    CHECK(text_error("# TYPE foo\n") == "line 1, column 11: invalid metric type \"\"");
    CHECK(text_error("# HELP 9foo x\n") == "line 1, column 8: expected metric name after HELP, got '9'");
    CHECK(text_error("# HELP foo{ x\n") == "line 1, column 11: expected ' ' after metric name, got '{'");
    CHECK(text_error("# HELP foo \xff\n") == "line 1, column 12: help text is not valid UTF-8");
}

TEST_CASE("Invalid UTF-8 in a label value is rejected") {
    CHECK(text_error("a{b=\"\xc3\x28\"} 1\n") == "line 1, column 6: label value is not valid UTF-8");
    CHECK(text_error("a{b=\"\xed\xa0\x80\"} 1\n") == "line 1, column 6: label value is not valid UTF-8");
    CHECK(parse_all("a{b=\"h\xc3\xa9llo \xf0\x9f\x98\x80\"} 1\n", Format::PrometheusText).error.empty());
}

TEST_CASE("Control bytes are named by value in error messages") {
    CHECK(text_error("a\x01 1\n") == "line 1, column 2: expected '{' or ' ' after metric name, got byte 0x01");
}

TEST_CASE("Eof and Error are final and returned again on every later call") {
    TextParser ok("a 1\n", Format::PrometheusText);
    REQUIRE(ok.next() == Entry::Series);
    CHECK(ok.next() == Entry::Eof);
    CHECK(ok.next() == Entry::Eof);
    TextParser bad("a{ 1\nb 2\n", Format::PrometheusText);
    CHECK(bad.next() == Entry::Error);
    CHECK(bad.next() == Entry::Error);
    CHECK(bad.error().line == 1);
}

TEST_CASE("reset starts over on a new body and a new format") {
    TextParser parser("a{x=\"1\\n\"} 1\n", Format::PrometheusText);
    REQUIRE(parser.next() == Entry::Series);
    REQUIRE(parser.next() == Entry::Eof);
    parser.reset("b 2\n# EOF\n", Format::OpenMetrics);
    REQUIRE(parser.next() == Entry::Series);
    CHECK(parser.metric_name() == "b");
    CHECK(parser.label_count() == 0);
    CHECK(parser.next() == Entry::Eof);
}
