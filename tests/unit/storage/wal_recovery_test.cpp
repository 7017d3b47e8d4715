#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "wal_test_support.hpp"

using namespace autoscrape::storage;
using namespace autoscrape::storage::test;

namespace {

// Writes one series and `commits` one-sample commits; returns the segment file's size after each.
std::vector<std::uint64_t> write_commits(const TempDir& dir, int commits)
{
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    auto app = wal.appender();
    const auto ref = app->series(metric("up"));
    std::vector<std::uint64_t> ends;
    for (int i = 0; i < commits; ++i) {
        app->append(ref, i, i);
        app->commit();
        ends.push_back(std::filesystem::file_size(dir.path() / segment_name(1)));
    }
    return ends;
}

std::string read_bytes(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::filesystem::path& p, const std::string& data)
{
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

}  // namespace

TEST_CASE("A segment cut at any byte of its last records reopens with every complete record and accepts appends")
{
    TempDir dir;
    const auto ends = write_commits(dir, 4);
    const auto original = read_bytes(dir.path() / segment_name(1));
    const std::uint64_t from = ends[1];  // damage within the last two records
    for (std::uint64_t cut = from; cut < ends.back(); ++cut) {
        TempDir copy;
        write_bytes(copy.path() / segment_name(1), original.substr(0, cut));
        prometheus::Registry registry;
        Wal wal(wal_config(copy), registry);
        const std::size_t complete = static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
        auto back = read_all(wal);
        REQUIRE(back.samples.size() == complete);
        REQUIRE(metric_value(registry, "autoscrape_wal_corruptions_total") == (cut == ends[complete - 1] ? 0 : 1));
        auto app = wal.appender();
        const auto ref = app->series(metric("up"));
        REQUIRE(back.series.at(ref) == metric("up"));
        app->append(ref, 1000, 1);
        app->commit();
        back = read_all(wal);
        REQUIRE(back.samples.size() == complete + 1);
        REQUIRE(back.samples.back().timestamp_ms == 1000);
    }
}

TEST_CASE("A flipped byte in the last record loses only that record")
{
    TempDir dir;
    const auto ends = write_commits(dir, 5);
    const auto original = read_bytes(dir.path() / segment_name(1));
    for (std::uint64_t at = ends[3]; at < ends[4]; ++at) {
        TempDir copy;
        std::string bad = original;
        bad[at] = static_cast<char>(bad[at] ^ 0x5a);
        write_bytes(copy.path() / segment_name(1), bad);
        prometheus::Registry registry;
        Wal wal(wal_config(copy), registry);
        const auto back = read_all(wal);
        REQUIRE(back.samples.size() == 4);
        REQUIRE(metric_value(registry, "autoscrape_wal_corruptions_total") == 1);
        REQUIRE(std::filesystem::file_size(copy.path() / segment_name(1)) == ends[3]);
    }
}

TEST_CASE("Damage in an older segment keeps the records of the segments after it")
{
    TempDir dir;
    {
        prometheus::Registry registry;
        auto cfg = wal_config(dir);
        cfg.segment_size = 128;
        Wal wal(cfg, registry);
        auto app = wal.appender();
        const auto ref = app->series(metric("up"));
        commit_one_by_one(*app, ref, 40);
    }
    const auto seg2 = dir.path() / segment_name(2);
    std::string bytes = read_bytes(seg2);
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
    write_bytes(seg2, bytes);
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    const auto back = read_all(wal);
    CHECK(metric_value(registry, "autoscrape_wal_corruptions_total") == 1);
    CHECK(back.samples.size() < 40);
    CHECK(back.samples.back().timestamp_ms == 39);
}

TEST_CASE("Garbage files and a leftover temp file do not stop the WAL from opening")
{
    TempDir dir;
    write_bytes(dir.path() / segment_name(1), std::string(100, '\x07'));
    write_bytes(dir.path() / "checkpoint.00000000.tmp", "partial");
    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "checkpoint.00000000.tmp"));
    CHECK(std::filesystem::file_size(dir.path() / segment_name(1)) == 0);
    auto app = wal.appender();
    app->append(app->series(metric("up")), 1, 1);
    app->commit();
    CHECK(read_all(wal).samples.size() == 1);
}

TEST_CASE("A process killed with SIGKILL mid-append loses no committed sample")
{
    TempDir dir;
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        prometheus::Registry registry;
        auto cfg = wal_config(dir);
        cfg.segment_size = 4096;
        Wal wal(cfg, registry);
        auto app = wal.appender();
        std::vector<SeriesRef> refs;
        for (int s = 0; s < 10; ++s) {
            refs.push_back(app->series(metric("m", std::to_string(s))));
        }
        // Bounded: the parent kills us long before this ends.
        for (std::int64_t i = 0; i < 10'000'000; ++i) {
            for (const auto ref : refs) {
                app->append(ref, i, static_cast<double>(i));
            }
            app->commit();
            if (::write(pipe_fds[1], &i, sizeof i) != sizeof i) {
                ::_exit(1);
            }
        }
        ::_exit(0);
    }
    ::close(pipe_fds[1]);
    std::int64_t committed = -1;
    std::int64_t value = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (committed < 2000 && std::chrono::steady_clock::now() < deadline &&
           ::read(pipe_fds[0], &value, sizeof value) == sizeof value) {
        committed = value;
    }
    ::kill(child, SIGKILL);
    // The child may have committed more after our last read; drain what it reported.
    while (::read(pipe_fds[0], &value, sizeof value) == sizeof value) {
        committed = value;
    }
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(committed > 100);

    prometheus::Registry registry;
    Wal wal(wal_config(dir), registry);
    const auto back = read_all(wal);
    std::vector<std::int64_t> last_ts(11, -1);
    for (const auto& s : back.samples) {
        REQUIRE(s.timestamp_ms == last_ts[s.ref] + 1);  // no gaps, no duplicates
        last_ts[s.ref] = s.timestamp_ms;
    }
    for (SeriesRef ref = 1; ref <= 10; ++ref) {
        CHECK(last_ts[ref] >= committed);
        CHECK(back.series.at(ref) == metric("m", std::to_string(ref - 1)));
    }
}
