#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include <snappy.h>

#include "agent/remote/headers.hpp"
#include "agent/remote/write_request.hpp"
#include "agent/storage/label_encoding.hpp"
#include "agent/storage/stale.hpp"
#include "remote.pb.h"

using namespace autoscrape;
using remote::Point;
using remote::WriteRequestEncoder;

namespace {

prometheus::WriteRequest decode(WriteRequestEncoder& enc)
{
    const auto compressed = enc.compress();
    std::string raw;
    REQUIRE(snappy::Uncompress(compressed.data(), compressed.size(), &raw));
    REQUIRE(raw == enc.protobuf());
    prometheus::WriteRequest req;
    REQUIRE(req.ParseFromString(raw));
    return req;
}

std::uint64_t bits(double v)
{
    std::uint64_t b;
    std::memcpy(&b, &v, 8);
    return b;
}

}  // namespace

TEST_CASE("One series decodes with the protoc-generated classes exactly as given")
{
    WriteRequestEncoder enc;
    const std::vector<Point> points{{1'700'000'000'123, 42.5}, {1'700'000'015'123, -1}};
    enc.add_series({{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}}, points);
    const auto req = decode(enc);
    REQUIRE(req.timeseries_size() == 1);
    const auto& ts = req.timeseries(0);
    REQUIRE(ts.labels_size() == 3);
    CHECK(ts.labels(0).name() == "__name__");
    CHECK(ts.labels(0).value() == "http_requests_total");
    CHECK(ts.labels(1).name() == "code");
    CHECK(ts.labels(2).value() == "api");
    REQUIRE(ts.samples_size() == 2);
    CHECK(ts.samples(0).timestamp() == 1'700'000'000'123);
    CHECK(ts.samples(0).value() == 42.5);
    CHECK(ts.samples(1).value() == -1);
}

TEST_CASE("Labels go out sorted in lexicographical order, as the spec requires, whatever order they come in")
{
    WriteRequestEncoder enc;
    const std::vector<Point> one{{1, 1}};
    enc.add_series({{"zone", "z"}, {"Instance", "i"}, {"__name__", "up"}, {"job", "j"}}, one);
    const auto ts = decode(enc).timeseries(0);
    REQUIRE(ts.labels_size() == 4);
    // Cortex and Mimir refuse a series whose names are out of order ("labels not sorted"); an
    // upper-case name comes before __name__.
    CHECK(ts.labels(0).name() == "Instance");
    CHECK(ts.labels(1).name() == "__name__");
    CHECK(ts.labels(2).name() == "job");
    CHECK(ts.labels(3).name() == "zone");
}

TEST_CASE("Labels with empty values are not sent")
{
    WriteRequestEncoder enc;
    const std::vector<Point> one{{1, 1}};
    enc.add_series({{"__name__", "up"}, {"empty", ""}, {"job", "j"}}, one);
    const auto ts = decode(enc).timeseries(0);
    REQUIRE(ts.labels_size() == 2);
    CHECK(ts.labels(1).name() == "job");
}

TEST_CASE("StaleNaN, negative zero and extreme timestamps keep their exact bits on the wire")
{
    WriteRequestEncoder enc;
    const std::vector<Point> points{{-1, storage::stale_nan()},
                                    {0, -0.0},
                                    {std::numeric_limits<std::int64_t>::max(), 1e-300},
                                    {std::numeric_limits<std::int64_t>::min(), 0}};
    enc.add_series({{"__name__", "x"}}, points);
    const auto ts = decode(enc).timeseries(0);
    REQUIRE(ts.samples_size() == 4);
    for (int i = 0; i < 4; ++i) {
        CHECK(ts.samples(i).timestamp() == points[static_cast<std::size_t>(i)].timestamp_ms);
        CHECK(bits(ts.samples(i).value()) == bits(points[static_cast<std::size_t>(i)].value));
    }
    CHECK(storage::is_stale_nan(ts.samples(0).value()));
}

