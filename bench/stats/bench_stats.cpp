// bench_stats: what the container stats stage costs, on the real engine and the real cgroups
// (run it through run.sh, which starts the containers).
//
//   bench_stats --network NET --expect N --passes P [--interval-ms I]
//     runs DockerDiscovery on NET and the ContainerStats stage subscribed to it, on one thread,
//     with a sample-counting appender; waits until N containers are sampled, then measures the
//     process CPU time over P further passes. Prints CPU per pass, per container, and what that
//     is as a share of one core at the default 15 s interval.
#include "discovery/docker_discovery.hpp"
#include "probes/container_stats.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>
#include <string>
#include <thread>

using namespace autoscrape;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Counts what a pass appends; storage's own cost is the WAL's benchmark, not this one's.
class CountingAppender : public storage::Appender {
public:
    explicit CountingAppender(std::atomic<std::uint64_t>& samples) : samples_(samples) {}
    storage::SeriesRef series(storage::Labels) override { return ++next_ref_; }
    void append(storage::SeriesRef, std::int64_t, double) override { ++pending_; }
    void commit() override {
        samples_ += pending_;
        pending_ = 0;
    }
    void rollback() override { pending_ = 0; }

private:
    std::atomic<std::uint64_t>& samples_;
    storage::SeriesRef next_ref_ = 0;
    std::uint64_t pending_ = 0;
};

double process_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Options {
    std::string network;
    std::size_t expect = 200;
    std::uint64_t passes = 60;
    std::chrono::milliseconds interval{1000};
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--network") o.network = value;
        else if (flag == "--expect") o.expect = std::stoul(value);
        else if (flag == "--passes") o.passes = std::stoull(value);
        else if (flag == "--interval-ms") o.interval = std::chrono::milliseconds(std::stol(value));
        else throw std::invalid_argument("unknown flag " + flag);
    }
    if (o.network.empty()) throw std::invalid_argument("--network is required");
    return o;
}

template <class Pred>
bool wait_for(Pred pred, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
    return pred();
}

}  // namespace

int main(int argc, char** argv) try {
    const auto options = parse(argc, argv);
    spdlog::set_level(spdlog::level::warn);
    asio::io_context io(1);
    auto guard = asio::make_work_guard(io);
    prometheus::Registry registry;
    config::Config cfg;
    cfg.docker.networks = {options.network};
    cfg.container_stats.interval = options.interval;

    auto host = discovery::resolve_docker_host(cfg.docker, [](const char* n) { return std::getenv(n); });
    if (!host) throw std::runtime_error(host.error().message);
    auto strand = asio::make_strand(io);
    auto client = std::make_shared<discovery::DockerClient>(strand, host.value(), cfg.docker.timeout);
    std::atomic<std::uint64_t> samples{0};
    auto stats = std::make_shared<probes::ContainerStats>(strand, cfg.container_stats, probes::docker_inspector(client),
                                                          std::make_unique<CountingAppender>(samples), registry,
                                                          [client] { client->cancel(); });
    discovery::DockerDiscovery discovery(io, cfg.docker, registry);
    discovery.subscribe([stats](const discovery::DiscoveryUpdate& u) { stats->apply(u); });
    const auto started = std::chrono::steady_clock::now();
    discovery.start();
    stats->start();
    std::thread runner([&] { io.run(); });

    // Warm: every container discovered, inspected and in a pass (each has ~15 series).
    const bool warm = wait_for([&] {
        return stats->container_count() >= options.expect && stats->passes() >= 2 &&
               samples.load() >= 2 * options.expect * 12;
    }, 300s);
    const double warm_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto first_pass = stats->passes();
    const auto first_samples = samples.load();
    const double cpu_before = process_cpu_seconds();
    wait_for([&] { return stats->passes() >= first_pass + options.passes; }, std::chrono::seconds(3600));
    const double cpu = process_cpu_seconds() - cpu_before;
    const auto passes = stats->passes() - first_pass;
    const auto appended = samples.load() - first_samples;

    stats->stop();
    discovery.stop();
    guard.reset();
    runner.join();

    if (!warm) std::printf("WARNING: only %zu of %zu containers were sampled\n", stats->container_count(), options.expect);
    const double per_pass = cpu / static_cast<double>(passes);
    std::printf("containers: %zu, discovered+inspected+first passes in %.2f s\n", options.expect, warm_seconds);
    std::printf("passes measured: %llu, samples per pass: %.0f\n", static_cast<unsigned long long>(passes),
                static_cast<double>(appended) / static_cast<double>(passes));
    std::printf("process CPU per pass: %.3f ms (%.1f us per container)\n", per_pass * 1e3,
                per_pass * 1e6 / static_cast<double>(options.expect));
    std::printf("share of one core at a 15 s interval: %.4f %%\n", per_pass / 15.0 * 100.0);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "bench_stats: %s\n", e.what());
    return 2;
}
