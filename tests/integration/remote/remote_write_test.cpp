#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>

#include <prometheus/registry.h>

#include "agent/remote/remote_write_stage.hpp"
#include "tests/integration/remote/receivers.hpp"
#include "tests/integration/support/process.hpp"

using namespace autoscrape;
using testing::Receiver;
using namespace std::chrono_literals;

namespace {

std::int64_t now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A metric name no other test (or earlier run against a shared receiver) used.
std::string unique_metric(const std::string& test)
{
    static int counter = 0;
    return "it_remote_" + test + "_" + std::to_string(::getpid()) + "_" + std::to_string(now_ms()) + "_" +
           std::to_string(counter++);
}

config::Config stage_config(const std::string& wal_dir, const std::string& url)
{
    config::Config c;
    c.wal.dir = wal_dir;
    c.wal.fsync_interval = 1s;
    config::RemoteWriteConfig rw;
    rw.name = "it";
    rw.url = url;
    rw.remote_timeout = 5s;
    rw.queue_config.min_backoff = 50ms;
    rw.queue_config.max_backoff = 1s;
    rw.queue_config.batch_send_deadline = 200ms;
    c.remote_write = {rw};
    return c;
}

// `n` samples of one series, values 0..n-1, one second apart ending about now, in commits of 100.
void append(storage::Appender& app, const std::string& name, int n, std::int64_t end_ms)
{
    const auto ref = app.series({{"__name__", name}, {"test", "remote"}});
    for (int i = 0; i < n; ++i) {
        app.append(ref, end_ms - (n - i) * 1000LL, i);
        if (i % 100 == 99 || i == n - 1) {
            app.commit();
        }
    }
}

double sum_to(int n)
{
    return static_cast<double>(n) * (n - 1) / 2;
}

double metric_total(prometheus::Registry& registry, const std::string& name)
{
    double total = 0;
    for (const auto& family : registry.Collect()) {
        if (family.name == name) {
            for (const auto& m : family.metric) {
                total += m.counter.value + m.gauge.value;  // the one its type fills
            }
        }
    }
    return total;
}

void check_exact_delivery(Receiver& rx, int n)
{
    const auto dir = testing::make_temp_dir();
    const auto name = unique_metric("exact");
    {
        prometheus::Registry registry;
        remote::RemoteWriteStage stage(stage_config(dir, rx.write_url()), registry);
        stage.start();
        auto app = stage.appender();
        append(*app, name, n, now_ms());
        CHECK(rx.wait_for_value("count_over_time(" + name + "[1h])", n, 60s) == n);
        CHECK(rx.wait_for_value("sum_over_time(" + name + "[1h])", sum_to(n), 10s) == sum_to(n));
        stage.stop(5s);
    }
    testing::remove_tree(dir);
}

}  // namespace

