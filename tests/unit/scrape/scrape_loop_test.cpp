// Scrape loops against real HTTP servers on loopback: the request Prometheus would send, errors and
// limits, keep-alive, the synthetic series, staleness and the scrape cache.
#include <algorithm>
#include <bit>
#include <chrono>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "agent/scrape/scrape_loop.hpp"
#include "agent/storage/stale.hpp"
#include "scrape_fixtures.hpp"

using namespace autoscrape::scrape;
using namespace autoscrape::scrape::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

ScrapeTarget make_target(const std::string& address, std::chrono::milliseconds timeout = 2s) {
    ScrapeTarget t;
    t.scheme = "http";
    t.address = address;
    t.path = "/metrics";
    t.interval = 5s;
    t.timeout = timeout;
    t.labels = LabelSet{{"instance", address}, {"job", "test"}};
    return t;
}

struct Harness {
    asio::io_context io;
    std::shared_ptr<Recorded> rec = std::make_shared<Recorded>();
    std::shared_ptr<ScrapeLoop> loop;

    explicit Harness(const std::string& address, LoopOptions options = {}, std::chrono::milliseconds timeout = 2s)
        : loop(std::make_shared<ScrapeLoop>(io.get_executor(), std::make_unique<RecordingAppender>(rec),
                                            make_target(address, timeout), std::move(options))) {}

    void scrape() {
        asio::co_spawn(io, loop->scrape_once(), asio::detached);
        io.restart();
        io.run();
    }
    void stop() {
        loop->stop();
        io.restart();
        io.run();
    }
    double last(const std::string& name) {
        const auto s = rec->samples(name);
        return s.empty() ? -1 : s.back().value;
    }
};

bool stale_bits(double v) { return std::bit_cast<std::uint64_t>(v) == 0x7ff0000000000002ULL; }

const std::string kBody = "# TYPE a counter\na_total 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\n";

}  // namespace

TEST_CASE("A successful scrape appends every sample with the target labels and reports up=1") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    REQUIRE(h.rec->samples("b").size() == 2);
    CHECK(h.rec->samples("a_total").at(0).value == 1);
    const auto& labels = h.rec->labels_of(h.rec->samples("b").at(0).ref);
    CHECK(labels == autoscrape::storage::Labels{{"__name__", "b"}, {"instance", server.address()}, {"job", "test"},
                                                {"x", "1"}});
    CHECK(h.last("up") == 1);
    CHECK(h.last("scrape_samples_scraped") == 3);
    CHECK(h.last("scrape_samples_post_metric_relabeling") == 3);
    CHECK(h.last("scrape_series_added") == 3);
    CHECK(h.last("scrape_duration_seconds") >= 0);
    CHECK(h.loop->status().health == Health::Up);
}

TEST_CASE("The scrape request carries Prometheus' headers, asking for an uncompressed body") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address(), {}, 2500ms);
    h.scrape();
    const auto headers = server.last_headers();
    CHECK(headers.at("accept") == std::string(kAcceptHeader));
    CHECK(headers.at("accept-encoding") == "identity");
    CHECK(headers.at("user-agent").starts_with("autoscrape/"));
    CHECK(headers.at("x-prometheus-scrape-timeout-seconds") == "2.5");
    CHECK(headers.at("host") == server.address());
}

TEST_CASE("A gzip-encoded body is decoded") {
    TestServer server;
    server.set_reply({.body = kBody, .gzip = true});
    Harness h(server.address());
    h.scrape();
    CHECK(h.rec->samples("b").size() == 2);
    CHECK(h.last("up") == 1);
}

