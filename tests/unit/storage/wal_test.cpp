#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include "agent/storage/label_encoding.hpp"
#include "agent/storage/stale.hpp"
#include "wal_test_support.hpp"

using namespace autoscrape::storage;
using namespace autoscrape::storage::test;

namespace {

struct QuietAndBusy {
    SeriesRef quiet = 0;
    SeriesRef busy = 0;
};

// On a WAL of 128-byte segments with one endpoint "r": `quiet` gets one sample, `busy` thirty, and
// "r" acknowledges them all, so every segment but the head goes: quiet has no record left in one.
QuietAndBusy leave_quiet_behind(Wal& wal, Appender& app)
{
    const auto quiet = app.series(metric("quiet"));
    const auto busy = app.series(metric("busy"));
    app.append(quiet, 0, 0);
    app.commit();
    commit_one_by_one(app, busy, 30);
    wal.acknowledge("r", read_all(wal).end);
    return {quiet, busy};
}

autoscrape::config::WalConfig tiny_segments(const TempDir& dir)
{
    auto cfg = wal_config(dir);
    cfg.segment_size = 128;
    return cfg;
}

// A WAL that forgets a series as soon as its records leave, with wal.max_size of 4 KiB.
autoscrape::config::WalConfig forgetful_size_limited(const TempDir& dir)
{
    auto cfg = size_limited_config(dir);
    cfg.forget_series_after = std::chrono::milliseconds(1);
    return cfg;
}

// `gone` gets one sample, then `busy` 400: the size limit deletes the segments with gone's records
// (unsent by any endpoint that did not acknowledge), so the WAL forgets it. Returns gone's ref.
SeriesRef outrun_by_busy(Appender& app)
{
    const auto gone = app.series(metric("gone"));
    app.append(gone, 0, 0);
    app.commit();
    commit_one_by_one(app, app.series(metric("busy")), 400);
    return gone;
}


// The encode_labels() bytes of a compact key from Wal::series_key.
std::string expanded(Wal& wal, std::string_view key)
{
    std::string out;
    wal.label_pairs().reader().expand(key, out);
    return out;
}

}  // namespace

TEST_CASE("The same label set gets the same ref whatever its label order")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    const auto a = app->series({{"instance", "x"}, {"__name__", "up"}});
    const auto b = app->series({{"__name__", "up"}, {"instance", "x"}});
    const auto c = app->series(metric("up", "y"));
    CHECK(a == b);
    CHECK(a != c);
    CHECK(a != 0);
}

TEST_CASE("A series' key holds its labels in remote-write encoding and stays at its address")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    const auto ref = app->series({{"job", "j"}, {"__name__", "up"}});
    const std::string_view key = wal.series_key(ref);
    std::string want;
    encode_labels({{"__name__", "up"}, {"job", "j"}}, want);
    CHECK(expanded(wal, key) == want);
    const std::string compact(key);
    for (int i = 0; i < 20'000; ++i) {  // many more keys: the index and the label pairs grow
        app->series(metric("m", std::to_string(i)));
    }
    CHECK(wal.series_key(ref).data() == key.data());
    CHECK(key == compact);
    CHECK(expanded(wal, key) == want);
    CHECK(wal.series_key(ref + 100'000).empty());
}

TEST_CASE("A reader sees committed samples in order and never rolled-back ones")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    app->append(ref, 1000, 1);
    app->append(ref, 2000, 2);
    app->commit();
    app->append(ref, 3000, 99);
    app->rollback();
    app->append(ref, 4000, 4);
    app->commit();
    app->append(ref, 5000, 5);  // appended but not committed
    const auto back = read_all(wal);
    REQUIRE(back.samples.size() == 3);
    CHECK(back.samples[0].timestamp_ms == 1000);
    CHECK(back.samples[1].timestamp_ms == 2000);
    CHECK(back.samples[2].value == 4);
    CHECK(back.series.at(ref) == metric("up"));
    CHECK(metric_value(registry, "autoscrape_wal_samples_appended_total") == 3);
}

