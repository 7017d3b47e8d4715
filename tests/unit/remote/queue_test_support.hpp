// Shared by the queue tests: a WAL in a scratch directory, endpoint configs pointing at a
// TestReceiver, appending samples, and reading an endpoint's self-metrics.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "agent/storage/wal.hpp"
#include "config/config.hpp"
#include "tests/unit/storage/wal_test_support.hpp"

namespace autoscrape::remote::test {

using storage::test::TempDir;

inline config::RemoteWriteConfig endpoint(const std::string& name, const std::string& url)
{
    config::RemoteWriteConfig c;
    c.name = name;
    c.url = url;
    c.remote_timeout = std::chrono::milliseconds(2'000);
    c.queue_config.min_backoff = std::chrono::milliseconds(10);
    c.queue_config.max_backoff = std::chrono::milliseconds(100);
    c.queue_config.batch_send_deadline = std::chrono::milliseconds(20);
    c.queue_config.max_samples_per_send = 100;
    c.queue_config.min_shards = 1;
    c.queue_config.max_shards = 4;
    return c;
}

// `n` samples of series `name` (one commit), values 0..n-1, timestamps 1000 ms apart.
inline void append_series(storage::Wal& wal, const std::string& name, int n, std::int64_t t0 = 1'700'000'000'000)
{
    auto app = wal.appender();
    const auto ref = app->series({{"__name__", name}, {"job", "test"}});
    for (int i = 0; i < n; ++i) {
        app->append(ref, t0 + i * 1000LL, i);
    }
    app->commit();
}

// The value of `name`{remote_name=...}; -1 when there is no such series. Histograms: the count.
inline double metric(prometheus::Registry& registry, const std::string& name, const std::string& remote_name)
{
    for (const auto& family : registry.Collect()) {
        if (family.name != name) {
            continue;
        }
        for (const auto& m : family.metric) {
            for (const auto& l : m.label) {
                if (l.name == "remote_name" && l.value == remote_name) {
                    switch (family.type) {
                    case prometheus::MetricType::Counter: return m.counter.value;
                    case prometheus::MetricType::Gauge: return m.gauge.value;
                    case prometheus::MetricType::Histogram: return static_cast<double>(m.histogram.sample_count);
                    default: return -1;
                    }
                }
            }
        }
    }
    return -1;
}

// Polls `pred` every 10 ms until it holds or `timeout` passed.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000))
{
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace autoscrape::remote::test