TEST_CASE("A chunked body of many chunks is read whole, and a shorter body after it leaves nothing of it behind") {
    // Bodies are read into a buffer that grows without being zero-filled: the first grows over
    // several 64 KiB chunks without a Content-Length, the second must see only its own bytes.
    std::string big = "# TYPE c gauge\n";
    for (int i = 0; i < 8000; ++i) big += fmt::format("c{{instance_id=\"{}\",path=\"/api/v1/items\"}} {}\n", i, i);
    REQUIRE(big.size() > 3 * (64 << 10));
    TestServer server;
    server.set_reply({.body = big, .chunked = true});
    Harness h(server.address());
    h.scrape();
    REQUIRE(h.rec->samples("c").size() == 8000);
    CHECK(h.rec->samples("c").back().value == 7999);
    CHECK(h.last("scrape_samples_scraped") == 8000);

    server.set_reply({.body = kBody});
    h.scrape();
    CHECK(h.last("up") == 1);
    CHECK(h.last("scrape_samples_scraped") == 3);
    CHECK(h.rec->samples("b").size() == 2);
}

TEST_CASE("A 404 fails the scrape with Prometheus' message") {
    TestServer server;
    server.set_reply({.status = 404, .body = "nope"});
    Harness h(server.address());
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK(h.loop->status().last_error == "server returned HTTP status 404 Not Found");
}

TEST_CASE("A 500 fails the scrape") {
    TestServer server;
    server.set_reply({.status = 500, .body = kBody});
    Harness h(server.address());
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK(h.rec->samples("b").empty());
    CHECK(h.loop->status().last_error == "server returned HTTP status 500 Internal Server Error");
}

TEST_CASE("A refused connection reports up=0 with the dial error") {
    unsigned short port = 0;
    {
        TestServer gone;
        port = gone.port();
    }
    Harness h("127.0.0.1:" + std::to_string(port));
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK_THAT(h.loop->status().last_error, Catch::Contains("connect: Connection refused"));
}

TEST_CASE("A server slower than scrape_timeout fails the scrape at the deadline") {
    TestServer server;
    server.set_reply({.body = kBody, .delay = 3s});
    Harness h(server.address(), {}, 300ms);
    const auto t0 = std::chrono::steady_clock::now();
    h.scrape();
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(h.last("up") == 0);
    CHECK_THAT(h.loop->status().last_error, Catch::EndsWith("context deadline exceeded"));
    CHECK(took < 2s);
}

