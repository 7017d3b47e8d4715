// The scrape manager driven by discovery updates against a loopback server, and the
// /api/v1/targets rendering of what it reports.
#include <bit>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include "agent/scrape/scrape_manager.hpp"
#include "agent/scrape/targets_api.hpp"
#include "agent/storage/stale.hpp"
#include "scrape_fixtures.hpp"

using namespace autoscrape::scrape;
using namespace autoscrape::scrape::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

autoscrape::discovery::TargetGroup group_for(const TestServer& server, const std::string& id, bool opted_in) {
    autoscrape::discovery::TargetGroup g;
    g.source = id;
    autoscrape::discovery::Target t;
    t.labels = {{"__address__", server.address()},
                {"__meta_docker_container_id", id},
                {"__meta_docker_container_name", "/" + id},
                {"__meta_docker_network_ip", "127.0.0.1"},
                {"__meta_docker_port_private", std::to_string(server.port())},
                {"__meta_docker_container_label_autoscrape_interval", "500ms"}};
    if (opted_in) t.labels["__meta_docker_container_label_prometheus_io_scrape"] = "true";
    g.targets.push_back(t);
    return g;
}

// Runs the io_context on a thread for the test's lifetime.
struct Runner {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~Runner() {
        guard.reset();
        io.stop();
        thread.join();
    }
};

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(20ms);
    }
    return pred();
}

}  // namespace

TEST_CASE("The manager scrapes added targets, lists dropped ones and marks removed ones stale") {
    TestServer server;
    server.set_reply({.body = "m 1\n"});
    auto rec = std::make_shared<Recorded>();
    prometheus::Registry registry;
    Runner runner;
    ScrapeManager manager(runner.io, {}, [rec] { return std::make_unique<RecordingAppender>(rec); }, registry);

    manager.apply({.added = {group_for(server, "aaa", true), group_for(server, "bbb", false)}});
    REQUIRE(wait_until([&] { return rec->samples("m").size() >= 2; }));

    const auto targets = manager.targets();
    REQUIRE(targets.size() == 2);
    CHECK(targets[0].active);
    CHECK(targets[0].health == Health::Up);
    CHECK(targets[0].scrape_pool == "aaa");
    CHECK(targets[0].interval == 500ms);
    CHECK_FALSE(targets[1].active);

    manager.apply({.removed = {"aaa"}});
    REQUIRE(wait_until([&] {
        const auto up = rec->samples("up");
        return !up.empty() && autoscrape::storage::is_stale_nan(up.back().value);
    }));
    CHECK(autoscrape::storage::is_stale_nan(rec->samples("m").back().value));
    CHECK(manager.targets().size() == 1);
}

TEST_CASE("A target discovered while the agent runs is scraped within a second, whatever its interval") {
    TestServer server;
    server.set_reply({.body = "m 1\n"});
    auto rec = std::make_shared<Recorded>();
    prometheus::Registry registry;
    Runner runner;
    ScrapeManager manager(runner.io, {}, [rec] { return std::make_unique<RecordingAppender>(rec); }, registry);
    auto group = group_for(server, "late", true);
    group.targets[0].labels["__meta_docker_container_label_autoscrape_interval"] = "30s";
    const auto added = std::chrono::steady_clock::now();
    manager.apply({.added = {group}});
    REQUIRE(wait_until([&] { return !rec->samples("m").empty(); }, 3s));
    CHECK(std::chrono::steady_clock::now() - added < 1s);
    manager.stop();
}

TEST_CASE("A changed target keeps its loop and its cache") {
    TestServer server;
    server.set_reply({.body = "m 1\n"});
    auto rec = std::make_shared<Recorded>();
    prometheus::Registry registry;
    Runner runner;
    ScrapeManager manager(runner.io, {}, [rec] { return std::make_unique<RecordingAppender>(rec); }, registry);
    manager.apply({.added = {group_for(server, "aaa", true)}});
    REQUIRE(wait_until([&] { return rec->samples("m").size() >= 1; }));
    auto changed = group_for(server, "aaa", true);
    changed.targets[0].labels["__meta_docker_container_label_autoscrape_interval"] = "300ms";
    manager.apply({.changed = {changed}});
    REQUIRE(wait_until([&] { return manager.targets().at(0).interval == 300ms; }));
    const auto before = rec->samples("m").size();
    REQUIRE(wait_until([&] { return rec->samples("m").size() >= before + 2; }));
    for (const auto& s : rec->samples("m")) CHECK_FALSE(autoscrape::storage::is_stale_nan(s.value));
    CHECK(server.connections() == 1);
}

TEST_CASE("The targets JSON has Prometheus' shape") {
    TargetStatus up;
    up.discovered = LabelSet{{"__address__", "10.0.0.1:80"}, {"job", "web"}};
    up.labels = LabelSet{{"instance", "10.0.0.1:80"}, {"job", "web"}};
    up.scrape_pool = "web";
    up.scrape_url = "http://10.0.0.1:80/metrics";
    up.last_scrape = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'250));
    up.last_duration_seconds = 0.5;
    up.health = Health::Up;
    up.interval = 15s;
    up.timeout = 10s;
    TargetStatus dropped;
    dropped.active = false;
    dropped.discovered = LabelSet{{"__address__", "10.0.0.2:80"}, {"job", "db"}};
    dropped.scrape_pool = "db";

    const auto doc = json::parse(render_targets_json({up, dropped}, "")).as_object();
    CHECK(doc.at("status") == "success");
    const auto& data = doc.at("data").as_object();
    const auto& a = data.at("activeTargets").as_array().at(0).as_object();
    CHECK(a.at("labels").at("instance") == "10.0.0.1:80");
    CHECK(a.at("discoveredLabels").at("__address__") == "10.0.0.1:80");
    CHECK(a.at("scrapePool") == "web");
    CHECK(a.at("scrapeUrl") == "http://10.0.0.1:80/metrics");
    CHECK(a.at("globalUrl") == "http://10.0.0.1:80/metrics");
    CHECK(a.at("lastError") == "");
    CHECK(a.at("lastScrape") == "2023-11-14T22:13:20.25Z");
    CHECK(a.at("lastScrapeDuration").as_double() == 0.5);
    CHECK(a.at("health") == "up");
    CHECK(a.at("scrapeInterval") == "15s");
    CHECK(a.at("scrapeTimeout") == "10s");
    CHECK(data.at("droppedTargets").as_array().at(0).at("discoveredLabels").at("job") == "db");
    CHECK(data.at("droppedTargetCounts").at("db") == 1);
}

TEST_CASE("The state filter selects active or dropped targets") {
    TargetStatus up;
    up.scrape_pool = "web";
    TargetStatus dropped;
    dropped.active = false;
    const auto active = json::parse(render_targets_json({up, dropped}, "Active")).at("data").as_object();
    CHECK(active.at("activeTargets").as_array().size() == 1);
    CHECK(active.at("droppedTargets").as_array().empty());
    const auto only_dropped = json::parse(render_targets_json({up, dropped}, "dropped")).at("data").as_object();
    CHECK(only_dropped.at("activeTargets").as_array().empty());
    CHECK(only_dropped.at("droppedTargets").as_array().size() == 1);
    const auto never = json::parse(render_targets_json({up}, "")).at("data").at("activeTargets").at(0);
    CHECK(never.at("lastScrape") == "0001-01-01T00:00:00Z");
    CHECK(never.at("health") == "unknown");
}
