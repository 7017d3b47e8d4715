#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "agent/storage/crc32c.hpp"
#include "agent/storage/label_encoding.hpp"
#include "agent/storage/series.hpp"
#include "agent/storage/stale.hpp"
#include "agent/storage/wal_record.hpp"

using namespace autoscrape::storage;

TEST_CASE("CRC32C of the standard check string is 0xE3069283")
{
    const char* s = "123456789";
    CHECK(crc32c(0, s, 9) == 0xE3069283U);
    CHECK(crc32c_portable(0, s, 9) == 0xE3069283U);
}

TEST_CASE("CRC32C gives the same result on the fast path, the table path and in pieces")
{
    std::string data(300, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>(i * 37 + 11);
    }
    for (std::size_t len = 0; len <= data.size(); len += 7) {
        for (std::size_t off = 0; off < 8 && off <= len; ++off) {
            const auto whole = crc32c_portable(0, data.data() + off, len - off);
            REQUIRE(crc32c(0, data.data() + off, len - off) == whole);
            const std::size_t half = (len - off) / 2;
            REQUIRE(crc32c(crc32c(0, data.data() + off, half), data.data() + off + half, len - off - half) ==
                    whole);
        }
    }
}

TEST_CASE("Label sets are sorted bytewise, as the remote-write spec orders them, and empty values dropped")
{
    // Upper-case letters sort before '_', so "Alpha" precedes __name__, as in Prometheus.
    Labels labels{{"zone", "b"}, {"Alpha", "x"}, {"__name__", "up"}, {"empty", ""}, {"job", "j"}, {"_Z", "z"}};
    sort_labels(labels);
    CHECK(labels == Labels{{"Alpha", "x"}, {"_Z", "z"}, {"__name__", "up"}, {"job", "j"}, {"zone", "b"}});
}

TEST_CASE("Different label sets never share an encoding even when their bytes concatenate alike")
{
    const auto encoded = [](const Labels& labels) {
        std::string out;
        encode_labels(labels, out);
        return out;
    };
    CHECK(encoded({{"a", "bc"}}) != encoded({{"ab", "c"}}));
    CHECK(encoded({{"a", "b"}, {"c", "d"}}) != encoded({{"a", "bcd"}}));
    // Order and empty values do not matter: the encoding is of the canonical set.
    CHECK(encoded({{"b", "2"}, {"a", "1"}, {"c", ""}}) == encoded({{"a", "1"}, {"b", "2"}}));
}

TEST_CASE("A label set comes back from its encoding unchanged, and damaged bytes are refused")
{
    const Labels labels{{"__name__", "up"}, {"instance", std::string(300, 'i')}, {"job", "j\n\"x"}};
    std::string key;
    encode_labels(labels, key);
    CHECK(decode_labels(key) == labels);
    CHECK(decode_labels("").empty());
    CHECK_THROWS_AS(decode_labels(key.substr(0, key.size() - 1)), std::invalid_argument);
    CHECK_THROWS_AS(decode_labels(key.substr(0, 2)), std::invalid_argument);
    CHECK_THROWS_AS(decode_labels("\x0a\x80"), std::invalid_argument);  // a length cut short
    CHECK_THROWS_AS(decode_labels(std::string("\x12\x00", 2)), std::invalid_argument);  // not a Label field
    // A Label with bytes after its value, or a name without a value, is not one this encoder writes;
    // nor is anything but a Label after a good one.
    CHECK_THROWS_AS(decode_labels(std::string("\x0a\x07\x0a\x01" "a\x12\x01" "bx", 9)), std::invalid_argument);
    CHECK_THROWS_AS(decode_labels(std::string("\x0a\x06\x0a\x01" "a\x12\x01" "b", 8) + "x"),
                    std::invalid_argument);
    CHECK_THROWS_AS(decode_labels(std::string("\x0a\x03\x0a\x01" "a", 5)), std::invalid_argument);
    // The remote-write Label message: 0x0a, its length, then name and value as fields 1 and 2.
    std::string up;
    encode_labels({{"__name__", "up"}}, up);
    CHECK(up == std::string("\x0a\x0e\x0a\x08__name__\x12\x02up", 16));
}