TEST_CASE("A body that stalls half-way hits the deadline") {
    TestServer server;
    server.set_reply({.body = std::string(200'000, '#') + "\n", .chunked = true, .stall = 3s});
    Harness h(server.address(), {}, 300ms);
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK_THAT(h.loop->status().last_error, Catch::EndsWith("context deadline exceeded"));
}

TEST_CASE("A declared Content-Length over body_size_limit fails before the body is sent") {
    TestServer server;
    server.set_reply({.body = kBody, .stall = 3s, .content_length = "100000000"});
    LoopOptions options;
    options.body_size_limit = 1000;
    Harness h(server.address(), options);
    const auto t0 = std::chrono::steady_clock::now();
    h.scrape();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK_THAT(h.loop->status().last_error, Catch::EndsWith("body size limit exceeded"));
}

TEST_CASE("A chunked body over body_size_limit fails while it is still arriving") {
    TestServer server;
    // The first 64 KiB chunk alone exceeds the limit; the server then stalls for longer than the test.
    server.set_reply({.body = std::string(200'000, '#') + "\n", .chunked = true, .stall = 3s});
    LoopOptions options;
    options.body_size_limit = 10'000;
    Harness h(server.address(), options, 5s);
    const auto t0 = std::chrono::steady_clock::now();
    h.scrape();
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    CHECK_THAT(h.loop->status().last_error, Catch::EndsWith("body size limit exceeded"));
}

TEST_CASE("A gzip body inflating past body_size_limit fails") {
    TestServer server;
    server.set_reply({.body = std::string(1'000'000, '#') + "\n", .gzip = true});
    LoopOptions options;
    options.body_size_limit = 100'000;
    Harness h(server.address(), options);
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK_THAT(h.loop->status().last_error, Catch::Contains("body size limit"));
}

TEST_CASE("Exceeding sample_limit fails the whole scrape and appends none of its samples") {
    TestServer server;
    server.set_reply({.body = kBody});
    LoopOptions options;
    options.limits.sample_limit = 2;
    Harness h(server.address(), options);
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK(h.rec->samples("b").empty());
    CHECK(h.rec->rollbacks == 1);
    CHECK(h.loop->status().last_error == "sample limit exceeded");
}

TEST_CASE("Exceeding label_limit fails the scrape") {
    TestServer server;
    server.set_reply({.body = "m{a=\"1\",b=\"2\"} 1\n"});
    LoopOptions options;
    options.limits.label_limit = 4;  // __name__, a, b, instance, job = 5
    Harness h(server.address(), options);
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK_THAT(h.loop->status().last_error, Catch::StartsWith("label_limit exceeded"));
}

TEST_CASE("A malformed body fails the scrape with the parser's position") {
    TestServer server;
    server.set_reply({.body = "ok 1\nbad{ 2\n"});
    Harness h(server.address());
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK(h.rec->samples("ok").empty());
    CHECK_THAT(h.loop->status().last_error, Catch::StartsWith("line 2"));
}

TEST_CASE("Consecutive scrapes reuse one keep-alive connection") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    h.scrape();
    h.scrape();
    CHECK(server.requests() == 3);
    CHECK(server.connections() == 1);
    CHECK(h.loop->connections_opened() == 1);
}

TEST_CASE("A finished exchange disarms its deadline, and a timed-out scrape does not spoil the next") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address(), {}, 2s);
    // Harness::scrape runs the io_context until no work is left: a deadline timer left armed
    // would hold each scrape for the whole 2 s timeout.
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        h.scrape();
        CHECK(h.last("up") == 1);
    }
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    CHECK(server.connections() == 1);

    server.set_reply({.body = kBody, .delay = 3s});
    Harness slow(server.address(), {}, 300ms);
    slow.scrape();
    CHECK_THAT(slow.loop->status().last_error, Catch::EndsWith("context deadline exceeded"));
    server.set_reply({.body = kBody});
    slow.scrape();
    CHECK(slow.last("up") == 1);
    CHECK(slow.loop->status().last_error.empty());
}

TEST_CASE("A kept-alive connection the server closed is replaced without failing the scrape") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    server.drop_connections();
    h.scrape();
    CHECK(h.rec->samples("up").size() == 2);
    CHECK(h.last("up") == 1);
    CHECK(server.connections() == 2);
}

TEST_CASE("Connection: close makes the next scrape open a new connection") {
    TestServer server;
    server.set_reply({.body = kBody, .close = true});
    Harness h(server.address());
    h.scrape();
    h.scrape();
    CHECK(h.last("up") == 1);
    CHECK(server.connections() == 2);
}

TEST_CASE("A series missing from the next scrape gets a stale marker with the exact StaleNaN bits") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    server.set_reply({.body = "a_total 2\nb{x=\"1\"} 2\n"});
    h.scrape();
    const auto gone = h.rec->samples("b");
    REQUIRE(gone.size() == 4);  // x=1, x=2, then x=1 and the marker for x=2
    const auto ref2 = gone.at(1).ref;
    bool marked = false;
    for (std::size_t i = 2; i < gone.size(); ++i)
        if (gone[i].ref == ref2) marked = stale_bits(gone[i].value);
    CHECK(marked);
    for (const auto& s : h.rec->samples("a_total")) CHECK_FALSE(autoscrape::storage::is_stale_nan(s.value));
}

TEST_CASE("A failed scrape marks the series of the last good scrape stale and keeps up") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    server.set_reply({.status = 503});
    h.scrape();
    const auto b = h.rec->samples("b");
    REQUIRE(b.size() == 4);
    CHECK(stale_bits(b[2].value));
    CHECK(stale_bits(b[3].value));
    CHECK(h.last("up") == 0);
    // A second failure has nothing left to mark.
    h.scrape();
    CHECK(h.rec->samples("b").size() == 4);
}

