#include "probes/container_stats.hpp"
#include "agent/storage/stale.hpp"
#include "cgroup_tree.hpp"
#include "scrape_fixtures.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <catch2/catch.hpp>
#include <prometheus/registry.h>

#include <atomic>
#include <thread>

using namespace autoscrape;
using namespace autoscrape::probes;
using autoscrape::probes::testing::CgroupValues;
using autoscrape::probes::testing::FakeHost;
using autoscrape::scrape::testing::Recorded;
using autoscrape::scrape::testing::RecordingAppender;
namespace asio = boost::asio;

namespace {

const std::string kId = "c4c94846a07ee4470e5cc8aecdb9b73bf43cdbf9d61f7d1c502b774230f35098";

discovery::TargetGroup group_of(const std::string& id, const std::string& name) {
    discovery::Target t;
    t.labels = {{"__address__", "172.18.0.2:80"},
                {"__meta_docker_container_id", id},
                {"__meta_docker_container_name", "/" + name},
                {"__meta_autoscrape_compose_service", "web"},
                {"__meta_autoscrape_compose_project", "shop"}};
    return {id, {t}};
}

std::string value_of(const storage::Labels& labels, const std::string& name) {
    for (const auto& [n, v] : labels)
        if (n == name) return v;
    return {};
}

// The stage over a fake host, an inspector answering from `inspects`, and a recording appender.
struct Fixture {
    FakeHost host;
    std::shared_ptr<Recorded> rec = std::make_shared<Recorded>();
    std::mutex mutex;
    std::map<std::string, discovery::ContainerInspect> inspects;
    std::atomic<int> inspect_calls{0};
    prometheus::Registry registry;
    asio::io_context io;
    std::shared_ptr<ContainerStats> stats;
    asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
    std::thread thread;

    std::string stats_json;  // the Docker stats API's answer, when the fixture falls back to it

    explicit Fixture(bool api_fallback = false) {
        const auto interval = std::chrono::milliseconds(100);
        host.write_partitions();
        config::ContainerStatsConfig config;
        config.interval = interval;
        config.cgroup_root = host.cgroup_root();
        config.proc_root = host.proc_root();
        auto inspect = [this](const std::string& id) -> asio::awaitable<discovery::Result<discovery::ContainerInspect>> {
            ++inspect_calls;
            std::lock_guard lock(mutex);
            auto it = inspects.find(id);
            if (it == inspects.end()) co_return discovery::Error{"no such container"};
            co_return it->second;
        };
        stats = std::make_shared<ContainerStats>(asio::make_strand(io), config, inspect,
                                                 std::make_unique<RecordingAppender>(rec), registry);
        if (api_fallback) {
            stats->use_stats_api_fallback([this](const std::string&) -> asio::awaitable<discovery::Result<std::string>> {
                std::lock_guard lock(mutex);
                if (stats_json.empty()) co_return discovery::Error{"no stats"};
                co_return stats_json;
            });
        }
        stats->start();
        thread = std::thread([this] { io.run(); });
    }
    ~Fixture() {
        stats->stop();
        guard.reset();
        thread.join();
    }

    void set_inspect(std::int64_t pid, std::int64_t restarts, const std::string& health = {}) {
        discovery::ContainerInspect c;
        c.id = kId;
        c.name = "shop-web-1";
        c.image = "nginx:1.25";
        c.status = "running";
        c.pid = pid;
        c.started_at_seconds = 1795667023.5;
        c.restart_count = restarts;
        c.health_status = health;
        std::lock_guard lock(mutex);
        inspects[kId] = c;
    }

