// Probe targets built from discovery groups, and probe loops against real loopback servers (a tcp
// listener, a small HTTP server, a closed port) appending to a recording appender: the series and
// labels, staleness bit for bit, and the spread of first probes over the interval.
#include "agent/storage/stale.hpp"
#include "probe_loop_support.hpp"
#include "probe_test_support.hpp"
#include "probes/probe_loop.hpp"
#include "scrape_fixtures.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace autoscrape;
using namespace autoscrape::probes;
using namespace autoscrape::probes::testing;
using autoscrape::scrape::testing::Recorded;
using autoscrape::scrape::testing::RecordingAppender;
using autoscrape::scrape::testing::Reply;
using autoscrape::scrape::testing::TestServer;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

config::ProbesConfig probes_config() {
    config::ProbesConfig c;
    c.interval = 30s;
    c.modules["tcp_connect"] = tcp_module();
    c.modules["http_2xx"] = http_module();
    return c;
}

ProbeTarget only_target(const discovery::TargetGroup& group, const config::ProbesConfig& config = probes_config()) {
    auto targets = build_probe_targets(group, config);
    REQUIRE(targets.size() == 1);
    return targets.front();
}

Session accept_and_close() {
    return [](asio::ip::tcp::socket) -> asio::awaitable<void> { co_return; };
}

// A loop on an io_context this thread runs: each step runs to completion.
struct Harness {
    asio::io_context io;
    std::shared_ptr<Recorded> rec = std::make_shared<Recorded>();
    std::shared_ptr<ProbeLoop> loop;

    explicit Harness(ProbeTarget target)
        : loop(std::make_shared<ProbeLoop>(io.get_executor(), std::make_unique<RecordingAppender>(rec),
                                           std::move(target))) {}
    void probe() {
        asio::co_spawn(io, loop->probe_once(), asio::detached);
        drain();
    }
    void update(ProbeTarget target) {
        loop->update(std::move(target));
        drain();
    }
    void stop() {
        loop->stop();
        drain();
    }
    void drain() {
        io.restart();
        io.run();
    }
    // Series (by ref) with a sample at `ts`, split into live values and stale markers.
    std::set<storage::SeriesRef> series_at(std::int64_t ts, bool stale) {
        std::lock_guard lock(rec->mutex);
        std::set<storage::SeriesRef> out;
        for (const auto& s : rec->committed)
            if (s.timestamp_ms == ts && stale_bits(s.value) == stale) out.insert(s.ref);
        return out;
    }
    std::int64_t last_timestamp() {
        std::lock_guard lock(rec->mutex);
        return rec->committed.empty() ? 0 : rec->committed.back().timestamp_ms;
    }
};

}  // namespace

TEST_CASE("Probe targets are the module:port entries of __meta_autoscrape_probes at the network IP") {
    auto group = container_group("c1", "db", "tcp_connect:5432, http_2xx:8080",
                                 {{"__meta_autoscrape_job", "postgresql"},
                                  {"__meta_autoscrape_compose_service", "db"},
                                  {"__meta_autoscrape_compose_project", "stack"},
                                  {"__meta_docker_network_ip", "10.1.2.3"}});
    const auto targets = build_probe_targets(group, probes_config());
    REQUIRE(targets.size() == 2);
    CHECK(targets[0].module_name == "tcp_connect");
    CHECK(targets[0].address == "10.1.2.3:5432");
    CHECK(targets[0].interval == 30s);
    CHECK(targets[0].labels == scrape::LabelSet{{"compose_project", "stack"},
                                                {"compose_service", "db"},
                                                {"container", "db"},
                                                {"instance", "10.1.2.3:5432"},
                                                {"job", "postgresql"},
                                                {"module", "tcp_connect"}});
    CHECK(targets[1].module_name == "http_2xx");
    CHECK(targets[1].address == "10.1.2.3:8080");
    CHECK(targets[1].discovered.get("__meta_docker_container_id") == "c1");
}

TEST_CASE("The job is the autoscrape.job label, else the profile's job, else the container name") {
    const auto by_name = only_target(container_group("c1", "web", "tcp_connect:80"));
    CHECK(by_name.labels.get("job") == "web");
    CHECK_FALSE(by_name.labels.has("compose_service"));
    const auto by_label = only_target(container_group(
        "c1", "web", "tcp_connect:80",
        {{"__meta_autoscrape_job", "grafana"}, {"__meta_docker_container_label_autoscrape_job", "frontend"}}));
    CHECK(by_label.labels.get("job") == "frontend");
}