TEST_CASE("Stopping a loop marks every series stale, up and the other synthetic series included") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    h.stop();
    CHECK(stale_bits(h.last("up")));
    CHECK(stale_bits(h.last("scrape_duration_seconds")));
    CHECK(stale_bits(h.last("a_total")));
    CHECK(h.rec->samples("b").size() == 4);
}

TEST_CASE("A second scrape of an unchanged body builds no labels") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    CHECK(h.loop->labels_built() == 3);
    h.scrape();
    CHECK(h.loop->labels_built() == 3);
    CHECK(h.rec->samples("b").size() == 4);
    CHECK(h.last("scrape_series_added") == 0);
}

TEST_CASE("Lines that change order, appear and disappear still reach their own series") {
    TestServer server;
    Harness h(server.address());
    const auto value_of = [&](const std::string& name) { return h.last(name); };
    server.set_reply({.body = "a 1\nb 2\nc 3\n"});
    h.scrape();
    server.set_reply({.body = "c 30\n# HELP a x\na 10\nd 40\n"});  // reordered, b gone, d new
    h.scrape();
    CHECK(value_of("a") == 10);
    CHECK(value_of("c") == 30);
    CHECK(value_of("d") == 40);
    CHECK(stale_bits(value_of("b")));
    server.set_reply({.body = "a 100\nb 200\nc 300\nd 400\n"});
    h.scrape();
    h.scrape();  // learnt order, every line predicted
    for (const auto& [name, value] : {std::pair{"a", 100.0}, {"b", 200.0}, {"c", 300.0}, {"d", 400.0}}) {
        INFO(name);
        CHECK(value_of(name) == value);
        CHECK(h.rec->samples(name).back().ref == h.rec->samples(name).front().ref);
    }
    CHECK(h.loop->labels_built() == 4);  // b stays cached for one scrape after it went stale
}

TEST_CASE("Without honor_labels a scraped label that clashes with a target label becomes exported_") {
    TestServer server;
    server.set_reply({.body = "m{job=\"inner\"} 1\n"});
    Harness h(server.address());
    h.scrape();
    const auto& labels = h.rec->labels_of(h.rec->samples("m").at(0).ref);
    CHECK(labels == autoscrape::storage::Labels{{"__name__", "m"}, {"exported_job", "inner"},
                                                {"instance", server.address()}, {"job", "test"}});
}

TEST_CASE("With honor_labels the scraped label wins over the target label") {
    TestServer server;
    server.set_reply({.body = "m{job=\"inner\"} 1\n"});
    LoopOptions options;
    options.series.honor_labels = true;
    Harness h(server.address(), options);
    h.scrape();
    const auto& labels = h.rec->labels_of(h.rec->samples("m").at(0).ref);
    CHECK(labels == autoscrape::storage::Labels{{"__name__", "m"}, {"instance", server.address()}, {"job", "inner"}});
}

TEST_CASE("honor_timestamps decides whether an exposed timestamp is kept") {
    TestServer server;
    server.set_reply({.body = "m 1 1234\n"});
    LoopOptions honour;
    Harness kept(server.address(), honour);
    kept.scrape();
    CHECK(kept.rec->samples("m").at(0).timestamp_ms == 1234);
    LoopOptions ignore;
    ignore.series.honor_timestamps = false;
    Harness scraped(server.address(), ignore);
    scraped.scrape();
    CHECK(scraped.rec->samples("m").at(0).timestamp_ms > 1234);
}