TEST_CASE("A stale marker comes back from the WAL with its exact bit pattern")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    app->append(app->series(metric("up")), 1, stale_nan());
    app->commit();
    const auto back = read_all(wal);
    REQUIRE(back.samples.size() == 1);
    CHECK(is_stale_nan(back.samples[0].value));
}

TEST_CASE("A batch with a ref the WAL never handed out is refused whole and the next batch works")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    app->append(ref, 1, 1);
    app->append(42, 1, 1);
    CHECK_THROWS_AS(app->commit(), std::invalid_argument);
    CHECK(read_all(wal).samples.empty());
    app->append(ref, 2, 2);
    app->commit();
    const auto back = read_all(wal);
    REQUIRE(back.samples.size() == 1);
    CHECK(back.samples[0].timestamp_ms == 2);
}

TEST_CASE("Series refs survive a restart and new series continue after the highest ref")
{
    TempDir dir;
    SeriesRef a = 0;
    SeriesRef b = 0;
    {
        prometheus::Registry registry;
        Wal wal(wal_config(dir), registry);
        auto app = wal.appender();
        a = app->series(metric("a"));
        b = app->series(metric("b"));
        app->append(b, 1, 1);
        app->commit();
    }
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    CHECK(app->series(metric("b")) == b);
    CHECK(app->series(metric("a")) == a);
    const auto c = app->series(metric("c"));
    CHECK(c > std::max(a, b));
}

TEST_CASE("Segments rotate at the configured size and a reader follows them all")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 512;
    Wal wal(cfg, registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 200);
    CHECK(list_segments(dir.path()).size() > 5);
    CHECK(metric_value(registry, "autoscrape_wal_segments") == static_cast<double>(list_segments(dir.path()).size()));
    const auto back = read_all(wal);
    REQUIRE(back.samples.size() == 200);
    for (int i = 0; i < 200; ++i) {
        REQUIRE(back.samples[static_cast<std::size_t>(i)].timestamp_ms == i);
    }
}

TEST_CASE("A reader resuming from a position gets only later samples but all series labels")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 256;
    Wal wal(cfg, registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 50);
    const auto mid = read_all(wal).end;
    for (int i = 50; i < 60; ++i) {
        app->append(ref, i, i);
        app->commit();
    }
    const auto back = read_all(wal, mid);
    REQUIRE(back.samples.size() == 10);
    CHECK(back.samples.front().timestamp_ms == 50);
    CHECK(back.series.at(ref) == metric("up"));
}

TEST_CASE("Acknowledged segments are deleted and a later reader still resolves every live ref")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 256;
    Wal wal(cfg, registry);
    wal.register_reader("backend");
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 50);
    const auto pos = read_all(wal).end;
    const auto before = list_segments(dir.path()).size();
    wal.acknowledge("backend", pos);
    CHECK(list_segments(dir.path()).size() < before);
    CHECK(wal.checkpoint().has_value());
    app->append(ref, 100, 1);
    app->commit();
    const auto back = read_all(wal, pos);
    REQUIRE(back.samples.size() == 1);
    CHECK(back.series.at(ref) == metric("up"));
}

TEST_CASE("A slow endpoint keeps segments that a fast endpoint has already acknowledged")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 256;
    Wal wal(cfg, registry);
    const auto slow = wal.register_reader("slow");
    wal.register_reader("fast");
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 50);
    wal.acknowledge("fast", read_all(wal).end);
    CHECK(read_all(wal, slow).samples.size() == 50);
}

TEST_CASE("An unregistered endpoint no longer holds segments back and its position file goes")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 256;
    Wal wal(cfg, registry);
    wal.register_reader("removed");
    wal.register_reader("kept");
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 50);
    wal.acknowledge("removed", {1, 0});
    wal.acknowledge("kept", read_all(wal).end);
    REQUIRE(list_segments(dir.path()).size() > 2);
    REQUIRE(std::filesystem::exists(dir.path() / "positions" / "removed"));

    wal.unregister_reader("removed");
    CHECK(list_segments(dir.path()).size() == 1);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "positions" / "removed"));
    CHECK(std::filesystem::exists(dir.path() / "positions" / "kept"));
    CHECK(metric_value(registry, "autoscrape_wal_samples_dropped_total") == 0);
    wal.unregister_reader("never-registered");  // ignored
    CHECK(std::filesystem::exists(dir.path() / "positions" / "kept"));
}

