#include <catch2/catch.hpp>

#include "config/units.hpp"

using namespace autoscrape::config;
using std::chrono::milliseconds;

TEST_CASE("Prometheus durations parse to milliseconds", "[units]") {
    const std::pair<const char*, std::int64_t> cases[] = {
        {"0", 0},
        {"15s", 15'000},
        {"1m30s", 90'000},
        {"500ms", 500},
        {"2h", 7'200'000},
        {"1d", 86'400'000},
        {"1w", 604'800'000},
        {"1y", 31'536'000'000},
        {"1y1w1d1h1m1s1ms", 32'230'861'001},
        {"90s", 90'000},
        {"0s", 0},
    };
    for (const auto& [text, millis] : cases) {
        INFO(text);
        const auto d = parse_duration(text);
        REQUIRE(d.has_value());
        CHECK(d->count() == millis);
    }
}

TEST_CASE("Durations outside Prometheus' grammar are rejected", "[units]") {
    const char* cases[] = {"", "abc", "15", "1.5s", "-1s", "1m1h", "1s1s", "1S", "1 s", "s", "1ms1s",
                           "15sec", "1h ", "99999999999999999999y", "300000000y"};
    for (const auto* text : cases) {
        INFO(text);
        CHECK_FALSE(parse_duration(text).has_value());
    }
}

TEST_CASE("Durations format canonically and read back unchanged", "[units]") {
    CHECK(format_duration(milliseconds(0)) == "0s");
    CHECK(format_duration(milliseconds(90'000)) == "1m30s");
    CHECK(format_duration(milliseconds(30)) == "30ms");
    CHECK(format_duration(milliseconds(86'400'000 + 1)) == "1d1ms");
    for (const std::int64_t ms : {1LL, 999LL, 61'001LL, 31'536'000'000LL + 7}) {
        CHECK(parse_duration(format_duration(milliseconds(ms))) == milliseconds(ms));
    }
}

TEST_CASE("Sizes parse with base-2 units as Prometheus' body_size_limit does", "[units]") {
    const std::pair<const char*, std::uint64_t> cases[] = {
        {"0", 0},
        {"1024", 1024},
        {"512MiB", 512ULL << 20},
        {"1GB", 1ULL << 30},
        {"100KB", 100ULL << 10},
        {"100KiB", 100ULL << 10},
        {"1B", 1},
        {"1.5KiB", 1536},
        {"1GB512MB", (1ULL << 30) + (512ULL << 20)},
        {"2TiB", 2ULL << 40},
        {"1EiB", 1ULL << 60},
    };
    for (const auto& [text, bytes] : cases) {
        INFO(text);
        const auto s = parse_size(text);
        REQUIRE(s.has_value());
        CHECK(*s == bytes);
    }
}

TEST_CASE("Sizes with unknown units, signs or overflow are rejected", "[units]") {
    const char* cases[] = {"", "abc", "1kB", "1 MB", "-1MB", "+1MB", "1mb", "MB", ".MB", "8EiB",
                           "99999999999999999999", "1.2.3MB", "1K"};
    for (const auto* text : cases) {
        INFO(text);
        CHECK_FALSE(parse_size(text).has_value());
    }
}

TEST_CASE("Sizes format with the largest exact binary unit", "[units]") {
    CHECK(format_size(0) == "0");
    CHECK(format_size(1ULL << 30) == "1GiB");
    CHECK(format_size(16ULL << 10) == "16KiB");
    CHECK(format_size(1000) == "1000");
    CHECK(parse_size(format_size(3ULL << 20)) == (3ULL << 20));
}
