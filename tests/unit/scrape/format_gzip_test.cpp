// Content negotiation and gzip bodies.
#include <zlib.h>

#include <catch2/catch.hpp>

#include "agent/scrape/format.hpp"
#include "agent/scrape/gzip.hpp"
#include "parse_helpers.hpp"

using namespace autoscrape::scrape;

namespace {

std::string gzip(std::string_view data) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

}  // namespace

TEST_CASE("An openmetrics-text Content-Type selects OpenMetrics whatever its case and parameters") {
    CHECK(format_from_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8") == Format::OpenMetrics);
    CHECK(format_from_content_type("Application/OpenMetrics-Text;version=0.0.1") == Format::OpenMetrics);
    CHECK(format_from_content_type("  application/openmetrics-text") == Format::OpenMetrics);
}

TEST_CASE("Any other or missing Content-Type falls back to the text format") {
    CHECK(format_from_content_type("text/plain; version=0.0.4; charset=utf-8") == Format::PrometheusText);
    CHECK(format_from_content_type("") == Format::PrometheusText);
    CHECK(format_from_content_type("application/json") == Format::PrometheusText);
    CHECK(format_from_content_type("application/openmetrics-textx") == Format::PrometheusText);
}

TEST_CASE("The Accept header prefers OpenMetrics 1.0.0 and still takes the text format") {
    const std::string_view accept = kAcceptHeader;
    CHECK(format_from_content_type(accept.substr(0, accept.find(','))) == Format::OpenMetrics);
    CHECK(accept.starts_with("application/openmetrics-text;version=1.0.0;q=0.4,"));
    CHECK(accept.find("text/plain;version=0.0.4;q=0.2") != std::string_view::npos);
    CHECK(accept.ends_with("*/*;q=0.1"));
}

TEST_CASE("A gzip body inflates to the original text") {
    const std::string text = "# TYPE a counter\na_total 1\n";
    const Decompressed out = decompress_gzip(gzip(text), 0);
    REQUIRE(out.ok());
    CHECK(out.body == text);
}

TEST_CASE("Concatenated gzip members inflate to the concatenated texts") {
    const Decompressed out = decompress_gzip(gzip("a 1\n") + gzip("b 2\n"), 0);
    REQUIRE(out.ok());
    CHECK(out.body == "a 1\nb 2\n");
}

TEST_CASE("A decoded body that reaches body_size_limit is an error, one byte under is not") {
    const std::string text(1000, 'x');
    const std::string packed = gzip(text);
    CHECK(decompress_gzip(packed, 1000).error == "gzip: body size limit of 1000 bytes exceeded");
    CHECK(decompress_gzip(packed, 1001).ok());
}

TEST_CASE("A gzip bomb stops at the limit without growing past it") {
    const std::string packed = gzip(std::string(64 << 20, '\0'));
    REQUIRE(packed.size() < (1 << 20));
    const Decompressed out = decompress_gzip(packed, 1 << 20);
    CHECK_FALSE(out.ok());
    CHECK(out.body.capacity() < (4 << 20));
}

TEST_CASE("Corrupt, truncated and empty gzip bodies are errors") {
    const std::string packed = gzip("a 1\nb 2\nc 3\n");
    CHECK(decompress_gzip(packed.substr(0, packed.size() / 2), 0).error == "gzip: unexpected end of compressed data");
    CHECK(decompress_gzip("not gzip at all", 0).error == "gzip: incorrect header check");
    CHECK(decompress_gzip("", 0).error == "gzip: empty body");
    CHECK_FALSE(decompress_gzip(packed + "trailing garbage", 0).ok());
}

TEST_CASE("The gzip capture of Prometheus' own metrics inflates and parses") {
    const Decompressed out = decompress_gzip(testing::read_data("prometheus-2.42.0.prom.txt.gz"), 10 << 20);
    REQUIRE(out.ok());
    CHECK(out.body.size() == 40069);
    const auto parsed = testing::parse_all(out.body, Format::PrometheusText);
    CHECK(parsed.error.empty());
    CHECK(parsed.series().size() > 250);
}
