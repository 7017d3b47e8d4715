#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "agent/remote/queue_manager.hpp"
#include "tests/unit/remote/queue_test_support.hpp"
#include "tests/unit/remote/test_receiver.hpp"

using namespace autoscrape;
using remote::QueueManager;
using remote::QueueMetricFamilies;
using remote::test::append_series;
using remote::test::endpoint;
using remote::test::eventually;
using remote::test::metric;
using remote::test::Reply;
using remote::test::TempDir;
using remote::test::TestReceiver;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    TempDir dir;
    prometheus::Registry registry;
    storage::Wal wal{storage::test::wal_config(dir), registry};
    QueueMetricFamilies families{registry};
};

std::vector<std::pair<std::string, std::string>> labels_of(const prometheus::TimeSeries& ts)
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& l : ts.labels()) {
        out.emplace_back(l.name(), l.value());
    }
    return out;
}

}  // namespace

TEST_CASE("Every committed sample is delivered once, values and timestamps intact")
{
    Fixture f;
    TestReceiver rx;
    append_series(f.wal, "m", 250);
    QueueManager q(endpoint("a", rx.url()), {}, f.wal, f.families);
    q.start();
    REQUIRE(rx.wait_for_samples(250, 5s));
    q.stop(Clock::now() + 1s);
    std::set<std::int64_t> timestamps;
    for (const auto& r : rx.received()) {
        for (const auto& ts : r.request.timeseries()) {
            for (const auto& s : ts.samples()) {
                CHECK(s.value() == static_cast<double>((s.timestamp() - 1'700'000'000'000) / 1000));
                timestamps.insert(s.timestamp());
            }
        }
    }
    CHECK(timestamps.size() == 250);
    CHECK(rx.accepted_samples() == 250);
    CHECK(metric(f.registry, "autoscrape_remote_storage_samples_total", "a") == 250);
    CHECK(metric(f.registry, "autoscrape_remote_storage_bytes_total", "a") > 0);
    CHECK(metric(f.registry, "autoscrape_remote_storage_queue_highest_sent_timestamp_seconds", "a") ==
          Approx(1'700'000'249.0));
}

TEST_CASE("External labels are added unless the series has them, and sorted in with the others")
{
    Fixture f;
    TestReceiver rx;
    {
        auto app = f.wal.appender();
        app->append(app->series({{"zone", "own"}, {"__name__", "m"}, {"a", "1"}}), 1000, 1);
        app->commit();
    }
    QueueManager q(endpoint("a", rx.url()), {{"zone", "ext"}, {"cluster", "c1"}, {"Region", "r1"}}, f.wal, f.families);
    q.start();
    REQUIRE(rx.wait_for_samples(1, 5s));
    const auto ts = rx.received().at(0).request.timeseries(0);
    const std::vector<std::pair<std::string, std::string>> want{
        {"Region", "r1"}, {"__name__", "m"}, {"a", "1"}, {"cluster", "c1"}, {"zone", "own"}};
    CHECK(labels_of(ts) == want);
}

TEST_CASE("write_relabel_configs drop series before sending and count them as dropped")
{
    Fixture f;
    TestReceiver rx;
    append_series(f.wal, "keep_me", 3);
    append_series(f.wal, "drop_me", 4);
    auto cfg = endpoint("a", rx.url());
    config::RelabelConfig drop;
    drop.source_labels = {"__name__"};
    drop.regex = "drop_.*";
    drop.action = config::RelabelAction::Drop;
    cfg.write_relabel_configs = {drop};
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    REQUIRE(rx.wait_for_samples(3, 5s));
    REQUIRE(eventually([&] { return metric(f.registry, "autoscrape_remote_storage_samples_dropped_total", "a") == 4; }));
    q.stop(Clock::now() + 1s);
    for (const auto& r : rx.received()) {
        for (const auto& ts : r.request.timeseries()) {
            CHECK(ts.labels(0).value() == "keep_me");
        }
    }
    CHECK(rx.accepted_samples() == 3);
}

TEST_CASE("Batches hold at most max_samples_per_send samples")
{
    Fixture f;
    TestReceiver rx;
    append_series(f.wal, "m", 95);
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.max_samples_per_send = 10;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    REQUIRE(rx.wait_for_samples(95, 5s));
    for (const auto& r : rx.received()) {
        int n = 0;
        for (const auto& ts : r.request.timeseries()) {
            n += ts.samples_size();
        }
        CHECK(n <= 10);
    }
    CHECK(rx.received().size() >= 10);
}

TEST_CASE("An idle shard sends a partial batch as soon as the WAL reader has caught up")
{
    Fixture f;
    TestReceiver rx;
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.batch_send_deadline = 5s;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    const auto appended = Clock::now();
    append_series(f.wal, "m", 3);
    REQUIRE(rx.wait_for_samples(3, 5s));
    CHECK(rx.received().at(0).at - appended < 1s);
    CHECK(rx.received().size() == 1);
}

TEST_CASE("While commits keep coming, the reader takes them at most every 200 ms, a request each")
{
    Fixture f;
    TestReceiver rx;
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.batch_send_deadline = 5s;
    cfg.queue_config.max_samples_per_send = 10'000;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    // Each commit 50 ms after the last: long after its request was answered, so read one by one,
    // each would be a request of its own.
    const auto first = Clock::now();
    for (int i = 0; i < 10; ++i) {
        append_series(f.wal, "m" + std::to_string(i), 5);
        std::this_thread::sleep_for(50ms);
    }
    const auto reads_allowed = 2 + (Clock::now() - first) / 200ms;
    REQUIRE(rx.wait_for_samples(50, 10s));
    CHECK(rx.accepted_samples() == 50);
    CHECK(static_cast<long>(rx.received().size()) <= reads_allowed);
}

TEST_CASE("Samples that arrive while a batch is in flight wait 250 ms to fill a batch, not batch_send_deadline")
{
    Fixture f;
    TestReceiver rx([](std::size_t n) { return Reply{200, "", "", n == 0 ? 300ms : 0ms}; });
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.batch_send_deadline = 5s;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    append_series(f.wal, "m", 3);
    REQUIRE(eventually([&] { return rx.received().size() == 1; }, 5s));
    append_series(f.wal, "m", 3, 1'800'000'000'000);  // the first request is still being answered
    REQUIRE(rx.wait_for_samples(6, 10s));
    const auto received = rx.received();
    REQUIRE(received.size() == 2);
    // Answered after 300 ms, the shard was busy: its batch waits 250 ms more for samples to fill
    // it, then goes out, the reader having caught up long before. Not at the 5 s deadline.
    const auto gap = received[1].at - received[0].at;
    CHECK(gap >= 500ms);
    CHECK(gap < 2500ms);
}

TEST_CASE("5xx answers are retried with doubling backoff until delivered")
{
    Fixture f;
    TestReceiver rx([](std::size_t n) { return n < 3 ? Reply{500} : Reply{}; });
    append_series(f.wal, "m", 5);
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.min_backoff = 100ms;
    cfg.queue_config.max_backoff = 1s;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    REQUIRE(rx.wait_for_samples(5, 10s));
    const auto got = rx.received();
    REQUIRE(got.size() == 4);
    // Waits of 100, 200 and 400 ms between the attempts.
    CHECK(got[1].at - got[0].at >= 90ms);
    CHECK(got[2].at - got[1].at >= 190ms);
    CHECK(got[3].at - got[2].at >= 390ms);
    CHECK(got[3].at - got[0].at < 3s);
    CHECK(metric(f.registry, "autoscrape_remote_storage_samples_retried_total", "a") == 15);
    CHECK(metric(f.registry, "autoscrape_remote_storage_samples_failed_total", "a") == 0);
    // The last attempt is observed once its answer is read, maybe after the receiver counted it.
    CHECK(eventually([&] { return metric(f.registry, "autoscrape_remote_storage_sent_batch_duration_seconds", "a") == 4; }));
}

TEST_CASE("A 429 with Retry-After waits as long as the receiver asked")
{
    Fixture f;
    TestReceiver rx([](std::size_t n) { return n == 0 ? Reply{429, "1"} : Reply{}; });
    append_series(f.wal, "m", 2);
    QueueManager q(endpoint("a", rx.url()), {}, f.wal, f.families);
    q.start();
    REQUIRE(rx.wait_for_samples(2, 10s));
    const auto got = rx.received();
    REQUIRE(got.size() == 2);
    CHECK(got[1].at - got[0].at >= 950ms);
    CHECK(got[1].at - got[0].at < 3s);
}

TEST_CASE("A 429 is not retried when retry_on_http_429 is off")
{
    Fixture f;
    TestReceiver rx([](std::size_t) { return Reply{429}; });
    append_series(f.wal, "m", 2);
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.retry_on_http_429 = false;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.start();
    REQUIRE(eventually([&] { return metric(f.registry, "autoscrape_remote_storage_samples_failed_total", "a") == 2; }));
    std::this_thread::sleep_for(200ms);
    CHECK(rx.received().size() == 1);
}

TEST_CASE("A 400 drops the batch, counts it as failed, and moves on")
{
    Fixture f;
    TestReceiver rx([](std::size_t n) { return n == 0 ? Reply{400, "", "bad labels"} : Reply{}; });
    append_series(f.wal, "m", 3);
    QueueManager q(endpoint("a", rx.url()), {}, f.wal, f.families);
    q.start();
    REQUIRE(eventually([&] { return metric(f.registry, "autoscrape_remote_storage_samples_failed_total", "a") == 3; }));
    append_series(f.wal, "n", 2);
    REQUIRE(rx.wait_for_samples(2, 5s));
    // Counted once the answer is read, which may be after the receiver has counted them.
    CHECK(eventually([&] { return metric(f.registry, "autoscrape_remote_storage_samples_total", "a") == 2; }));
    CHECK(metric(f.registry, "autoscrape_remote_storage_samples_retried_total", "a") == 0);
}

TEST_CASE("Delivered samples are acknowledged, so a restarted endpoint does not resend them")
{
    Fixture f;
    TestReceiver rx;
    append_series(f.wal, "m", 20);
    {
        QueueManager q(endpoint("a", rx.url()), {}, f.wal, f.families);
        q.start();
        REQUIRE(rx.wait_for_samples(20, 5s));
        q.stop(Clock::now() + 1s);
    }
    append_series(f.wal, "m", 5, 1'800'000'000'000);
    QueueManager again(endpoint("a", rx.url()), {}, f.wal, f.families);
    again.start();
    REQUIRE(rx.wait_for_samples(25, 5s));
    std::this_thread::sleep_for(200ms);
    CHECK(rx.accepted_samples() == 25);
}

TEST_CASE("Samples not delivered by the stop deadline are resent by the next start")
{
    Fixture f;
    std::atomic<bool> up{false};
    TestReceiver rx([&up](std::size_t) { return up ? Reply{} : Reply{503}; });
    append_series(f.wal, "m", 7);
    {
        QueueManager q(endpoint("a", rx.url()), {}, f.wal, f.families);
        q.start();
        REQUIRE(eventually([&] { return rx.received().size() >= 2; }));
        const auto stop_at = Clock::now();
        q.stop(stop_at + 100ms);
        CHECK(Clock::now() - stop_at < 1s);
    }
    up = true;
    QueueManager again(endpoint("a", rx.url()), {}, f.wal, f.families);
    again.start();
    CHECK(rx.wait_for_samples(7, 5s));
}

TEST_CASE("A stalled endpoint does not hold back another one")
{
    Fixture f;
    TestReceiver down([](std::size_t) { return Reply{503}; });
    TestReceiver up;
    auto slow_cfg = endpoint("slow", down.url());
    slow_cfg.queue_config.capacity = 5;
    slow_cfg.queue_config.max_samples_per_send = 5;
    QueueManager slow(slow_cfg, {}, f.wal, f.families);
    QueueManager fast(endpoint("fast", up.url()), {}, f.wal, f.families);
    slow.start();
    fast.start();
    for (int i = 0; i < 10; ++i) {
        append_series(f.wal, "m", 50, 1'700'000'000'000 + i * 100'000);
    }
    CHECK(up.wait_for_samples(500, 5s));
    CHECK(metric(f.registry, "autoscrape_remote_storage_samples_total", "slow") == 0);
    // Bounded: the shard's queue (capacity) plus the one batch it keeps retrying.
    CHECK(metric(f.registry, "autoscrape_remote_storage_samples_pending", "slow") <= 10);
}

TEST_CASE("The shard count grows when sending cannot keep up with the input")
{
    Fixture f;
    TestReceiver rx([](std::size_t) { return Reply{200, "", "", 20ms}; });
    auto cfg = endpoint("a", rx.url());
    cfg.queue_config.max_samples_per_send = 10;
    cfg.queue_config.max_shards = 8;
    QueueManager q(cfg, {}, f.wal, f.families);
    q.set_shard_update_interval(300ms);
    q.start();
    // 20 ms per 10 samples is 500 samples/s per shard; feed about 2000/s for 1.5 s.
    for (int i = 0; i < 30; ++i) {
        append_series(f.wal, "m" + std::to_string(i % 7), 100, 1'700'000'000'000 + i * 1'000'000);
        std::this_thread::sleep_for(50ms);
    }
    CHECK(eventually([&] { return metric(f.registry, "autoscrape_remote_storage_shards", "a") > 1; }, 3s));
    CHECK(metric(f.registry, "autoscrape_remote_storage_shards_desired", "a") > 1);
    CHECK(rx.wait_for_samples(3'000, 20s));
}

TEST_CASE("Series the WAL forgot leave the endpoint's table too, and every sample is still delivered")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = storage::test::wal_config(dir);
    cfg.segment_size = 2048;
    cfg.forget_series_after = 1ms;
    storage::Wal wal(cfg, registry);
    QueueMetricFamilies families(registry);
    TestReceiver rx;
    // External labels: the endpoint keeps copies of its own, which must go as well.
    QueueManager q(endpoint("a", rx.url()), {{"cluster", "c1"}}, wal, families);
    q.start();
    constexpr int kRounds = 6;
    constexpr std::size_t kSeries = 50;
    auto app = wal.appender();
    std::uint32_t highest_slot = 0;
    for (int round = 0; round < kRounds; ++round) {
        // Each round a new pod's series replace the last one's.
        for (std::size_t i = 0; i < kSeries; ++i) {
            const auto ref = app->series({{"__name__", "m" + std::to_string(i)}, {"pod", std::to_string(round)}});
            highest_slot = std::max(highest_slot, storage::ref_slot(ref));
            app->append(ref, 1'700'000'000'000 + round, round);
        }
        app->commit();
        REQUIRE(rx.wait_for_samples((round + 1) * kSeries, 5s));
        // Acknowledged every second: then the WAL forgets the old pods, and the endpoint after it.
        REQUIRE(eventually([&] { return wal.series_count() <= 2 * kSeries; }));
        REQUIRE(eventually([&] {
            const double held = metric(registry, "autoscrape_remote_storage_series", "a");
            return held > 0 && held <= 2 * kSeries;
        }));
    }
    CHECK(highest_slot <= 3 * kSeries);  // later pods took the slots of earlier ones
    q.stop(Clock::now() + 1s);
    // Slots are reused under new generations meanwhile: every sample must still carry its own
    // series' labels (its value is its round, so is its pod label).
    std::set<std::string> pods;
    for (const auto& r : rx.received()) {
        for (const auto& ts : r.request.timeseries()) {
            const auto labels = labels_of(ts);
            CHECK(labels.front() == std::pair<std::string, std::string>{"__name__", labels.front().second});
            CHECK(std::find(labels.begin(), labels.end(), std::pair<std::string, std::string>{"cluster", "c1"}) !=
                  labels.end());
            for (const auto& [name, value] : labels) {
                if (name != "pod") continue;
                pods.insert(value);
                for (const auto& s : ts.samples()) CHECK(s.value() == std::stod(value));
            }
        }
    }
    CHECK(pods.size() == kRounds);
    CHECK(rx.accepted_samples() == kRounds * kSeries);
}
