// The probe manager driven by hand-built discovery updates against loopback servers: loops start
// and stop with containers, a changed container keeps its unchanged loops, reloads apply modules
// and probes.enabled, and the self-metrics and /api/v1/targets entries follow.
#include "agent/scrape/targets_api.hpp"
#include "agent/storage/stale.hpp"
#include "probe_loop_support.hpp"
#include "probe_test_support.hpp"
#include "probes/probe_manager.hpp"
#include "scrape_fixtures.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

using namespace autoscrape;
using namespace autoscrape::probes;
using namespace autoscrape::probes::testing;
using autoscrape::scrape::testing::Recorded;
using autoscrape::scrape::testing::RecordingAppender;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

Session accept_and_close() {
    return [](asio::ip::tcp::socket) -> asio::awaitable<void> { co_return; };
}

config::Config fast_config() {
    config::Config c;
    c.probes.interval = 200ms;
    c.probes.modules["tcp_connect"] = tcp_module(config::ProbeModule::Prober::Tcp, 150);
    c.probes.modules["tcp_second"] = tcp_module(config::ProbeModule::Prober::Tcp, 150);
    return c;
}

// probe_success samples, by the `instance` and `module` of their series. Reads under the
// recorder's lock: the loops append on the runner's thread meanwhile.
struct Probes {
    std::shared_ptr<Recorded> rec;

    std::vector<storage::Sample> of(const std::string& instance, const std::string& module = "tcp_connect") const {
        std::lock_guard lock(rec->mutex);
        std::vector<storage::Sample> out;
        for (const auto& s : rec->committed) {
            const auto& labels = rec->labels[s.ref - 1];
            if (label_value(labels, "__name__") == "probe_success" && label_value(labels, "instance") == instance &&
                label_value(labels, "module") == module)
                out.push_back(s);
        }
        return out;
    }
    std::string job_of(storage::SeriesRef ref) const {
        std::lock_guard lock(rec->mutex);
        return label_value(rec->labels[ref - 1], "job");
    }
    bool ended(const std::string& instance, const std::string& module = "tcp_connect") const {
        const auto samples = of(instance, module);
        return !samples.empty() && stale_bits(samples.back().value);
    }
    std::size_t stale_count(const std::string& instance, const std::string& module = "tcp_connect") const {
        std::size_t n = 0;
        for (const auto& s : of(instance, module)) n += stale_bits(s.value) ? 1 : 0;
        return n;
    }
};

double metric_value(prometheus::Registry& registry, const std::string& name, const prometheus::Labels& labels = {}) {
    for (const auto& family : registry.Collect()) {
        if (family.name != name) continue;
        for (const auto& m : family.metric) {
            bool match = true;
            for (const auto& [k, v] : labels) {
                const bool has = std::any_of(m.label.begin(), m.label.end(),
                                             [&](const auto& l) { return l.name == k && l.value == v; });
                match = match && has;
            }
            if (match) return family.type == prometheus::MetricType::Gauge ? m.gauge.value : m.counter.value;
        }
    }
    return -1;
}

struct Fixture {
    std::shared_ptr<Recorded> rec = std::make_shared<Recorded>();
    Probes probes{rec};
    prometheus::Registry registry;
    Runner runner;
    ProbeManager manager;

    explicit Fixture(const config::Config& config = fast_config())
        : manager(runner.io, config, [rec = rec] { return std::make_unique<RecordingAppender>(rec); }, registry) {}
};

}  // namespace

TEST_CASE("The manager runs a loop per module and port and ends a removed container's series") {
    LoopbackServer a(accept_and_close()), b(accept_and_close());
    Fixture f;
    const auto pa = std::to_string(a.port()), pb = std::to_string(b.port());
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + pa + ",tcp_second:" + pa),
                               container_group("c2", "two", "tcp_connect:" + pb)}});
    CHECK(f.manager.loop_count() == 3);
    REQUIRE(wait_until([&] {
        return f.probes.of(a.address()).size() >= 2 && f.probes.of(a.address(), "tcp_second").size() >= 1 &&
               f.probes.of(b.address()).size() >= 2;
    }));
    CHECK(f.probes.of(b.address()).back().value == 1);

    f.manager.apply({.removed = {"c2"}});
    CHECK(f.manager.loop_count() == 2);
    REQUIRE(wait_until([&] { return f.probes.ended(b.address()); }));
    std::this_thread::sleep_for(400ms);  // two more intervals: c2 stays ended, c1 goes on
    CHECK(f.probes.ended(b.address()));
    CHECK(f.probes.stale_count(b.address()) == 1);
    CHECK_FALSE(f.probes.ended(a.address()));
}