    template <class Pred>
    bool wait_until(Pred pred) {
        for (int i = 0; i < 250 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return pred();
    }

    // The last committed value of `name`, with its labels; nullopt when none.
    std::optional<std::pair<double, storage::Labels>> last(const std::string& name) {
        auto samples = rec->samples(name);
        if (samples.empty()) return std::nullopt;
        return std::pair{samples.back().value, rec->labels_of(samples.back().ref)};
    }
};

}  // namespace

TEST_CASE("A discovered container gets cAdvisor's series with its identity labels and the cgroup's values") {
    Fixture f;
    CgroupValues values;
    values.memory_limit = 512 << 20;
    f.host.write_cgroup(false, true, kId, values);
    f.host.write_net_dev(4242, 1000, 2000);
    f.set_inspect(4242, 2, "healthy");
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});

    REQUIRE(f.wait_until([&] { return f.last("container_cpu_usage_seconds_total").has_value(); }));
    auto [cpu, labels] = *f.last("container_cpu_usage_seconds_total");
    CHECK(cpu == Approx(2.5));
    CHECK(value_of(labels, "cpu") == "total");
    CHECK(value_of(labels, "id") == "/system.slice/docker-" + kId + ".scope");
    CHECK(value_of(labels, "name") == "shop-web-1");
    CHECK(value_of(labels, "container") == "shop-web-1");
    CHECK(value_of(labels, "image") == "nginx:1.25");
    CHECK(value_of(labels, "compose_service") == "web");
    CHECK(value_of(labels, "compose_project") == "shop");
    CHECK(f.last("container_memory_usage_bytes")->first == 50 << 20);
    CHECK(f.last("container_memory_working_set_bytes")->first == 40 << 20);
    CHECK(f.last("container_spec_memory_limit_bytes")->first == 512 << 20);
    auto rx = *f.last("container_network_receive_bytes_total");
    CHECK(rx.first == 1000);
    CHECK(value_of(rx.second, "interface") == "eth0");
    CHECK(f.last("container_network_transmit_bytes_total")->first == 2000);
    CHECK(f.last("container_network_receive_errors_total")->first == 1);
    auto reads = *f.last("container_fs_reads_bytes_total");
    CHECK(reads.first == 4096);
    CHECK(value_of(reads.second, "device") == "/dev/vda");
    CHECK(f.last("container_fs_writes_bytes_total")->first == 8192);
    CHECK(f.last("container_start_time_seconds")->first == 1795667023.5);
    CHECK(f.last("autoscrape_container_restarts_total")->first == 2);
    double healthy = -1, unhealthy = -1;
    for (const auto& s : f.rec->samples("autoscrape_container_health_status")) {
        const auto status = value_of(f.rec->labels_of(s.ref), "status");
        if (status == "healthy") healthy = s.value;
        if (status == "unhealthy") unhealthy = s.value;
    }
    CHECK(healthy == 1);
    CHECK(unhealthy == 0);
    CHECK(f.stats->container_count() == 1);
}

TEST_CASE("Every pass appends the current counters and a container without healthcheck has no health series") {
    Fixture f;
    f.host.write_cgroup(true, false, kId, CgroupValues{});
    f.host.write_net_dev(4242, 1000, 2000);
    f.set_inspect(4242, 0);
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f.wait_until([&] { return f.stats->passes() >= 1 && f.last("container_last_seen").has_value(); }));
    CgroupValues later;
    later.cpu_ns = 7'000'000'000;
    f.host.write_cgroup(true, false, kId, later);
    REQUIRE(f.wait_until([&] { return f.last("container_cpu_usage_seconds_total")->first == Approx(7.0); }));
    CHECK(value_of(f.last("container_cpu_usage_seconds_total")->second, "id") == "/docker/" + kId);
    CHECK(f.rec->samples("autoscrape_container_health_status").empty());
}

TEST_CASE("A container that goes away gets a stale marker on every series it had") {
    Fixture f;
    f.host.write_cgroup(false, false, kId, CgroupValues{});
    f.host.write_net_dev(4242, 1, 2);
    f.set_inspect(4242, 0);
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f.wait_until([&] { return f.last("container_memory_usage_bytes").has_value(); }));
    f.stats->apply({{}, {}, {kId}});
    REQUIRE(f.wait_until([&] { return f.stats->container_count() == 0; }));
    REQUIRE(f.wait_until([&] { return storage::is_stale_nan(f.last("container_memory_usage_bytes")->first); }));
    std::lock_guard lock(f.rec->mutex);
    std::map<storage::SeriesRef, double> last_value;
    for (const auto& s : f.rec->committed) last_value[s.ref] = s.value;
    CHECK(last_value.size() >= 14);
    for (const auto& [ref, v] : last_value) CHECK(storage::is_stale_nan(v));
}