TEST_CASE("Unregistering the last endpoint keeps its unsent samples for the size and age limits")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 256;
    Wal wal(cfg, registry);
    wal.register_reader("only");
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 50);
    wal.unregister_reader("only");
    CHECK(read_all(wal).samples.size() == 50);
}

TEST_CASE("An endpoint's acknowledged position is restored after a restart")
{
    TempDir dir;
    WalPosition acked;
    {
        prometheus::Registry registry;
        Wal wal(wal_config(dir), registry);
        wal.register_reader("vm");
        auto app = wal.appender();
        const auto ref = app->series(metric("up"));
        app->append(ref, 1, 1);
        app->commit();
        acked = read_all(wal).end;
        wal.acknowledge("vm", acked);
        app->append(ref, 2, 2);
        app->commit();
    }
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    const auto pos = wal.register_reader("vm");
    CHECK(pos == acked);
    const auto back = read_all(wal, pos);
    REQUIRE(back.samples.size() == 1);
    CHECK(back.samples[0].timestamp_ms == 2);
}

TEST_CASE("A position file saved in place over a longer one reads back as the last save")
{
    TempDir dir;
    const auto file = dir.path() / "position";
    {
        std::ofstream(file) << "7 123\n";  // a file from before fixed-width saves
    }
    CHECK(load_position(file) == WalPosition{7, 123});
    PositionFile position(file);
    position.save({4'000'000'000U, 18'000'000'000'000'000'000ULL});
    CHECK(load_position(file) == WalPosition{4'000'000'000U, 18'000'000'000'000'000'000ULL});
    position.save({2, 5});
    CHECK(load_position(file) == WalPosition{2, 5});
    CHECK(std::filesystem::file_size(file) == 32);
}

TEST_CASE("Exceeding wal.max_size deletes the oldest segments and counts their unsent samples")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(size_limited_config(dir), registry);
    wal.register_reader("down");  // a backend that never acknowledges
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    constexpr int kCommits = 400;
    commit_one_by_one(*app, ref, kCommits);
    CHECK(metric_value(registry, "autoscrape_wal_size_bytes") <= 4096 + 1024);
    const auto back = read_all(wal);
    const double dropped = metric_value(registry, "autoscrape_wal_samples_dropped_total");
    CHECK(dropped > 0);
    CHECK(dropped + static_cast<double>(back.samples.size()) == kCommits);
    CHECK(back.samples.back().timestamp_ms == kCommits - 1);
    CHECK(back.series.at(ref) == metric("up"));
}

TEST_CASE("A reader made before the size limit deleted segments still resolves every sample it reads")
{
    // An endpoint's reader exists from start-up, but reads only when its thread gets to it: the
    // limit may have moved the series records into a checkpoint by then.
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(size_limited_config(dir), registry);
    const auto start = wal.register_reader("late");
    WalReader reader(wal, start);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 400);
    REQUIRE(metric_value(registry, "autoscrape_wal_samples_dropped_total") > 0);
    const auto back = read_resolving(reader);
    CHECK(back.unresolved == 0);
    CHECK(back.samples > 0);
    CHECK(back.series.at(ref) == metric("up"));
}

TEST_CASE("A reader that found the WAL empty resolves every sample after the size limit deleted its segment")
{
    // The endpoint's first read comes before any commit: the reader opens segment 1 and finds it
    // empty. The appends then overflow wal.max_size, and segment 1, with the series record, goes
    // to the checkpoint; the reader must read that checkpoint before the samples of what is kept.
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(size_limited_config(dir), registry);
    const auto start = wal.register_reader("early");
    WalReader reader(wal, start);
    WalRecord record;
    REQUIRE_FALSE(reader.next(record));
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 400);
    REQUIRE(wal.first_segment() > 1);
    const auto back = read_resolving(reader);
    CHECK(back.unresolved == 0);
    CHECK(back.samples > 0);
    CHECK(back.series.at(ref) == metric("up"));
}

TEST_CASE("Samples an endpoint already acknowledged are not counted as dropped by the size limit")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(size_limited_config(dir), registry);
    wal.register_reader("ok");
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    for (int i = 0; i < 400; ++i) {
        app->append(ref, i, i);
        app->commit();
        wal.acknowledge("ok", read_all(wal).end);
    }
    CHECK(metric_value(registry, "autoscrape_wal_samples_dropped_total") == 0);
}