TEST_CASE("autoscrape.interval overrides probes.interval and caps the module timeout") {
    auto config = probes_config();
    config.modules["tcp_connect"].timeout = 5s;
    const auto fast = only_target(
        container_group("c1", "web", "tcp_connect:80", {{"__meta_docker_container_label_autoscrape_interval", "2s"}}),
        config);
    CHECK(fast.interval == 2s);
    CHECK(fast.module.timeout == 2s);
    const auto invalid = only_target(
        container_group("c1", "web", "tcp_connect:80", {{"__meta_docker_container_label_autoscrape_interval", "soon"}}),
        config);
    CHECK(invalid.interval == 30s);
    CHECK(invalid.module.timeout == 5s);
}

TEST_CASE("Unknown modules, missing or invalid ports and duplicates are skipped") {
    const auto targets = build_probe_targets(
        container_group("c1", "web", "nosuch:80,tcp_connect,tcp_connect:0,tcp_connect:99999,tcp_connect:81,tcp_connect:81"),
        probes_config());
    REQUIRE(targets.size() == 1);
    CHECK(targets[0].address == "127.0.0.1:81");
    CHECK(build_probe_targets(container_group("c1", "web", ""), probes_config()).empty());
    CHECK(build_probe_targets(container_group("c1", "web", "tcp_connect:80", {{"__meta_docker_network_ip", ""}}),
                              probes_config())
              .empty());
}

TEST_CASE("An IPv6 container address is bracketed") {
    const auto t = only_target(
        container_group("c1", "web", "tcp_connect:80", {{"__meta_docker_network_ip", "fd00::5"}}));
    CHECK(t.address == "[fd00::5]:80");
    CHECK(t.labels.get("instance") == "[fd00::5]:80");
}

