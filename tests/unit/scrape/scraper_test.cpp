// The scrape HTTP client's body routing against a real HTTP server on loopback: a 200 body streams
// to a BodySink in pieces that end at line breaks; other bodies are read whole.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "agent/scrape/scraper.hpp"
#include "scrape_fixtures.hpp"

using namespace autoscrape::scrape;
using namespace autoscrape::scrape::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

struct RecordingSink final : BodySink {
    std::vector<Format> begun;
    std::vector<std::string> pieces;
    std::vector<bool> last;
    std::size_t stop_after = SIZE_MAX;  // answer false to this piece (1-based)
    bool throw_at_first = false;

    void begin(Format format) override { begun.push_back(format); }
    bool piece(std::string_view lines, bool is_last) override {
        if (throw_at_first) throw std::runtime_error("sink failed");
        pieces.emplace_back(lines);
        last.push_back(is_last);
        return pieces.size() < stop_after;
    }
    std::string joined() const {
        std::string all;
        for (const auto& p : pieces) all += p;
        return all;
    }
};

ScrapeResponse scrape(Scraper& scraper, asio::io_context& io, const TestServer& server, BodySink* sink) {
    ScrapeResponse out;
    const ScrapeRequest request{.address = server.address(), .timeout = 5s};
    asio::co_spawn(io, scraper.scrape(request, sink), [&](std::exception_ptr e, ScrapeResponse r) {
        if (e) std::rethrow_exception(e);
        out = std::move(r);
    });
    io.restart();
    io.run();
    return out;
}

std::string big_body() {
    std::string body = "# TYPE c gauge\n";
    for (int i = 0; i < 20000; ++i) body += fmt::format("c{{instance_id=\"{}\",path=\"/api/v1/items\"}} {}\n", i, i);
    body += "last_line_without_break 1";
    return body;
}

}  // namespace

TEST_CASE("A 200 body streams to the sink in pieces ending at line breaks, never held whole") {
    const std::string body = big_body();
    REQUIRE(body.size() > 900'000);
    for (const bool chunked : {false, true}) {
        INFO("chunked " << chunked);
        TestServer server;
        server.set_reply({.body = body, .content_type = "application/openmetrics-text; version=1.0.0", .chunked = chunked});
        asio::io_context io;
        Scraper scraper(io.get_executor());
        RecordingSink sink;
        const auto response = scrape(scraper, io, server, &sink);
        REQUIRE(response.ok());
        CHECK(response.streamed);
        CHECK(response.body().empty());
        REQUIRE(sink.begun == std::vector<Format>{Format::OpenMetrics});
        CHECK(sink.joined() == body);
        REQUIRE(sink.pieces.size() > 10);
        std::size_t largest = 0;
        for (std::size_t i = 0; i + 1 < sink.pieces.size(); ++i) {
            CHECK(sink.pieces[i].ends_with('\n'));
            CHECK(!sink.last[i]);
            largest = std::max(largest, sink.pieces[i].size());
        }
        CHECK(sink.last.back());
        CHECK(sink.pieces.back() == "last_line_without_break 1");
        CHECK(largest <= (64 << 10) + 100);  // one read, and the line it completed
    }
}

TEST_CASE("Gzip bodies and error statuses are read whole, not streamed") {
    TestServer server;
    asio::io_context io;
    Scraper scraper(io.get_executor());
    RecordingSink sink;
    server.set_reply({.body = "a 1\nb 2\n", .gzip = true});
    auto response = scrape(scraper, io, server, &sink);
    REQUIRE(response.ok());
    CHECK(!response.streamed);
    CHECK(response.body() == "a 1\nb 2\n");

    server.set_reply({.status = 500, .body = "a 1\n"});
    response = scrape(scraper, io, server, &sink);
    CHECK(!response.ok());
    CHECK(!response.streamed);
    CHECK(sink.begun.empty());
    CHECK(sink.pieces.empty());
}

TEST_CASE("A sink that wants no more gets nothing further, and the connection stays in use") {
    const std::string body = big_body();
    TestServer server;
    server.set_reply({.body = body, .chunked = true});
    asio::io_context io;
    Scraper scraper(io.get_executor());
    RecordingSink stops;
    stops.stop_after = 2;
    REQUIRE(scrape(scraper, io, server, &stops).ok());
    CHECK(stops.pieces.size() == 2);

    RecordingSink whole;
    REQUIRE(scrape(scraper, io, server, &whole).ok());
    CHECK(whole.joined() == body);
    CHECK(server.connections() == 1);
    CHECK(server.requests() == 2);
}

TEST_CASE("An exception from the sink ends the scrape, reaches the caller, and the next scrape reconnects") {
    TestServer server;
    server.set_reply({.body = "a 1\nb 2\n"});
    asio::io_context io;
    Scraper scraper(io.get_executor());
    RecordingSink throws;
    throws.throw_at_first = true;
    CHECK_THROWS_WITH(scrape(scraper, io, server, &throws), "sink failed");

    RecordingSink fine;
    REQUIRE(scrape(scraper, io, server, &fine).ok());
    CHECK(fine.joined() == "a 1\nb 2\n");
    CHECK(server.connections() == 2);
}