TEST_CASE("Segments older than wal.max_age are deleted")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 128;
    cfg.max_age = std::chrono::milliseconds(50);
    Wal wal(cfg, registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 20);
    const auto before = list_segments(dir.path()).size();
    REQUIRE(before > 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    wal.enforce_limits();
    CHECK(list_segments(dir.path()).size() == 1);
    const double dropped = metric_value(registry, "autoscrape_wal_samples_dropped_total");
    CHECK(dropped > 0);
    CHECK(dropped + static_cast<double>(read_all(wal).samples.size()) == 20);
}

TEST_CASE("A series not forgotten stays in the checkpoint, so its next sample needs no record again")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(tiny_segments(dir), registry);
    wal.register_reader("r");
    auto app = wal.appender();
    const auto quiet = leave_quiet_behind(wal, *app).quiet;  // no segment with its records is left
    REQUIRE(wal.checkpoint().has_value());
    CHECK(read_all(wal).series.at(quiet) == metric("quiet"));  // a reader from the start has it

    app->append(quiet, 1000, 1);
    app->commit();
    // Only the sample was logged: no segment holds a series record any more.
    std::size_t series_records = 0;
    for (const auto index : list_segments(dir.path())) {
        const auto path = dir.path() / segment_name(index);
        RecordFileReader file(path, 0);
        Frame frame;
        while (file.next(std::filesystem::file_size(path), frame) == FrameStatus::Ok) {
            series_records += frame.type == RecordType::Series ? 1 : 0;
        }
    }
    CHECK(series_records == 0);
    WalReader fresh(wal, {});
    const auto resolved = read_resolving(fresh);
    CHECK(resolved.unresolved == 0);
    CHECK(resolved.series.at(quiet) == metric("quiet"));
}

TEST_CASE("A checkpoint of thousands of series is written in bounded records and read back whole")
{
    TempDir dir;
    auto cfg = wal_config(dir);
    cfg.segment_size = 4096;
    constexpr int kSeries = 3000;
    std::vector<SeriesRef> refs;
    WalPosition pos;
    {
        prometheus::Registry registry;
        Wal wal(cfg, registry);
        wal.register_reader("r");
        auto app = wal.appender();
        for (int i = 0; i < kSeries; ++i) {
            refs.push_back(app->series(metric("s" + std::to_string(i))));
            app->append(refs.back(), 1, i);
            app->commit();
        }
        // One record larger than a segment: it opens a new head, and every series has a sample
        // there, so once the segments before it go, all of them are live in the checkpoint.
        for (const auto ref : refs) {
            app->append(ref, 2, 0);
        }
        app->commit();
        wal.acknowledge("r", read_all(wal).end);
        REQUIRE(wal.checkpoint().has_value());
        pos = read_all(wal).end;

        // The checkpoint holds one series record per 1024 series, not one giant record.
        const auto path = dir.path() / checkpoint_name(*wal.checkpoint());
        RecordFileReader file(path, 0);
        Frame frame;
        std::vector<SeriesEntry> entries;
        std::size_t records = 0, largest = 0, total = 0;
        while (file.next(std::filesystem::file_size(path), frame) == FrameStatus::Ok) {
            REQUIRE(decode_series(frame.payload, entries));
            ++records;
            largest = std::max(largest, entries.size());
            total += entries.size();
        }
        CHECK(records == 3);
        CHECK(largest == 1024);
        CHECK(total == kSeries);
        CHECK(read_all(wal).series.size() == kSeries);
    }
    prometheus::Registry registry;
    Wal wal(cfg, registry);
    auto app = wal.appender();
    CHECK(app->series(metric("s0")) == refs.front());
    CHECK(app->series(metric("s2999")) == refs.back());
    app->append(refs[1500], 3, 1);
    app->commit();
    CHECK(read_all(wal, pos).series.at(refs[1500]) == metric("s1500"));
}