TEST_CASE("A restarted container is inspected again and its new pid and restart count are used") {
    Fixture f;
    f.host.write_cgroup(false, false, kId, CgroupValues{});
    f.host.write_net_dev(4242, 1, 2);
    f.set_inspect(4242, 0);
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f.wait_until([&] { return f.last("container_network_receive_bytes_total").has_value(); }));
    const int calls = f.inspect_calls;
    // The old process is gone; Docker now reports the new one.
    f.host.remove_pid(4242);
    f.host.write_net_dev(5151, 77, 88);
    f.set_inspect(5151, 1);
    REQUIRE(f.wait_until([&] { return f.last("container_network_receive_bytes_total")->first == 77; }));
    CHECK(f.inspect_calls > calls);
    CHECK(f.last("autoscrape_container_restarts_total")->first == 1);
}

TEST_CASE("A container whose inspect failed is inspected again at the next pass") {
    Fixture f;
    f.host.write_cgroup(false, false, kId, CgroupValues{});
    f.host.write_net_dev(4242, 1, 2);
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});  // the inspector does not know it yet
    REQUIRE(f.wait_until([&] { return f.stats->passes() >= 2 && f.inspect_calls >= 2; }));
    CHECK_FALSE(f.last("container_memory_usage_bytes").has_value());
    f.set_inspect(4242, 0);
    REQUIRE(f.wait_until([&] { return f.last("container_memory_usage_bytes").has_value(); }));
}

TEST_CASE("A container with a healthcheck is inspected again every few passes and its new health is used") {
    Fixture f;
    f.host.write_cgroup(true, true, kId, CgroupValues{});
    f.host.write_net_dev(4242, 1, 2);
    f.set_inspect(4242, 0, "starting");
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    auto health = [&](const std::string& status) {
        double value = -1;
        for (const auto& s : f.rec->samples("autoscrape_container_health_status")) {
            if (value_of(f.rec->labels_of(s.ref), "status") == status) value = s.value;
        }
        return value;
    };
    REQUIRE(f.wait_until([&] { return health("starting") == 1; }));
    f.set_inspect(4242, 0, "unhealthy");
    REQUIRE(f.wait_until([&] { return health("unhealthy") == 1; }));
    CHECK(health("starting") == 0);
}

TEST_CASE("A container whose cgroup cannot be found is retried and sampled once it appears") {
    Fixture f;
    f.host.write_net_dev(4242, 1, 2);
    f.set_inspect(4242, 0);
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f.wait_until([&] { return f.stats->passes() >= 2; }));
    CHECK_FALSE(f.last("container_memory_usage_bytes").has_value());
    f.host.write_cgroup(true, true, kId, CgroupValues{});
    REQUIRE(f.wait_until([&] { return f.last("container_memory_usage_bytes").has_value(); }));
}

TEST_CASE("A container without a readable cgroup is sampled through the Docker stats API when allowed") {
    Fixture f(true);
    f.host.write_net_dev(4242, 1, 2);
    f.set_inspect(4242, 3);
    {
        std::lock_guard lock(f.mutex);
        f.stats_json = R"({"cpu_stats":{"cpu_usage":{"total_usage":1500000000}},
            "memory_stats":{"usage":1000,"stats":{"total_inactive_file":400,"hierarchical_memory_limit":8192}},
            "networks":{"eth0":{"rx_bytes":55,"tx_bytes":66}}})";
    }
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f.wait_until([&] { return f.last("container_memory_working_set_bytes").has_value(); }));
    auto [cpu, labels] = *f.last("container_cpu_usage_seconds_total");
    CHECK(cpu == 1.5);
    CHECK(value_of(labels, "id") == "/docker/" + kId);
    CHECK(f.last("container_memory_working_set_bytes")->first == 600);
    CHECK(f.last("container_spec_memory_limit_bytes")->first == 8192);
    CHECK(f.last("container_network_transmit_bytes_total")->first == 66);
    CHECK(f.last("autoscrape_container_restarts_total")->first == 3);
    // Once the cgroup is readable, the files take over.
    f.host.write_cgroup(false, false, kId, CgroupValues{});
    REQUIRE(f.wait_until([&] { return f.last("container_cpu_usage_seconds_total")->first == Approx(2.5); }));
}

