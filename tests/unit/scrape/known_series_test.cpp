// The parser's fast paths for a scrape cache: a predicted ("known") series text skips label
// parsing, and plain decimals skip from_chars; both must give exactly what the full path gives.
#include <bit>
#include <charconv>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "agent/scrape/text_parser.hpp"
#include "agent/scrape/text_values.hpp"

using namespace autoscrape::scrape;

TEST_CASE("A known series text is matched without its labels and keeps value and timestamp") {
    const std::string body = "# TYPE m counter\nm{a=\"1\",b=\"x\\\"y\"} 17.5 1700000000000\nm{a=\"2\"} 3\n";
    TextParser parser(body, Format::PrometheusText);
    REQUIRE(parser.next("m{a=\"1\",b=\"x\\\"y\"}") == Entry::Type);
    CHECK_FALSE(parser.known_match());
    REQUIRE(parser.next("m{a=\"1\",b=\"x\\\"y\"}") == Entry::Series);
    CHECK(parser.known_match());
    CHECK(parser.series() == "m{a=\"1\",b=\"x\\\"y\"}");
    CHECK(parser.label_count() == 0);
    CHECK(parser.value() == 17.5);
    CHECK(parser.timestamp_ms() == 1'700'000'000'000);
    // A wrong prediction parses the line in full.
    REQUIRE(parser.next("m{a=\"1\",b=\"x\\\"y\"}") == Entry::Series);
    CHECK_FALSE(parser.known_match());
    CHECK(parser.series() == "m{a=\"2\"}");
    CHECK(parser.label_count() == 1);
    CHECK(parser.next("m{a=\"2\"}") == Entry::Eof);
}

TEST_CASE("A known bare name matches neither a longer name nor the same name with labels") {
    for (const std::string body : {"up_total 1\n", "up{a=\"1\"} 1\n", "up {a=\"1\"} 1\n"}) {
        TextParser parser(body, Format::PrometheusText);
        REQUIRE(parser.next("up") == Entry::Series);
        CHECK_FALSE(parser.known_match());
        CHECK(parser.series() != "up");
    }
    TextParser parser("up \t 1\n", Format::PrometheusText);
    REQUIRE(parser.next("up") == Entry::Series);
    CHECK(parser.known_match());
    CHECK(parser.metric_name() == "up");
    CHECK(parser.value() == 1);
}

TEST_CASE("Errors after a known series text are the ones the full parse reports") {
    for (const std::string body : {"m{a=\"1\"}\n", "m{a=\"1\"} x\n", "m{a=\"1\"} 1 2 3\n", "m\n", "m{a=\"1\"}1\n"}) {
        const std::string_view key = body.starts_with("m{") ? std::string_view("m{a=\"1\"}") : "m";
        TextParser full(body, Format::PrometheusText);
        TextParser fast(body, Format::PrometheusText);
        REQUIRE(full.next() == Entry::Error);
        REQUIRE(fast.next(key) == Entry::Error);
        CHECK(fast.error().to_string() == full.error().to_string());
    }
}

TEST_CASE("OpenMetrics lines with exemplars match a known series text") {
    const std::string body = "# TYPE h histogram\nh_bucket{le=\"1\"} 4 # {trace_id=\"a\"} 0.5 1.5\n# EOF\n";
    TextParser parser(body, Format::OpenMetrics);
    REQUIRE(parser.next("h_bucket{le=\"1\"}") == Entry::Type);
    REQUIRE(parser.next("h_bucket{le=\"1\"}") == Entry::Series);
    CHECK(parser.known_match());
    CHECK(parser.value() == 4);
    CHECK(parser.next() == Entry::Eof);
}

TEST_CASE("Plain decimals convert to exactly the double from_chars gives") {
    std::mt19937_64 rng(42);
    const auto check = [](const std::string& text) {
        double fast = 0;
        double reference = 0;
        REQUIRE(parse_float(text, fast));
        REQUIRE(std::from_chars(text.data(), text.data() + text.size(), reference).ec == std::errc());
        INFO(text);
        CHECK(std::bit_cast<std::uint64_t>(fast) == std::bit_cast<std::uint64_t>(reference));
    };
    for (const char* text : {"0", "0.0", "1", "0.1", "0.3", "123456.789", "999999999999999", "99999999999999.9",
                             "0.000000000000001", "1234567890123456", "1.7976931348623157", "5.", ".5", "007.50"}) {
        check(text);
    }
    for (int i = 0; i < 20'000; ++i) {
        std::string text = std::to_string(rng() % (i % 2 == 0 ? 1'000'000'000'000'000ULL : 1'000'000'000'000'000'000ULL));
        const auto point = rng() % (text.size() + 1);
        if (point < text.size()) text.insert(text.begin() + static_cast<std::ptrdiff_t>(point), '.');
        check(text);
    }
    double negative = 0;
    REQUIRE(parse_float("-2.25", negative));
    CHECK(negative == -2.25);
    double zero = 1;
    REQUIRE(parse_float("-0", zero));
    CHECK(std::signbit(zero));
}