TEST_CASE("Reader names that are not plain file names are refused")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    CHECK_THROWS_AS(wal.register_reader("../x"), std::invalid_argument);
    CHECK_THROWS_AS(wal.register_reader(""), std::invalid_argument);
}

TEST_CASE("A commit leaves the periodic fsync to the upkeep timer unless the timer is an interval late")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.fsync_interval = std::chrono::milliseconds(1000);
    Wal wal(cfg, registry);  // no upkeep timer here: only commits may fsync
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    const auto fsyncs = [&] { return metric_value(registry, "autoscrape_wal_fsync_duration_seconds"); };
    const double at_start = fsyncs();
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    commit_one_by_one(*app, ref, 1);  // past the interval, when the timer would fsync
    CHECK(fsyncs() == at_start);
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    commit_one_by_one(*app, ref, 1);  // over two intervals since the last fsync: the backstop
    CHECK(fsyncs() == at_start + 1);
    wal.sync();  // the timer's call
    CHECK(fsyncs() == at_start + 2);
}

TEST_CASE("fsync_interval 0 fsyncs every commit and the fsync histogram records it")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.fsync_interval = std::chrono::milliseconds(0);
    Wal wal(cfg, registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    commit_one_by_one(*app, ref, 3);
    CHECK(metric_value(registry, "autoscrape_wal_fsync_duration_seconds") >= 3);
}

TEST_CASE("A reader following the live WAL while a writer rotates segments sees every sample once")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 1024;
    Wal wal(cfg, registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    constexpr int kSamples = 3000;
    std::thread writer([&] {
        for (int i = 0; i < kSamples; ++i) {
            app->append(ref, i, i);
            app->commit();
        }
    });
    WalReader reader(wal, {});
    WalRecord record;
    std::vector<std::int64_t> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (seen.size() < kSamples && std::chrono::steady_clock::now() < deadline) {
        if (!reader.next(record)) {
            std::this_thread::yield();
            continue;
        }
        if (record.type == RecordType::Samples) {
            for (const auto& s : record.samples) {
                seen.push_back(s.timestamp_ms);
            }
        }
    }
    writer.join();
    REQUIRE(seen.size() == kSamples);
    for (int i = 0; i < kSamples; ++i) {
        REQUIRE(seen[static_cast<std::size_t>(i)] == i);
    }
    CHECK_FALSE(reader.next(record));
}

TEST_CASE("A second Wal on a directory in use is refused, and the lock goes with the first")
{
    TempDir dir;
    prometheus::Registry registry;
    const auto config = wal_config(dir);
    {
        Wal first(config, registry);
        CHECK_THROWS_WITH(Wal(config, registry), Catch::Contains("is in use by another autoscrape"));
    }
    CHECK_NOTHROW(Wal(config, registry));
}

TEST_CASE("A reader waiting for a commit wakes on the commit, on its stop flag, or at its deadline")
{
    using namespace std::chrono_literals;
    using Clock = std::chrono::steady_clock;
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    std::atomic<bool> stop{false};

    SECTION("nothing new: it sleeps until the deadline")
    {
        const auto seen = wal.commits();
        const auto start = Clock::now();
        wal.wait_for_commit(seen, start + 100ms, stop);
        CHECK(Clock::now() - start >= 100ms);
        CHECK(wal.commits() == seen);
    }
    SECTION("a commit from another thread wakes it long before the deadline")
    {
        const auto seen = wal.commits();
        std::thread writer([&] {
            std::this_thread::sleep_for(50ms);
            app->append(ref, 1000, 1);
            app->commit();
        });
        const auto start = Clock::now();
        wal.wait_for_commit(seen, start + 60s, stop);
        writer.join();
        CHECK(Clock::now() - start < 30s);
        CHECK(wal.commits() != seen);
    }
    SECTION("a commit made before the wait is not missed")
    {
        const auto seen = wal.commits();
        app->append(ref, 1000, 1);
        app->commit();
        const auto start = Clock::now();
        wal.wait_for_commit(seen, start + 60s, stop);
        CHECK(Clock::now() - start < 30s);
    }
    SECTION("wake_readers after setting the stop flag ends the wait")
    {
        const auto seen = wal.commits();
        std::thread stopper([&] {
            std::this_thread::sleep_for(50ms);
            stop = true;
            wal.wake_readers();
        });
        const auto start = Clock::now();
        wal.wait_for_commit(seen, start + 60s, stop);
        stopper.join();
        CHECK(Clock::now() - start < 30s);
        CHECK(wal.commits() == seen);
    }
}