TEST_CASE("The first probes of 200 containers spread over the interval") {
    std::vector<std::int64_t> offsets;
    const auto now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000));
    for (int i = 0; i < 200; ++i) {
        const auto t = only_target(container_group("c" + std::to_string(i), "svc" + std::to_string(i), "tcp_connect:80",
                                                   {{"__meta_docker_network_ip", "10.0.0." + std::to_string(i)}}));
        offsets.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(scrape::scrape_offset(t.hash(), t.interval, now)).count());
    }
    // Every tenth of the 30 s interval gets some of them, none gets more than a quarter.
    std::array<int, 10> buckets{};
    for (auto ms : offsets) {
        REQUIRE(ms >= 0);
        REQUIRE(ms <= 30'000);
        ++buckets[std::min<std::int64_t>(ms / 3'000, 9)];
    }
    for (int n : buckets) {
        CHECK(n > 0);
        CHECK(n < 50);
    }
}

TEST_CASE("A probe loop whose interval changes probes on the new interval's phase, not after the old wait") {
    LoopbackServer server(accept_and_close());
    auto target = only_target(container_group("c1", "web", "tcp_connect:" + std::to_string(server.port())));
    target.interval = std::chrono::minutes(10);  // its first probe is minutes away
    Harness h(target);
    h.loop->start();
    h.io.run_for(100ms);
    REQUIRE(h.rec->samples("probe_success").empty());
    target.interval = 1s;
    h.loop->update(target);
    const auto updated = std::chrono::steady_clock::now();
    while (h.rec->samples("probe_success").size() < 2 && std::chrono::steady_clock::now() - updated < 5s)
        h.io.run_one_for(50ms);
    const auto probed = h.rec->samples("probe_success");
    REQUIRE(probed.size() >= 2);
    // Half an interval on at the earliest, then one interval apart, on the 1 s interval's phase.
    CHECK(probed[1].timestamp_ms - probed[0].timestamp_ms >= 900);
    CHECK(probed[1].timestamp_ms - probed[0].timestamp_ms <= 1100);
    for (const auto& p : {probed[0], probed[1]}) {
        const auto into_interval = p.timestamp_ms % 1'000 - scrape::scrape_phase(target.hash(), 1s).count();
        CHECK(into_interval >= 0);
        CHECK(into_interval < scrape::kPhaseStep.count() * 4 / 5);
    }
    h.loop->stop();
    h.io.run_for(200ms);
}

TEST_CASE("A probe appends blackbox's series with the target's labels") {
    LoopbackServer server(accept_and_close());
    Harness h(only_target(container_group("c1", "web", "tcp_connect:" + std::to_string(server.port()))));
    h.probe();
    const auto success = h.rec->samples("probe_success");
    REQUIRE(success.size() == 1);
    CHECK(success[0].value == 1);
    CHECK(h.rec->labels_of(success[0].ref) == storage::Labels{{"__name__", "probe_success"},
                                                              {"container", "web"},
                                                              {"instance", server.address()},
                                                              {"job", "web"},
                                                              {"module", "tcp_connect"}});
    CHECK(h.rec->samples("probe_duration_seconds").size() == 1);
    CHECK(h.rec->samples("probe_ip_protocol").at(0).value == 4);
    CHECK(h.loop->status().health == scrape::Health::Up);
}

TEST_CASE("A closed port gives probe_success 0 and the failure in the status") {
    Harness h(only_target(container_group("c1", "web", "tcp_connect:" + std::to_string(refused_port()))));
    h.probe();
    const auto success = h.rec->samples("probe_success");
    REQUIRE(success.size() == 1);
    CHECK(success[0].value == 0);
    CHECK(h.loop->status().health == scrape::Health::Down);
    CHECK_FALSE(h.loop->status().last_error.empty());
}

TEST_CASE("Series a later probe no longer reports get exactly one stale marker") {
    TestServer http;
    http.set_reply(Reply{.status = 200, .body = "ok"});
    auto target = only_target(container_group("c1", "web", "http_2xx:" + std::to_string(http.port())));
    Harness h(target);
    h.probe();
    const auto first_ts = h.last_timestamp();
    CHECK(h.rec->samples("probe_http_status_code").at(0).value == 200);
    const auto first = h.series_at(first_ts, false);

    // A reload turns the module into a tcp check: same loop, the http series end.
    target.module = tcp_module();
    h.update(target);
    std::this_thread::sleep_for(5ms);  // a later millisecond, so the two probes' samples are told apart
    h.probe();
    const auto second_ts = h.last_timestamp();
    REQUIRE(second_ts > first_ts);
    const auto live = h.series_at(second_ts, false);
    const auto stale = h.series_at(second_ts, true);
    std::set<storage::SeriesRef> gone;
    std::set_difference(first.begin(), first.end(), live.begin(), live.end(), std::inserter(gone, gone.end()));
    CHECK(stale == gone);
    std::set<std::string> stale_names;
    for (auto ref : stale) stale_names.insert(label_value(h.rec->labels_of(ref), "__name__"));
    CHECK(stale_names.contains("probe_http_status_code"));
    CHECK(stale_names.contains("probe_http_duration_seconds"));
    CHECK_FALSE(stale_names.contains("probe_success"));
    CHECK(h.rec->samples("probe_success").back().value == 1);
}

TEST_CASE("Stopping a loop marks every series of its last probe stale, once") {
    LoopbackServer server(accept_and_close());
    Harness h(only_target(container_group("c1", "web", "tcp_connect:" + std::to_string(server.port()))));
    h.probe();
    const auto live = h.series_at(h.last_timestamp(), false);
    REQUIRE(live.size() >= 3);
    std::this_thread::sleep_for(5ms);
    h.stop();
    h.stop();
    CHECK(h.series_at(h.last_timestamp(), true) == live);
    std::size_t markers = 0;
    for (const auto& s : h.rec->committed) markers += stale_bits(s.value) ? 1 : 0;
    CHECK(markers == live.size());
    h.probe();  // a stopped loop probes no more
    CHECK(h.rec->samples("probe_success").size() == 2);
}

TEST_CASE("A probe whose refs the WAL forgot asks for them again and appends its whole result") {
    LoopbackServer server(accept_and_close());
    Harness h(only_target(container_group("c1", "web", "tcp_connect:" + std::to_string(server.port()))));
    h.probe();
    const auto first = h.series_at(h.last_timestamp(), false);
    REQUIRE(h.rec->forget_all() == first.size());
    std::this_thread::sleep_for(5ms);
    h.probe();
    CHECK(h.rec->unknown_series_errors == 1);
    const auto second = h.series_at(h.last_timestamp(), false);
    REQUIRE(second.size() == first.size());
    std::set<storage::Labels> first_labels;
    std::set<storage::Labels> second_labels;
    for (auto ref : first) first_labels.insert(h.rec->labels_of(ref));
    for (auto ref : second) {
        CHECK_FALSE(first.contains(ref));
        second_labels.insert(h.rec->labels_of(ref));
    }
    CHECK(second_labels == first_labels);
    CHECK(h.rec->samples("probe_success").back().value == 1);
}
