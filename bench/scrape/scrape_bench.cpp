// bench_scrape: what a scrape costs once the cache is warm.
//
// The body is node_exporter-like: 10,000 series over a few dozen families with cpu/mode/device
// labels. "append" runs ScrapeCache::append over it (parse, cache lookup, append to a counting
// appender) and reports ns/sample; "scrape" runs a ScrapeLoop against a loopback server serving
// the same body, keep-alive, a bounded number of times, and reports the scraping thread's CPU
// seconds per million samples (HTTP, parse, cache, synthetic series); "gzip" is what inflating a
// compressed body would add. Times are thread CPU time,
// best of several rounds: on a shared machine wall time measures the neighbours.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "agent/scrape/gzip.hpp"
#include "agent/scrape/scrape_cache.hpp"
#include "agent/scrape/scrape_loop.hpp"
#include "scrape_fixtures.hpp"

using namespace autoscrape;
using namespace autoscrape::scrape;

namespace {

double thread_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

class CountingAppender : public storage::Appender {
public:
    storage::SeriesRef series(storage::Labels) override { return ++next_; }
    void append(storage::SeriesRef, std::int64_t, double value) override {
        ++samples;
        sum += value;
    }
    void commit() override {}
    void rollback() override {}
    std::uint64_t samples = 0;
    double sum = 0;

private:
    storage::SeriesRef next_ = 0;
};

std::string node_like_body(int series) {
    static const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
    std::string out;
    int n = 0;
    for (int family = 0; n < series; ++family) {
        const auto name = fmt::format("node_family{}_seconds_total", family);
        out += fmt::format("# HELP {} Seconds the CPUs spent in each mode.\n# TYPE {} counter\n", name, name);
        for (int cpu = 0; cpu < 32 && n < series; ++cpu)
            for (const char* mode : modes) {
                if (n++ >= series) break;
                out += fmt::format("{}{{cpu=\"{}\",device=\"eth{}\",mode=\"{}\"}} {}.{}\n", name, cpu, family % 4, mode,
                                   123456 + n, n % 100);
            }
    }
    return out;
}

}  // namespace

int main() {
    constexpr int kSeries = 10'000;
    const std::string body = node_like_body(kSeries);
    const LabelSet target{{"instance", "127.0.0.1:9100"}, {"job", "node"}};

    // Parse + cache lookup + append, warm cache.
    {
        ScrapeCache cache;
        CountingAppender app;
        cache.append(app, body, Format::PrometheusText, target, {}, {}, 0);
        double best = 1e9;
        for (int round = 0; round < 5; ++round) {
            const double t0 = thread_seconds();
            for (int i = 0; i < 20; ++i) cache.append(app, body, Format::PrometheusText, target, {}, {}, i + 1);
            best = std::min(best, (thread_seconds() - t0) / (20.0 * kSeries));
        }
        std::printf("append (parse + cache hit + append), %d series, %zu bytes: %.1f ns/sample, labels built %llu\n",
                    kSeries, body.size(), best * 1e9, static_cast<unsigned long long>(cache.labels_built()));
    }

    // What Accept-Encoding: gzip costs the scraper: inflating the same body, per sample.
    {
        const std::string compressed = testing::gzip(body);
        double best = 1e9;
        for (int round = 0; round < 5; ++round) {
            const double t0 = thread_seconds();
            for (int i = 0; i < 5; ++i) {
                if (!decompress_gzip(compressed, 0).ok()) return 1;
            }
            best = std::min(best, (thread_seconds() - t0) / (5.0 * kSeries));
        }
        std::printf("gzip inflate of the same body (%zu bytes compressed): %.1f ns/sample\n", compressed.size(),
                    best * 1e9);
    }

    // Full scrapes over loopback, keep-alive, warm cache.
    {
        testing::TestServer server;
        server.set_reply({.body = body});
        boost::asio::io_context io;
        auto app = std::make_unique<CountingAppender>();
        CountingAppender* counter = app.get();
        ScrapeTarget t;
        t.address = server.address();
        t.path = "/metrics";
        t.scheme = "http";
        t.labels = target;
        auto loop = std::make_shared<ScrapeLoop>(io.get_executor(), std::move(app), t, LoopOptions{});
        const auto scrape = [&] {
            boost::asio::co_spawn(io, loop->scrape_once(), boost::asio::detached);
            io.restart();
            io.run();
        };
        scrape();
        double best = 1e9;
        for (int round = 0; round < 5; ++round) {
            const auto before = counter->samples;
            const double t0 = thread_seconds();
            for (int i = 0; i < 20; ++i) scrape();
            const double per_million = (thread_seconds() - t0) / static_cast<double>(counter->samples - before) * 1e6;
            best = std::min(best, per_million);
        }
        std::printf("scrape over loopback (keep-alive, %zu bytes, health %s, %llu connection(s)): %.3f CPU s per 1M samples"
                    " (%.0f ns/sample)\n",
                    body.size(), loop->status().health == Health::Up ? "up" : "down",
                    static_cast<unsigned long long>(loop->connections_opened()), best, best * 1e3);
    }
    return 0;
}