TEST_CASE("A series idle past forget_series_after with no record left in the WAL is forgotten for good")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = tiny_segments(dir);
    cfg.forget_series_after = std::chrono::milliseconds(1);  // idle as soon as its segments go
    auto wal = std::make_unique<Wal>(cfg, registry);
    wal->register_reader("r");
    auto app = wal->appender();
    const auto [quiet, busy] = leave_quiet_behind(*wal, *app);

    CHECK(wal->series_count() == 1);
    CHECK(metric_value(registry, "autoscrape_wal_series") == 1);
    CHECK(wal->series_key(quiet).empty());
    CHECK_FALSE(wal->series_key(busy).empty());

    // The old ref is refused with nothing written; its stale marker is left out silently.
    const auto pos = read_all(*wal).end;
    app->append(busy, 1000, 1);
    app->append(quiet, 1000, 1);
    CHECK_THROWS_AS(app->commit(), UnknownSeriesError);
    app->append(busy, 1001, 2);
    app->append(quiet, 1001, stale_nan());
    app->commit();
    const auto back = read_all(*wal, pos);
    REQUIRE(back.samples.size() == 1);
    CHECK(back.samples[0].ref == busy);
    CHECK(back.samples[0].value == 2);

    // The same labels come back under a new ref, which a restart keeps; the old one stays unknown.
    // The endpoint is past the old series, so the new one reuses its slot, one generation on.
    const auto again = app->series(metric("quiet"));
    CHECK(ref_slot(again) == ref_slot(quiet));
    CHECK(ref_generation(again) == ref_generation(quiet) + 1);
    app->append(again, 1002, 3);
    app->commit();
    app.reset();
    wal.reset();
    Wal reopened(cfg, registry);
    CHECK(reopened.series_count() == 2);
    CHECK(reopened.series_key(quiet).empty());
    CHECK(decode_labels(expanded(reopened, reopened.series_key(again))) == metric("quiet"));
    CHECK(reopened.appender()->series(metric("quiet")) == again);
}

TEST_CASE("With the default forget_series_after a series idle for seconds is kept")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(tiny_segments(dir), registry);
    wal.register_reader("r");
    auto app = wal.appender();
    const auto quiet = leave_quiet_behind(wal, *app).quiet;
    CHECK(wal.series_count() == 2);
    CHECK(decode_labels(expanded(wal, wal.series_key(quiet))) == metric("quiet"));
}

TEST_CASE("Labels of churned series leave memory: the series count stays at the live ones")
{
    TempDir dir;
    prometheus::Registry registry;
    auto cfg = wal_config(dir);
    cfg.segment_size = 4096;
    cfg.forget_series_after = std::chrono::milliseconds(1);
    Wal wal(cfg, registry);
    wal.register_reader("r");
    auto app = wal.appender();
    // Each round, 100 series of a new "pod" replace the last round's (a deployment's label churn).
    std::uint32_t highest_slot = 0;
    std::set<SeriesRef> refs;
    for (int round = 0; round < 20; ++round) {
        for (int i = 0; i < 100; ++i) {
            const auto ref = app->series(metric("m" + std::to_string(i), "pod-" + std::to_string(round)));
            highest_slot = std::max(highest_slot, ref_slot(ref));
            refs.insert(ref);
            app->append(ref, round, i);
        }
        app->commit();
        wal.acknowledge("r", read_all(wal).end);
    }
    CHECK(wal.series_count() <= 200);  // this round's, and at most the last one's still in the head
    CHECK(metric_value(registry, "autoscrape_wal_series") == static_cast<double>(wal.series_count()));
    CHECK(refs.size() == 2000);     // no ref names two label sets...
    CHECK(highest_slot <= 300);     // ...but the slots, and the tables indexed by them, stay few
    // 100 metric names and the last pods' instance labels: the other pods' labels were freed.
    CHECK(wal.label_pairs().size() <= 103);
}