TEST_CASE("A changed container keeps the loops whose module, port, address and labels did not change") {
    LoopbackServer a(accept_and_close());
    Fixture f;
    const auto pa = std::to_string(a.port());
    const auto closed = std::to_string(refused_port());
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + pa + ",tcp_connect:" + closed)}});
    REQUIRE(wait_until([&] { return f.probes.of("127.0.0.1:" + closed).size() >= 1; }));
    CHECK(f.probes.of("127.0.0.1:" + closed).back().value == 0);

    // The closed port is no longer probed; a label change elsewhere on the container is irrelevant.
    f.manager.apply({.changed = {container_group("c1", "one", "tcp_connect:" + pa,
                                                 {{"__meta_docker_container_label_unrelated", "x"}})}});
    CHECK(f.manager.loop_count() == 1);
    REQUIRE(wait_until([&] { return f.probes.ended("127.0.0.1:" + closed); }));
    const auto before = f.probes.of(a.address()).size();
    REQUIRE(wait_until([&] { return f.probes.of(a.address()).size() >= before + 2; }));
    CHECK(f.probes.stale_count(a.address()) == 0);

    // A new job label makes other series: the old ones end, new ones start.
    f.manager.apply({.changed = {container_group("c1", "one", "tcp_connect:" + pa, {{"__meta_autoscrape_job", "db"}})}});
    REQUIRE(wait_until([&] { return f.probes.stale_count(a.address()) == 1; }));
    REQUIRE(wait_until([&] {
        for (const auto& s : f.probes.of(a.address()))
            if (f.probes.job_of(s.ref) == "db" && s.value == 1) return true;
        return false;
    }));
}

TEST_CASE("probes.enabled=false stops every loop with stale markers and enabling restarts them") {
    LoopbackServer a(accept_and_close());
    Fixture f;
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + std::to_string(a.port()))}});
    REQUIRE(wait_until([&] { return f.probes.of(a.address()).size() >= 1; }));

    auto off = fast_config();
    off.probes.enabled = false;
    f.manager.reload(off);
    CHECK(f.manager.loop_count() == 0);
    REQUIRE(wait_until([&] { return f.probes.ended(a.address()); }));

    f.manager.reload(fast_config());
    CHECK(f.manager.loop_count() == 1);
    REQUIRE(wait_until([&] { return f.probes.of(a.address()).back().value == 1; }));
}

TEST_CASE("A reload that removes a module stops its loops") {
    LoopbackServer a(accept_and_close());
    Fixture f;
    const auto pa = std::to_string(a.port());
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + pa + ",tcp_second:" + pa)}});
    REQUIRE(wait_until([&] { return f.probes.of(a.address(), "tcp_second").size() >= 1; }));
    auto fewer = fast_config();
    fewer.probes.modules.erase("tcp_second");
    f.manager.reload(fewer);
    CHECK(f.manager.loop_count() == 1);
    REQUIRE(wait_until([&] { return f.probes.ended(a.address(), "tcp_second"); }));
    CHECK_FALSE(f.probes.ended(a.address()));
}

TEST_CASE("Self-metrics count the loops and the probes by module and result") {
    LoopbackServer a(accept_and_close());
    Fixture f;
    const auto closed = std::to_string(refused_port());
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + std::to_string(a.port())),
                               container_group("c2", "two", "tcp_connect:" + closed)}});
    CHECK(metric_value(f.registry, "autoscrape_probe_loops") == 2);
    REQUIRE(wait_until([&] {
        return metric_value(f.registry, "autoscrape_probes_total", {{"module", "tcp_connect"}, {"result", "success"}}) >=
                   2 &&
               metric_value(f.registry, "autoscrape_probes_total", {{"module", "tcp_connect"}, {"result", "failure"}}) >=
                   2;
    }));
    f.manager.stop();
    CHECK(metric_value(f.registry, "autoscrape_probe_loops") == 0);
}

TEST_CASE("Probe loops are listed as targets in scrape pool probe/<module>") {
    LoopbackServer a(accept_and_close());
    Fixture f;
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + std::to_string(a.port()))}});
    REQUIRE(wait_until([&] { return f.probes.of(a.address()).size() >= 1; }));
    const auto targets = f.manager.targets();
    REQUIRE(targets.size() == 1);
    CHECK(targets[0].active);
    CHECK(targets[0].scrape_pool == "probe/tcp_connect");
    CHECK(targets[0].scrape_url == "tcp://" + a.address());
    CHECK(targets[0].labels.get("instance") == a.address());
    CHECK(targets[0].discovered.get("__meta_docker_container_id") == "c1");
    CHECK(targets[0].interval == 200ms);
    CHECK(targets[0].timeout == 150ms);
    REQUIRE(wait_until([&] { return f.manager.targets().at(0).health == scrape::Health::Up; }));
}

TEST_CASE("/api/v1/targets lists probe loops under probeTargets, apart from the scrape targets") {
    LoopbackServer a(accept_and_close());
    Fixture f;
    f.manager.apply({.added = {container_group("c1", "one", "tcp_connect:" + std::to_string(a.port()))}});
    REQUIRE(wait_until([&] { return f.manager.targets().at(0).health == scrape::Health::Up; }));
    const auto data = boost::json::parse(scrape::render_targets_json({}, "active", f.manager.targets())).at("data");
    CHECK(data.at("activeTargets").as_array().empty());
    const auto& probe = data.at("probeTargets").as_array().at(0);
    CHECK(probe.at("scrapePool") == "probe/tcp_connect");
    CHECK(probe.at("labels").at("module") == "tcp_connect");
    CHECK(probe.at("health") == "up");
    CHECK(probe.at("scrapeInterval") == "200ms");
    const auto dropped = boost::json::parse(scrape::render_targets_json({}, "dropped", f.manager.targets())).at("data");
    CHECK_FALSE(dropped.as_object().contains("probeTargets"));
}
