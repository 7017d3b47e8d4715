// Helpers shared by the WAL tests: a scratch directory, metric look-ups and reading a WAL back.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "agent/storage/wal.hpp"
#include "agent/storage/wal_reader.hpp"

namespace autoscrape::storage::test {

class TempDir {
public:
    TempDir()
    {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("autoscrape-wal-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline config::WalConfig wal_config(const TempDir& dir)
{
    config::WalConfig c;
    c.dir = dir.path().string();
    c.max_size = 0;
    c.fsync_interval = std::chrono::milliseconds(60'000);
    return c;
}

inline double metric_value(prometheus::Registry& registry, const std::string& name)
{
    for (const auto& family : registry.Collect()) {
        if (family.name == name && !family.metric.empty()) {
            const auto& m = family.metric.front();
            switch (family.type) {
            case prometheus::MetricType::Counter: return m.counter.value;
            case prometheus::MetricType::Gauge: return m.gauge.value;
            case prometheus::MetricType::Histogram: return static_cast<double>(m.histogram.sample_count);
            default: return -1;
            }
        }
    }
    return -1;
}

// Everything a reader starting at `start` yields right now.
struct ReadBack {
    std::map<SeriesRef, Labels> series;
    std::vector<Sample> samples;
    WalPosition end;
};

inline ReadBack read_all(const Wal& wal, WalPosition start = {})
{
    ReadBack out;
    WalReader reader(wal, start);
    WalRecord record;
    while (reader.next(record)) {
        if (record.type == RecordType::Series) {
            for (auto& s : record.series) {
                out.series[s.ref] = s.labels;
            }
        } else {
            out.samples.insert(out.samples.end(), record.samples.begin(), record.samples.end());
        }
    }
    out.end = reader.position();
    return out;
}

// What a reader yields now, read as a queue manager does: a sample resolves only if its series
// record came before it.
struct Resolved {
    std::map<SeriesRef, Labels> series;
    std::size_t samples = 0;     // resolved
    std::size_t unresolved = 0;  // samples of a ref whose series record had not come yet
};

inline Resolved read_resolving(WalReader& reader)
{
    Resolved out;
    WalRecord record;
    while (reader.next(record)) {
        if (record.type == RecordType::Series) {
            for (auto& s : record.series) {
                out.series[s.ref] = s.labels;
            }
            continue;
        }
        for (const auto& s : record.samples) {
            ++(out.series.contains(s.ref) ? out.samples : out.unresolved);
        }
    }
    return out;
}

// Samples 0 .. count-1 of `ref` (timestamp and value i), each in a commit of its own.
inline void commit_one_by_one(Appender& app, SeriesRef ref, int count)
{
    for (int i = 0; i < count; ++i) {
        app.append(ref, i, i);
        app.commit();
    }
}

// Segments of 1 KiB and wal.max_size of 4 KiB: a few hundred commits overflow it.
inline config::WalConfig size_limited_config(const TempDir& dir)
{
    auto cfg = wal_config(dir);
    cfg.segment_size = 1024;
    cfg.max_size = 4096;
    return cfg;
}

inline Labels metric(const std::string& name, const std::string& instance = "a:1")
{
    return {{"__name__", name}, {"instance", instance}};
}

}  // namespace autoscrape::storage::test
