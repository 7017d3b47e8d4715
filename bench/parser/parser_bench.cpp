// bench_parser: exposition parsing throughput, alone and with the scrape cache's lookup.
//
// Two inputs: node_exporter's real output (short gauges/counters) and a histogram-heavy body.
// "parse" runs the pull parser over every entry and reads each series' labels; "parse+cache"
// also looks every raw series span up in a hash map keyed by that span, the way the scrape
// cache will find an unchanged line without building labels. Timing is the thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID through std::chrono-style arithmetic), best of several rounds: on a
// shared, oversubscribed machine wall time measures the neighbours, not the parser.
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>

#include "agent/scrape/text_parser.hpp"

using namespace autoscrape::scrape;

namespace {

double thread_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct SpanHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using Cache = std::unordered_map<std::string, std::uint64_t, SpanHash, std::equal_to<>>;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Returns the samples seen; `cache` is null for parse only.
std::size_t run_once(TextParser& parser, std::string_view body, Cache* cache, std::uint64_t& sink) {
    parser.reset(body, Format::PrometheusText);
    std::size_t samples = 0;
    for (;;) {
        const Entry e = parser.next();
        if (e == Entry::Eof || e == Entry::Error) break;
        if (e != Entry::Series) continue;
        ++samples;
        sink += static_cast<std::uint64_t>(parser.value()) + parser.label_count();
        if (cache != nullptr) {
            const auto it = cache->find(parser.series());
            if (it == cache->end()) {
                cache->emplace(std::string(parser.series()), samples);
            } else {
                sink += it->second;
            }
        }
    }
    return samples;
}

void bench(const char* name, const std::string& body, bool with_cache) {
    TextParser parser;
    Cache cache;
    std::uint64_t sink = 0;
    const std::size_t samples = run_once(parser, body, with_cache ? &cache : nullptr, sink);  // warm-up
    // Enough iterations for ~0.3 s a round.
    const std::size_t iterations = std::max<std::size_t>(1, 30'000'000 / body.size());
    double best = 1e300;
    for (int round = 0; round < 5; ++round) {
        const double start = thread_seconds();
        for (std::size_t i = 0; i < iterations; ++i) run_once(parser, body, with_cache ? &cache : nullptr, sink);
        best = std::min(best, thread_seconds() - start);
    }
    const double ns_per_sample = best * 1e9 / static_cast<double>(iterations * samples);
    const double mb_per_s = static_cast<double>(body.size() * iterations) / best / 1e6;
    std::printf("%-28s %-12s %6zu samples %8zu bytes  %7.1f ns/sample  %7.1f MB/s  (sink %llu)\n", name,
                with_cache ? "parse+cache" : "parse", samples, body.size(), ns_per_sample, mb_per_s,
                static_cast<unsigned long long>(sink % 10));
}

}  // namespace

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : AUTOSCRAPE_EXPOSITION_DATA;
    const std::string node = read_file(dir + "/node_exporter-1.5.0.prom.txt");
    const std::string histograms = read_file(dir + "/histograms.prom.txt");
    if (node.empty() || histograms.empty()) {
        std::fprintf(stderr, "bench_parser: cannot read inputs from %s\n", dir.c_str());
        return 1;
    }
    for (const bool with_cache : {false, true}) {
        bench("node_exporter-1.5.0", node, with_cache);
        bench("histograms", histograms, with_cache);
    }
    return 0;
}