TEST_CASE("Stopping the stage writes stale markers for every container's series") {
    auto f = std::make_unique<Fixture>();
    f->host.write_cgroup(true, false, kId, CgroupValues{});
    f->host.write_net_dev(4242, 1, 2);
    f->set_inspect(4242, 0);
    f->stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f->wait_until([&] { return f->last("container_memory_usage_bytes").has_value(); }));
    auto rec = f->rec;
    f.reset();  // stop() then the io_context runs dry
    auto samples = rec->samples("container_cpu_usage_seconds_total");
    REQUIRE_FALSE(samples.empty());
    CHECK(storage::is_stale_nan(samples.back().value));
}

TEST_CASE("A series the container no longer has (an interface gone) gets a stale marker") {
    auto rec = std::make_shared<Recorded>();
    RecordingAppender app(rec);
    ContainerSeries series({"/docker/x", "x", "img", "", ""});
    CgroupSample cgroup;
    std::vector<InterfaceStats> two{{"eth0", 1, 1, 0, 1, 1, 0}, {"eth1", 2, 2, 0, 2, 2, 0}};
    series.append_pass(app, 1000, cgroup, two, {}, {});
    const auto with_two = series.series_count();
    series.append_pass(app, 2000, cgroup, {two[0]}, {}, {});
    app.commit();
    CHECK(series.series_count() == with_two - 6);
    int stale = 0;
    for (const auto& s : rec->samples("container_network_receive_bytes_total")) {
        if (storage::is_stale_nan(s.value)) {
            ++stale;
            CHECK(value_of(rec->labels_of(s.ref), "interface") == "eth1");
            CHECK(s.timestamp_ms == 2000);
        }
    }
    CHECK(stale == 1);
    // Empty compose labels are dropped, not sent as empty values.
    auto cpu = rec->samples("container_cpu_usage_seconds_total");
    for (const auto& [n, v] : rec->labels_of(cpu.front().ref)) CHECK(n != "compose_service");
}

TEST_CASE("A container whose refs the WAL forgot gets fresh ones and its pass is appended whole") {
    Fixture f;
    f.host.write_cgroup(true, false, kId, CgroupValues{});
    f.host.write_net_dev(4242, 1000, 2000);
    f.set_inspect(4242, 0);
    f.stats->apply({{group_of(kId, "shop-web-1")}, {}, {}});
    REQUIRE(f.wait_until([&] { return f.last("container_cpu_usage_seconds_total").has_value(); }));
    const auto before = f.rec->samples("container_cpu_usage_seconds_total").back();
    REQUIRE(f.rec->forget_all() > 10);
    CgroupValues later;
    later.cpu_ns = 9'000'000'000;
    f.host.write_cgroup(true, false, kId, later);
    REQUIRE(f.wait_until([&] { return f.last("container_cpu_usage_seconds_total")->first == Approx(9.0); }));
    const auto after = f.rec->samples("container_cpu_usage_seconds_total").back();
    CHECK(f.rec->unknown_series_errors >= 1);
    CHECK(after.ref != before.ref);
    CHECK(f.rec->labels_of(after.ref) == f.rec->labels_of(before.ref));
    // Every series of the pass came through, not just the one looked at.
    CHECK(f.last("container_network_receive_bytes_total")->first == 1000);
    CHECK_FALSE(f.rec->was_forgotten(f.rec->samples("container_network_receive_bytes_total").back().ref));
}