TEST_CASE("Every sample arrives in VictoriaMetrics with its exact value")
{
    auto rx = Receiver::shared(Receiver::Kind::VictoriaMetrics, "AUTOSCRAPE_TEST_VM_URL");
    check_exact_delivery(*rx, 2'000);
}

TEST_CASE("Every sample arrives in Prometheus' remote-write receiver with its exact value")
{
    auto rx = Receiver::shared(Receiver::Kind::Prometheus, "AUTOSCRAPE_TEST_PROMETHEUS_URL");
    check_exact_delivery(*rx, 2'000);
}

TEST_CASE("Samples appended while the receiver is down all arrive after it comes back")
{
    Receiver vm(Receiver::Kind::VictoriaMetrics);
    vm.start();
    const auto dir = testing::make_temp_dir();
    const auto name = unique_metric("outage");
    {
        prometheus::Registry registry;
        remote::RemoteWriteStage stage(stage_config(dir, vm.write_url()), registry);
        stage.start();
        auto app = stage.appender();
        append(*app, name, 10, now_ms() - 2'000'000);
        REQUIRE(vm.wait_for_value("count_over_time(" + name + "[1h])", 10, 30s) == 10);
        vm.stop();
        const int n = 1'500;
        append(*app, name + "_during", n, now_ms());
        std::this_thread::sleep_for(2s);  // several failed attempts while it is down
        CHECK(metric_total(registry, "autoscrape_remote_storage_samples_retried_total") > 0);
        vm.start();
        CHECK(vm.wait_for_value("count_over_time(" + name + "_during[1h])", n, 60s) == n);
        CHECK(vm.wait_for_value("sum_over_time(" + name + "_during[1h])", sum_to(n), 10s) == sum_to(n));
        stage.stop(5s);
    }
    testing::remove_tree(dir);
}

TEST_CASE("Samples committed by a process killed with SIGKILL are delivered by the next one")
{
    Receiver vm(Receiver::Kind::VictoriaMetrics);  // not started: the first process cannot send
    const auto dir = testing::make_temp_dir();
    const auto name = unique_metric("kill9");
    const int n = 3'000;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(ready[0]);
        prometheus::Registry registry;
        remote::RemoteWriteStage stage(stage_config(dir, vm.write_url()), registry);
        stage.start();
        auto app = stage.appender();
        append(*app, name, n, now_ms());
        const char done = 'x';
        (void)!::write(ready[1], &done, 1);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char done = 0;
    const bool committed = ::read(ready[0], &done, 1) == 1;
    ::close(ready[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(committed);
    CHECK(WIFSIGNALED(status));

    vm.start();
    {
        prometheus::Registry registry;
        remote::RemoteWriteStage stage(stage_config(dir, vm.write_url()), registry);
        stage.start();
        CHECK(vm.wait_for_value("count_over_time(" + name + "[1h])", n, 60s) == n);
        CHECK(vm.wait_for_value("sum_over_time(" + name + "[1h])", sum_to(n), 10s) == sum_to(n));
        stage.stop(5s);
    }
    testing::remove_tree(dir);
}

TEST_CASE("A full WAL drops the oldest samples, counts them, and delivers the newest")
{
    Receiver vm(Receiver::Kind::VictoriaMetrics);  // down while the WAL fills
    const auto dir = testing::make_temp_dir();
    const auto name = unique_metric("walfull");
    auto cfg = stage_config(dir, vm.write_url());
    cfg.wal.segment_size = 16 << 10;
    cfg.wal.max_size = 64 << 10;
    cfg.remote_write[0].queue_config.capacity = 100;
    cfg.remote_write[0].queue_config.max_samples_per_send = 100;
    const int n = 20'000;
    {
        prometheus::Registry registry;
        remote::RemoteWriteStage stage(cfg, registry);
        stage.start();
        auto app = stage.appender();
        const auto end = now_ms();
        append(*app, name, n, end);
        const double dropped = metric_total(registry, "autoscrape_wal_samples_dropped_total");
        CHECK(dropped > 0);
        CHECK(dropped < n);

        vm.start();
        // The newest samples are all there: at `end`, a 500 s window holds the last 499 of them.
        const std::string newest = "count_over_time(" + name + "[500s])";
        const auto newest_count = vm.wait_for_value(newest, 499, 60s, end);
        CHECK(newest_count == 499);
        if (newest_count != 499) {  // failed once in CI with no send attempt logged: say why next time
            WARN("newest: " << (newest_count ? std::to_string(*newest_count) : "no result") << "; sent "
                            << metric_total(registry, "autoscrape_remote_storage_samples_total") << ", retried "
                            << metric_total(registry, "autoscrape_remote_storage_samples_retried_total")
                            << ", pending " << metric_total(registry, "autoscrape_remote_storage_samples_pending")
                            << "; " << vm.describe());
        }
        // Everything the WAL kept arrives; what it dropped does not (a shard may still have held a
        // few hundred (queue, batch, record) of the dropped ones in memory, and those are delivered too).
        const auto total = vm.wait_for_value("count_over_time(" + name + "[6h])", n - dropped, 30s);
        REQUIRE(total);
        CHECK(*total >= n - dropped);
        CHECK(*total <= n - dropped + 300);
        stage.stop(5s);
    }
    testing::remove_tree(dir);
}