TEST_CASE("Thousands of series with random labels and values decode exactly")
{
    std::mt19937_64 rng(7);
    WriteRequestEncoder enc;
    std::vector<storage::Labels> all_labels;
    std::vector<std::vector<Point>> all_points;
    for (int s = 0; s < 3000; ++s) {
        storage::Labels labels{{"__name__", "metric_" + std::to_string(rng() % 50)},
                               {"instance", std::string(rng() % 300, 'x') + std::to_string(s)}};
        std::vector<Point> points(1 + rng() % 3);
        for (auto& p : points) {
            p = {static_cast<std::int64_t>(rng()), std::bit_cast<double>(rng())};
        }
        enc.add_series(labels, points);
        all_labels.push_back(std::move(labels));
        all_points.push_back(std::move(points));
    }
    const auto req = decode(enc);
    REQUIRE(req.timeseries_size() == 3000);
    CHECK(enc.series_count() == 3000);
    for (int s = 0; s < 3000; ++s) {
        const auto& ts = req.timeseries(s);
        const auto& want = all_points[static_cast<std::size_t>(s)];
        REQUIRE(ts.labels(1).value() == all_labels[static_cast<std::size_t>(s)][1].second);
        REQUIRE(ts.samples_size() == static_cast<int>(want.size()));
        for (std::size_t i = 0; i < want.size(); ++i) {
            REQUIRE(ts.samples(static_cast<int>(i)).timestamp() == want[i].timestamp_ms);
            REQUIRE(bits(ts.samples(static_cast<int>(i)).value()) == bits(want[i].value));
        }
    }
}

TEST_CASE("An empty request and a series without samples encode to nothing")
{
    WriteRequestEncoder enc;
    enc.add_series({{"__name__", "up"}}, std::span<const Point>{});
    CHECK(enc.series_count() == 0);
    CHECK(enc.protobuf().empty());
    CHECK(decode(enc).timeseries_size() == 0);
}

TEST_CASE("clear starts a new request and reuses the buffers")
{
    WriteRequestEncoder enc;
    const std::vector<Point> one{{1, 1}};
    enc.add_series({{"__name__", "a"}}, one);
    enc.add_series({{"__name__", "b"}}, one);
    const auto first_data = enc.protobuf().data();
    enc.clear();
    enc.add_series({{"__name__", "c"}}, one);
    CHECK(enc.protobuf().data() == first_data);
    const auto req = decode(enc);
    REQUIRE(req.timeseries_size() == 1);
    CHECK(req.timeseries(0).labels(0).value() == "c");
}

TEST_CASE("Remote-write requests carry the protocol 1.0 headers")
{
    const auto headers = remote::remote_write_headers();
    const auto find = [&](std::string_view name) {
        for (const auto& h : headers) {
            if (h.name == name) {
                return h.value;
            }
        }
        return std::string_view{};
    };
    CHECK(find("Content-Encoding") == "snappy");
    CHECK(find("Content-Type") == "application/x-protobuf");
    CHECK(find("X-Prometheus-Remote-Write-Version") == "0.1.0");
    CHECK(find("User-Agent").starts_with("autoscrape/"));
    CHECK(find("User-Agent").size() > std::string_view("autoscrape/").size());
}

TEST_CASE("Labels encoded once give the same request as labels encoded per series")
{
    const storage::Labels labels{{"job", "api"}, {"__name__", "up"}, {"empty", ""}, {"instance", "a:1"}};
    const Point points[] = {{1000, 1.5}, {2000, 2.5}};
    WriteRequestEncoder per_series;
    per_series.add_series(labels, points);
    per_series.add_series(labels, points);

    std::string encoded;
    storage::encode_labels(labels, encoded);
    WriteRequestEncoder once;
    once.add_series(encoded, points);
    once.add_series(encoded, points);

    CHECK(once.protobuf() == per_series.protobuf());
    const auto req = decode(once);
    REQUIRE(req.timeseries_size() == 2);
    const auto& ts = req.timeseries(1);
    REQUIRE(ts.labels_size() == 3);
    CHECK(ts.labels(0).value() == "up");
    CHECK(ts.labels(1).name() == "instance");
    CHECK(ts.labels(2).value() == "api");
    REQUIRE(ts.samples_size() == 2);
    CHECK(ts.samples(1).value() == 2.5);
}

TEST_CASE("A request larger than the encoder's first buffer keeps every byte it was given")
{
    // The buffer grows by copying; a series written before a growth must come out unchanged.
    WriteRequestEncoder enc;
    const Point one[] = {{7, 7}};
    const std::string big(100'000, 'v');
    enc.add_series({{"__name__", "first"}}, one);
    enc.add_series({{"__name__", "big"}, {"payload", big}}, one);
    enc.add_series({{"__name__", "last"}}, one);
    const auto req = decode(enc);
    REQUIRE(req.timeseries_size() == 3);
    CHECK(req.timeseries(0).labels(0).value() == "first");
    CHECK(req.timeseries(1).labels(1).value() == big);
    CHECK(req.timeseries(2).labels(0).value() == "last");
}
