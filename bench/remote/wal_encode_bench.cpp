// Throughput of the write path: WAL appends (with fsync on every commit and on a 1 s interval) and
// remote-write encoding + snappy on 2000-sample batches. Prints one line per measurement.
//
// Usage: bench_remote [wal-dir]   (default: a fresh directory under /tmp, removed afterwards)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "agent/remote/write_request.hpp"
#include "agent/storage/wal.hpp"

namespace {

using namespace autoscrape;
using Clock = std::chrono::steady_clock;

constexpr int kSeries = 2000;

storage::Labels labels_for(int i)
{
    return {{"__name__", "http_requests_total"},
            {"code", std::to_string(200 + i % 5)},
            {"container", "api-" + std::to_string(i % 20)},
            {"instance", "172.18.0." + std::to_string(i % 250) + ":9100"},
            {"job", "docker"},
            {"path", "/api/v1/items/" + std::to_string(i)}};
}

void bench_wal(const std::filesystem::path& dir, std::chrono::milliseconds fsync_interval, int scrapes)
{
    std::filesystem::remove_all(dir);
    config::WalConfig cfg;
    cfg.dir = dir.string();
    cfg.max_size = 0;
    cfg.fsync_interval = fsync_interval;
    prometheus::Registry registry;
    storage::Wal wal(cfg, registry);
    auto app = wal.appender();
    std::vector<storage::SeriesRef> refs;
    for (int i = 0; i < kSeries; ++i) {
        refs.push_back(app->series(labels_for(i)));
    }
    const auto start = Clock::now();
    for (int s = 0; s < scrapes; ++s) {
        for (int i = 0; i < kSeries; ++i) {
            app->append(refs[static_cast<std::size_t>(i)], 1'700'000'000'000 + s * 15'000, s * 1.5 + i);
        }
        app->commit();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    const double samples = double(scrapes) * kSeries;
    std::uintmax_t bytes = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.is_regular_file()) {
            bytes += e.file_size();
        }
    }
    std::printf("wal append fsync_interval=%lldms: %d commits of %d samples: %.0f samples/s, %.2f bytes/sample on disk\n",
                static_cast<long long>(fsync_interval.count()), scrapes, kSeries, samples / secs,
                double(bytes) / samples);
    std::filesystem::remove_all(dir);
}

void bench_encoder(int batches)
{
    std::vector<storage::Labels> labels;
    for (int i = 0; i < kSeries; ++i) {
        labels.push_back(labels_for(i));
    }
    remote::WriteRequestEncoder enc;
    std::size_t proto_bytes = 0;
    std::size_t snappy_bytes = 0;
    Clock::duration encoding{};
    Clock::duration compressing{};
    for (int b = 0; b < batches; ++b) {
        const auto start = Clock::now();
        enc.clear();
        for (int i = 0; i < kSeries; ++i) {
            const remote::Point p{1'700'000'000'000 + b * 15'000, b * 1.5 + i};
            enc.add_series(labels[static_cast<std::size_t>(i)], {&p, 1});
        }
        const auto encoded = Clock::now();
        proto_bytes = enc.protobuf().size();
        snappy_bytes = enc.compress().size();
        encoding += encoded - start;
        compressing += Clock::now() - encoded;
    }
    const double samples = double(batches) * kSeries;
    const auto per_sample = [&](Clock::duration d) {
        return std::chrono::duration<double, std::nano>(d).count() / samples;
    };
    std::printf("encode+snappy, %d-sample batches (1 sample/series, 6 labels): %.1f ns/sample "
                "(encode %.1f, snappy %.1f), %.1f bytes/sample protobuf, %.1f bytes/sample snappy\n",
                kSeries, per_sample(encoding + compressing), per_sample(encoding), per_sample(compressing),
                double(proto_bytes) / kSeries, double(snappy_bytes) / kSeries);
}

}  // namespace

int main(int argc, char** argv)
{
    const std::filesystem::path dir =
        argc > 1 ? std::filesystem::path(argv[1])
                 : std::filesystem::temp_directory_path() / ("autoscrape-bench-wal-" + std::to_string(::getpid()));
    bench_wal(dir, std::chrono::milliseconds(1000), 500);
    bench_wal(dir, std::chrono::milliseconds(0), 200);
    bench_encoder(500);
    return 0;
}