TEST_CASE("A forgotten series' labels stay readable until every endpoint acknowledged past them")
{
    // The size limit deletes segments a lagging endpoint has not sent; that endpoint's reader may
    // still hold a view of the series key (as the remote-write table does) and send its samples.
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(forgetful_size_limited(dir), registry);
    wal.register_reader("lagging");
    auto app = wal.appender();
    std::string expected;
    encode_labels(metric("gone"), expected);
    const auto view = wal.series_key(app->series(metric("gone")));  // as the endpoint's table keeps it
    REQUIRE(expanded(wal, view) == expected);
    const auto gone = outrun_by_busy(*app);
    REQUIRE(metric_value(registry, "autoscrape_wal_samples_dropped_total") > 0);
    CHECK(wal.series_key(gone).empty());  // forgotten...
    // ...but its key and label pairs are still there (AddressSanitizer checks this read)
    CHECK(expanded(wal, view) == expected);
    CHECK(ref_slot(app->series(metric("before"))) != ref_slot(gone));  // and its slot is not handed on
    wal.acknowledge("lagging", read_all(wal).end);
    CHECK(ref_slot(app->series(metric("after"))) == ref_slot(gone));
    CHECK(wal.series_count() == 3);
}

TEST_CASE("Each endpoint is told of a forgotten series once, and only after acknowledging past it")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(forgetful_size_limited(dir), registry);
    wal.register_reader("fast");
    wal.register_reader("lagging");
    auto app = wal.appender();
    const auto gone = outrun_by_busy(*app);  // the size limit deletes segments neither endpoint sent
    REQUIRE(wal.series_key(gone).empty());

    std::vector<SeriesRef> fast;
    std::vector<SeriesRef> lagging;
    wal.take_forgotten("fast", fast);
    CHECK(fast.empty());  // it has not acknowledged past the series' last record yet
    const auto end = read_all(wal).end;
    wal.acknowledge("fast", end);
    wal.take_forgotten("fast", fast);
    CHECK(fast == std::vector<SeriesRef>{gone});
    wal.take_forgotten("fast", fast);
    CHECK(fast.size() == 1);  // not twice
    wal.take_forgotten("lagging", lagging);
    CHECK(lagging.empty());
    wal.acknowledge("lagging", end);
    wal.take_forgotten("lagging", lagging);
    CHECK(lagging == std::vector<SeriesRef>{gone});

    wal.register_reader("new");
    std::vector<SeriesRef> fresh;
    wal.take_forgotten("new", fresh);
    CHECK(fresh.empty());  // it never saw the series
}

namespace {

timespec access_time(const std::filesystem::path& path)
{
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_atim;
}

// An access time older than the modification time: under relatime the next plain read updates it.
void age_access_time(const std::filesystem::path& path)
{
    const timespec times[2] = {{1, 0}, {0, UTIME_OMIT}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("Reading the WAL leaves the segments' access time alone")
{
    TempDir dir;
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    commit_one_by_one(*app, app->series(metric("m")), 3);
    const auto head = dir.path() / segment_name(read_all(wal).end.segment);

    age_access_time(head);
    {
        std::ifstream plain(head, std::ios::binary);
        REQUIRE(plain.get() != EOF);
    }
    if (access_time(head).tv_sec == 1) {
        WARN("this file system does not update access times: nothing to check here");
        return;
    }
    age_access_time(head);
    CHECK(read_all(wal).samples.size() == 3);
    CHECK(access_time(head).tv_sec == 1);
}