TEST_CASE("StaleNaN is told apart from an ordinary NaN by its bits")
{
    CHECK(is_stale_nan(stale_nan()));
    CHECK(std::isnan(stale_nan()));
    CHECK_FALSE(is_stale_nan(std::numeric_limits<double>::quiet_NaN()));
    CHECK_FALSE(is_stale_nan(1.0));
}

TEST_CASE("A series record decodes to the series it was encoded from")
{
    const std::vector<SeriesEntry> in{{1, {{"__name__", "up"}, {"job", "x"}}}, {700000, {{"__name__", "q"}}}};
    std::vector<std::string> encoded(in.size());
    std::vector<SeriesRef> refs;
    for (std::size_t i = 0; i < in.size(); ++i) {
        encode_labels(in[i].labels, encoded[i]);
        refs.push_back(in[i].ref);
    }
    std::string buf;
    encode_series_record(buf, refs, [&](std::size_t i) -> std::string_view { return encoded[i]; });
    Frame frame;
    REQUIRE(parse_frame(buf, frame) == FrameStatus::Ok);
    CHECK(frame.size == buf.size());
    CHECK(frame.type == RecordType::Series);
    std::vector<SeriesEntry> out;
    REQUIRE(decode_series(frame.payload, out));
    REQUIRE(out.size() == 2);
    CHECK(out[0].ref == 1);
    CHECK(out[0].labels == in[0].labels);
    CHECK(out[1].ref == 700000);
    CHECK(out[1].labels == in[1].labels);
}

TEST_CASE("A series record refuses labels whose encoding is damaged")
{
    std::string labels;
    encode_labels({{"__name__", "up"}}, labels);
    labels.pop_back();
    const std::vector<SeriesRef> refs{1};
    std::string buf;
    CHECK_THROWS_AS(encode_series_record(buf, refs, [&](std::size_t) -> std::string_view { return labels; }),
                    std::invalid_argument);
}

TEST_CASE("A samples record round-trips refs and timestamps in any order and values bit for bit")
{
    const std::vector<Sample> in{{5, 1'700'000'000'000, 1.5},
                                 {2, 1'699'999'999'000, -0.0},
                                 {900, -5, stale_nan()},
                                 {1, std::numeric_limits<std::int64_t>::max(), 1e308}};
    std::string buf;
    encode_samples_record(buf, in);
    Frame frame;
    REQUIRE(parse_frame(buf, frame) == FrameStatus::Ok);
    std::vector<Sample> out;
    REQUIRE(decode_samples(frame.payload, out));
    REQUIRE(out.size() == in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        CHECK(out[i].ref == in[i].ref);
        CHECK(out[i].timestamp_ms == in[i].timestamp_ms);
        CHECK(std::memcmp(&out[i].value, &in[i].value, 8) == 0);
    }
    CHECK(samples_in_payload(frame.payload) == 4);
}

TEST_CASE("A frame cut short anywhere is incomplete and a flipped bit anywhere is corrupt")
{
    std::string buf;
    encode_samples_record(buf, std::vector<Sample>{{1, 10, 2.0}, {2, 20, 3.0}});
    Frame frame;
    for (std::size_t len = 0; len < buf.size(); ++len) {
        REQUIRE(parse_frame(std::string_view(buf).substr(0, len), frame) == FrameStatus::Incomplete);
    }
    // Bytes 1-4 are the length: a changed length reads as a shorter/longer frame, not a bad one.
    for (std::size_t i = 0; i < buf.size(); ++i) {
        if (i >= 1 && i <= 4) {
            continue;
        }
        std::string bad = buf;
        bad[i] = static_cast<char>(bad[i] ^ 0x10);
        REQUIRE(parse_frame(bad, frame) == FrameStatus::Corrupt);
    }
}

TEST_CASE("Malformed payloads are refused instead of read past their end")
{
    std::vector<SeriesEntry> series;
    std::vector<Sample> samples;
    CHECK_FALSE(decode_series(std::string_view("\x05\x01\x7f", 3), series));
    CHECK_FALSE(decode_samples(std::string_view("\xff\xff\xff\xff\x0f", 5), samples));
    CHECK_FALSE(decode_samples(std::string_view("\x01\x02\x02", 3), samples));
}
