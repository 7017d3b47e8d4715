// The storage half of the end-to-end path on its own: N×M series appended once a second through
// RemoteWriteStage (WAL + queue manager + HTTP) to a real receiver, as the scrape loops will do.
// Reports this process' CPU-seconds per million samples delivered and its peak RSS, the numbers
// bench/e2e/run.sh reports for whole agents, so the remote-write share can be compared.
//
// With CHURN=K, K of the series get a new label value every second (a rolling deployment's new
// pods), so the agent's memory under label churn can be measured: wal.forget_series_after
// (FORGET_AFTER seconds, default 3600) decides whether the replaced series leave memory, and
// SEGMENT_SIZE (bytes, default 64 MiB) how soon their records leave the WAL.
//
// usage: [CHURN=K] [FORGET_AFTER=S] [SEGMENT_SIZE=B] bench_e2e_remote <write url> <series> <seconds> [wal dir]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "agent/remote/remote_write_stage.hpp"

using namespace autoscrape;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_seconds()
{
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long status_kib(const std::string& field)
{
    std::ifstream status("/proc/self/status");
    std::string key;
    long value = 0;
    while (status >> key) {
        if (key == field) {
            status >> value;
            return value;
        }
    }
    return 0;
}

long env_or(const char* name, long fallback)
{
    const char* value = std::getenv(name);
    return value != nullptr ? std::stol(value) : fallback;
}

storage::Labels series_labels(int i, long generation)
{
    return {{"__name__", "bench_metric"}, {"series", std::to_string(i)}, {"path", "/api/v1/items"},
            {"code", "200"}, {"pod", "pod-" + std::to_string(generation)}};
}

double delivered(prometheus::Registry& registry)
{
    for (const auto& family : registry.Collect()) {
        if (family.name == "autoscrape_remote_storage_samples_total" && !family.metric.empty()) {
            return family.metric.front().counter.value;
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s <write url> <series> <seconds> [wal dir]\n", argv[0]);
        return 2;
    }
    const int series = std::stoi(argv[2]);
    const int seconds = std::stoi(argv[3]);
    const std::string dir = argc > 4 ? argv[4] : "/tmp/bench_e2e_remote_wal";
    const long churn = env_or("CHURN", 0);
    std::filesystem::remove_all(dir);

    config::Config cfg;
    cfg.wal.dir = dir;
    cfg.wal.forget_series_after = std::chrono::seconds(env_or("FORGET_AFTER", 3600));
    cfg.wal.segment_size = static_cast<std::uint64_t>(env_or("SEGMENT_SIZE", 64L << 20));
    config::RemoteWriteConfig rw;
    rw.name = "bench";
    rw.url = argv[1];
    cfg.remote_write = {rw};
    prometheus::Registry registry;
    remote::RemoteWriteStage stage(cfg, registry);
    stage.start();
    auto app = stage.appender();
    std::vector<storage::SeriesRef> refs;
    for (int i = 0; i < series; ++i) {
        refs.push_back(app->series(series_labels(i, 0)));
    }
    long created = series;
    const double cpu0 = cpu_seconds();
    auto next = Clock::now();
    for (int s = 0; s < seconds; ++s) {
        const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
        for (long k = 0; k < churn; ++k, ++created) {
            const int i = static_cast<int>(created % series);
            refs[static_cast<std::size_t>(i)] = app->series(series_labels(i, created / series));
        }
        for (int i = 0; i < series; ++i) {
            app->append(refs[static_cast<std::size_t>(i)], ts, i);
            if (i % 1000 == 999) {
                app->commit();  // a scrape of 1000 series
            }
        }
        app->commit();
        next += std::chrono::seconds(1);
        std::this_thread::sleep_until(next);
    }
    const double want = static_cast<double>(series) * seconds;
    const auto until = Clock::now() + std::chrono::seconds(30);
    while (delivered(registry) < want && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double cpu = cpu_seconds() - cpu0;
    const double sent = delivered(registry);
    stage.stop(std::chrono::seconds(5));
    std::printf("delivered %.0f of %.0f samples, %.3f CPU-s, %.3f CPU-s per 1M samples, peak RSS %ld MiB, "
                "RSS %ld MiB, series created %ld, known to the WAL %zu\n",
                sent, want, cpu, sent > 0 ? cpu * 1e6 / sent : 0.0, status_kib("VmHWM:") / 1024,
                status_kib("VmRSS:") / 1024, created, stage.wal().series_count());
    std::filesystem::remove_all(dir);
    return sent == want ? 0 : 1;
}