TEST_CASE("metric_relabel_configs drop series before they are appended") {
    TestServer server;
    server.set_reply({.body = kBody});
    LoopOptions options;
    options.series.metric_relabel = std::make_shared<const Relabeler>(std::vector<autoscrape::config::RelabelConfig>{
        {.source_labels = {"__name__"}, .regex = "b", .action = autoscrape::config::RelabelAction::Drop}});
    Harness h(server.address(), options);
    h.scrape();
    CHECK(h.rec->samples("b").empty());
    CHECK(h.last("scrape_samples_scraped") == 3);
    CHECK(h.last("scrape_samples_post_metric_relabeling") == 1);
}

TEST_CASE("Targets spread over the interval by hash, on phases kPhaseStep apart") {
    const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
    std::set<std::int64_t> phases;
    for (std::uint64_t hash = 0; hash < 1'000; ++hash) {
        const auto wait = scrape_offset(hash * 7'919, 15s, now);
        REQUIRE(wait > 0ms);
        REQUIRE(wait <= 15s);
        // The scrape falls on the hash's phase: a multiple of the step after a multiple of the interval.
        const auto at = std::chrono::duration_cast<std::chrono::nanoseconds>((now + wait).time_since_epoch());
        REQUIRE(at % 15s == scrape_phase(hash * 7'919, 15s));
        REQUIRE(at % kPhaseStep == 0ms);
        phases.insert(scrape_phase(hash * 7'919, 15s).count());
    }
    CHECK(phases.size() == static_cast<std::size_t>(15s / kPhaseStep));
    // An interval no longer than a step has the one phase.
    CHECK(scrape_phase(12'345, kPhaseStep) == 0ms);
    CHECK(scrape_phase(12'345, 100ms) == 0ms);
    CHECK(scrape_phase(12'345, 0ms) == 0ms);
}

TEST_CASE("Loops of one phase started at different moments plan the same instant") {
    const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
    const auto later = now + std::chrono::microseconds(337);
    const std::uint64_t a = 1, b = 1 + 15s / kPhaseStep;  // the same phase
    REQUIRE(scrape_phase(a, 15s) == scrape_phase(b, 15s));
    CHECK(now + scrape_offset(a, 15s, now) == later + scrape_offset(b, 15s, later));
    // steady_after() turns the wall clock's instant into the steady clock's, to within the clock reads.
    const auto sys_now = std::chrono::system_clock::now();
    const auto planned = steady_after(sys_now - 2s, 5s);
    const auto expected = std::chrono::steady_clock::now() + 3s;
    CHECK(std::chrono::abs(planned - expected) < 50ms);
}

TEST_CASE("Loops of one phase scrape in the same wake-up, at their phase of the interval") {
    TestServer server;
    server.set_reply({.body = kBody});
    // Three targets of a 1 s interval: two share a phase, the third has another.
    std::vector<ScrapeTarget> targets;
    std::vector<ScrapeTarget> others;
    for (int i = 0; targets.size() < 2 || others.empty(); ++i) {
        auto t = make_target(server.address());
        t.interval = 1s;
        t.labels.set("job", "test" + std::to_string(i));
        if (targets.empty() || scrape_phase(t.hash(), 1s) == scrape_phase(targets[0].hash(), 1s)) {
            if (targets.size() < 2) targets.push_back(t);
        } else if (others.empty()) {
            others.push_back(t);
        }
    }
    targets.push_back(others[0]);
    asio::io_context io;
    std::vector<std::shared_ptr<Recorded>> recs;
    std::vector<std::shared_ptr<ScrapeLoop>> loops;
    for (const auto& t : targets) {
        recs.push_back(std::make_shared<Recorded>());
        loops.push_back(std::make_shared<ScrapeLoop>(io.get_executor(), std::make_unique<RecordingAppender>(recs.back()),
                                                     t, LoopOptions{}));
        loops.back()->start();
        io.run_for(30ms);  // started at different moments
    }
    const auto scraped = [&] {
        return std::all_of(recs.begin(), recs.end(), [](const auto& r) { return !r->samples("up").empty(); });
    };
    const auto started = std::chrono::steady_clock::now();
    while (!scraped() && std::chrono::steady_clock::now() - started < 3s) io.run_one_for(50ms);
    REQUIRE(scraped());
    std::vector<std::int64_t> at;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        at.push_back(recs[i]->samples("up").front().timestamp_ms);
        // On its own phase (the third's is another), give or take the timer's latency on a busy machine.
        const auto into_interval = at.back() % 1'000 - scrape_phase(targets[i].hash(), 1s).count();
        CHECK(into_interval >= 0);
        CHECK(into_interval < kPhaseStep.count() * 4 / 5);
    }
    // The same point of the interval (a loop started after that point in the current interval
    // has its first scrape one interval later), in one wake-up: what sets them apart is the first
    // loop's work up to its first wait, well under a millisecond unless the thread is preempted.
    CHECK(std::abs(at[0] % 1'000 - at[1] % 1'000) <= 20);
    for (auto& loop : loops) loop->stop();
    io.run_for(200ms);
}

TEST_CASE("A loop whose interval changes scrapes on the new interval's phase, not after the old wait") {
    TestServer server;
    server.set_reply({.body = kBody});
    auto target = make_target(server.address());
    target.interval = std::chrono::minutes(10);  // its first scrape is minutes away
    asio::io_context io;
    auto rec = std::make_shared<Recorded>();
    auto loop = std::make_shared<ScrapeLoop>(io.get_executor(), std::make_unique<RecordingAppender>(rec), target,
                                             LoopOptions{});
    loop->start();
    io.run_for(100ms);
    REQUIRE(rec->samples("up").empty());
    target.interval = 1s;
    loop->update(target, LoopOptions{});
    const auto updated = std::chrono::steady_clock::now();
    while (rec->samples("up").size() < 2 && std::chrono::steady_clock::now() - updated < 5s) io.run_one_for(50ms);
    const auto scraped = rec->samples("up");
    REQUIRE(scraped.size() >= 2);
    // Half an interval on at the earliest (rejoin_phase), then one interval apart, on the phase
    // the hash gives a 1 s interval, give or take the timer's latency on a busy machine.
    CHECK(std::chrono::steady_clock::now() - updated < 4s);
    CHECK(scraped[1].timestamp_ms - scraped[0].timestamp_ms >= 900);
    CHECK(scraped[1].timestamp_ms - scraped[0].timestamp_ms <= 1100);
    for (const auto& s : {scraped[0], scraped[1]}) {
        const auto into_interval = s.timestamp_ms % 1'000 - scrape_phase(target.hash(), 1s).count();
        CHECK(into_interval >= 0);
        CHECK(into_interval < kPhaseStep.count() * 4 / 5);
    }
    loop->stop();
    io.run_for(200ms);
}

TEST_CASE("The next tick is one interval on, and a loop that fell behind skips the missed ticks in phase") {
    using std::chrono::milliseconds;
    const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    const milliseconds interval{1000};
    CHECK(next_tick(t0, interval, t0 + milliseconds(300)) == t0 + milliseconds(1000));
    // Exactly on the next tick: that tick has come, so the one after it.
    CHECK(next_tick(t0, interval, t0 + milliseconds(1000)) == t0 + milliseconds(2000));
    // 3.4 intervals late: ticks 1..3 are skipped, the phase (t0 + k s) is kept.
    CHECK(next_tick(t0, interval, t0 + milliseconds(3400)) == t0 + milliseconds(4000));
}

TEST_CASE("A prompt first scrape lands within the prompt window, then the loop joins its hash phase") {
    CHECK(prompt_delay(1'234'567, 15s) < kPromptWindow);
    CHECK(prompt_delay(1'234'567, 100ms) < 100ms);
    CHECK(prompt_delay(7, 0ms) == 0ms);
    const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'123));
    for (const std::uint64_t hash : {0ULL, 1ULL, 4'000ULL, 7'700ULL, 14'999ULL, 123'456'789ULL}) {
        const auto wait = rejoin_phase(hash, 15s, now);
        CHECK(wait >= 7500ms);
        CHECK(wait <= 22500ms);
        // The next scrape falls on the same point of the interval as scrape_offset() gives.
        CHECK((wait - scrape_offset(hash, 15s, now)) % 15s == 0ms);
    }
}

TEST_CASE("A loop started with a prompt first scrape scrapes well before its interval") {
    TestServer server;
    server.set_reply({.body = kBody});
    auto rec = std::make_shared<Recorded>();
    asio::io_context io;
    auto target = make_target(server.address());
    target.interval = 30s;
    auto loop = std::make_shared<ScrapeLoop>(io.get_executor(), std::make_unique<RecordingAppender>(rec), target,
                                             LoopOptions{});
    const auto started = std::chrono::steady_clock::now();
    loop->start(FirstScrape::Prompt);
    while (rec->samples("up").empty() && std::chrono::steady_clock::now() - started < 5s) io.run_one_for(50ms);
    REQUIRE(rec->samples("up").size() == 1);
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    loop->stop();
    io.run_for(200ms);
    CHECK(stale_bits(rec->samples("up").back().value));
}

TEST_CASE("A refused prompt first scrape is tried again soon and not an interval later") {
    // A port nothing listens on, until a server starts there 300 ms after the loop.
    const unsigned short port = TestServer().port();
    auto rec = std::make_shared<Recorded>();
    asio::io_context io;
    auto target = make_target("127.0.0.1:" + std::to_string(port));
    target.interval = 30s;
    auto loop = std::make_shared<ScrapeLoop>(io.get_executor(), std::make_unique<RecordingAppender>(rec), target,
                                             LoopOptions{});
    const auto started = std::chrono::steady_clock::now();
    loop->start(FirstScrape::Prompt);
    io.run_for(300ms);
    REQUIRE_FALSE(rec->samples("up").empty());
    CHECK(rec->samples("up").back().value == 0);
    TestServer server(port);
    server.set_reply({.body = kBody});
    const auto up = [&] { return !rec->samples("up").empty() && rec->samples("up").back().value == 1; };
    while (!up() && std::chrono::steady_clock::now() - started < 10s) io.run_one_for(50ms);
    // Without the retries the next scrape would come half an interval (15 s) after the first.
    CHECK(up());
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    loop->stop();
    io.run_for(200ms);
}

TEST_CASE("Series that churn every scrape are forgotten, and steady ones keep their refs and stay cached") {
    // Each scrape has 30 steady series and 20 new ones; a series seen neither in this scrape nor in
    // the last good one is forgotten, which compacts the cache while the steady series are in it.
    constexpr int kScrapes = 12;
    constexpr int kSteady = 30;
    constexpr int kChurn = 20;
    TestServer server;
    Harness h(server.address());
    for (int i = 0; i < kScrapes; ++i) {
        // Churn first, so forgetting moves the steady entries: the learnt line order must follow.
        std::string body;
        for (int j = 0; j < kChurn; ++j) body += fmt::format("churn{{id=\"{}_{}\"}} 1\n", i, j);
        for (int k = 0; k < kSteady; ++k) body += fmt::format("steady{{k=\"{}\"}} {}\n", k, i * 100 + k);
        server.set_reply({.body = body});
        h.scrape();
    }
    CHECK(h.loop->labels_built() == kSteady + kScrapes * kChurn);  // steady labels built once
    const auto steady = h.rec->samples("steady");
    REQUIRE(steady.size() == kScrapes * kSteady);
    for (int i = 0; i < kScrapes; ++i) {
        for (int k = 0; k < kSteady; ++k) {
            INFO("scrape " << i << ", k " << k);
            REQUIRE(steady[i * kSteady + k].ref == steady[k].ref);
            REQUIRE(steady[i * kSteady + k].value == i * 100 + k);
        }
    }
    // Every churned series got its value and, one scrape later, its stale marker.
    const auto churn = h.rec->samples("churn");
    CHECK(churn.size() == kScrapes * kChurn + (kScrapes - 1) * kChurn);
    CHECK(std::count_if(churn.begin(), churn.end(), [](const auto& s) { return stale_bits(s.value); }) ==
          (kScrapes - 1) * kChurn);
}

TEST_CASE("Refs the WAL forgot while a target was down are asked for again and the scrape lands whole") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    server.set_reply({.status = 503});
    h.scrape();  // the cache keeps its refs while the target is down
    const auto before = h.rec->samples("b");
    REQUIRE(before.size() == 4);
    REQUIRE(h.rec->forget_all() == 8);  // a_total, two b, and the five synthetic series

    server.set_reply({.body = "# TYPE a counter\na_total 5\nb{x=\"1\"} 6\nb{x=\"2\"} 7\n"});
    h.scrape();
    CHECK(h.rec->unknown_series_errors == 1);
    const auto after = h.rec->samples("b");
    REQUIRE(after.size() == 6);
    CHECK(after[4].value == 6);
    CHECK(after[5].value == 7);
    CHECK(after[4].ref != before[0].ref);
    CHECK(h.rec->labels_of(after[4].ref) == h.rec->labels_of(before[0].ref));
    CHECK(h.rec->labels_of(after[5].ref) == h.rec->labels_of(before[1].ref));
    CHECK(h.last("a_total") == 5);
    CHECK(h.last("up") == 1);
    CHECK(h.loop->labels_built() == 6);

    // The new refs hold: the next scrape commits at once.
    h.scrape();
    CHECK(h.rec->unknown_series_errors == 1);
    CHECK(h.rec->samples("b").size() == 8);
}

namespace {

// ~470 KB, so it arrives in several reads (the server sends 64 KiB chunks).
std::string many_lines(int n) {
    std::string body = "# TYPE c gauge\n";
    for (int i = 0; i < n; ++i) body += fmt::format("c{{instance_id=\"{}\",path=\"/api/v1/items\"}} {}\n", i, i);
    return body;
}

}  // namespace

TEST_CASE("A malformed line late in a streamed body fails the scrape, counted from the body's start") {
    TestServer server;
    server.set_reply({.body = many_lines(8000) + "bad{ 2\n", .chunked = true});
    Harness h(server.address());
    h.scrape();
    CHECK(h.last("up") == 0);
    CHECK(h.rec->samples("c").empty());
    CHECK(h.rec->rollbacks == 1);
    CHECK_THAT(h.loop->status().last_error, Catch::StartsWith("line 8002, column"));
}

TEST_CASE("Stopping a loop while a body streams in commits nothing of what it appended") {
    TestServer server;
    server.set_reply({.body = many_lines(8000), .chunked = true, .stall = 3s});
    Harness h(server.address());
    asio::co_spawn(h.io, h.loop->scrape_once(), asio::detached);
    h.io.run_for(500ms);  // the first chunk arrives and is appended, then the server stalls
    REQUIRE(h.loop->labels_built() > 100);
    h.stop();
    CHECK(h.rec->samples("c").empty());
    CHECK(h.rec->rollbacks >= 1);
}

TEST_CASE("Refs forgotten under a streamed body fail that scrape only: the next, read whole, lands") {
    TestServer server;
    server.set_reply({.body = kBody});
    Harness h(server.address());
    h.scrape();
    REQUIRE(h.rec->forget_all() == 8);
    h.scrape();  // streamed: its body is gone when the commit finds the refs unknown
    CHECK(h.rec->unknown_series_errors == 1);
    CHECK(h.last("up") == 0);
    CHECK(h.loop->status().last_error == "storage forgot series of this target during the scrape");
    CHECK(h.rec->samples("b").size() == 2);

    h.scrape();
    CHECK(h.last("up") == 1);
    CHECK(h.rec->samples("b").size() == 4);
    CHECK(h.rec->unknown_series_errors == 1);
}
