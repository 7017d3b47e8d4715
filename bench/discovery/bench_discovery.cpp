// bench_discovery: how fast DockerDiscovery follows the real engine (run it through run.sh).
//
//   bench_discovery latency --network NET --count N --label KEY=VALUE
//     starts N containers on NET one after another (`docker run -d`, labelled KEY=VALUE) and, for
//     each, measures from its `start` event (the engine's timeNano) to the subscriber's update
//     that adds it; prints p50/p99/max.
//   bench_discovery initial --network NET --expect N
//     times start() to the first update, with N containers already running on NET.
#include "discovery/docker_discovery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <prometheus/registry.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace autoscrape;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

std::int64_t wall_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Runs a shell command, returns its stdout; throws when it fails.
std::string sh(const std::string& cmd) {
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (::pclose(p) != 0) throw std::runtime_error("command failed: " + cmd);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// DockerDiscovery on its own thread, recording when each source is first added (wall clock, to
// compare with the engine's event times) and when the first update came.
class Recorder {
public:
    explicit Recorder(const std::string& network) : work_(asio::make_work_guard(io_)), discovery_(io_, config(network), registry_) {
        discovery_.subscribe([this](const discovery::DiscoveryUpdate& u) {
            const auto now = wall_ns();
            std::lock_guard lock(mutex_);
            if (first_update_ns_ == 0) {
                first_update_ns_ = now;
                first_update_size_ = u.added.size();
            }
            for (const auto& g : u.added) added_ns_.try_emplace(g.source, now);
        });
    }
    ~Recorder() {
        discovery_.stop();
        work_.reset();
        if (thread_.joinable()) thread_.join();
    }

    void start() {
        discovery_.start();
        thread_ = std::thread([this] { io_.run(); });
    }

    bool wait(const auto& pred, std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(mutex_);
                if (pred()) return true;
            }
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }

    discovery::DockerDiscovery& discovery() { return discovery_; }
    std::mutex mutex_;
    std::map<std::string, std::int64_t> added_ns_;
    std::int64_t first_update_ns_ = 0;
    std::size_t first_update_size_ = 0;

private:
    static config::DockerConfig config(const std::string& network) {
        config::DockerConfig c;
        c.networks = {network};
        return c;
    }

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    prometheus::Registry registry_;
    discovery::DockerDiscovery discovery_;
    std::thread thread_;
};

// Follows the engine's start events with a second client and records each container's timeNano
// (dockerd keeps only its last 256 events, too few to ask for them afterwards).
class StartEvents {
public:
    explicit StartEvents(const std::string& label) : work_(asio::make_work_guard(io_)) {
        auto host = discovery::resolve_docker_host({}, [](const char* name) { return std::getenv(name); });
        if (!host) throw std::runtime_error(host.error().message);
        client_ = std::make_unique<discovery::DockerClient>(io_.get_executor(), host.value(), 10s);
        const auto filters = boost::json::serialize(boost::json::object{
            {"type", boost::json::array{"container"}}, {"event", boost::json::array{"start"}}, {"label", boost::json::array{label}}});
        asio::co_spawn(io_, [this, query = "?filters=" + discovery::percent_encode(filters)]() -> asio::awaitable<void> {
            if (!co_await client_->negotiate()) co_return;
            auto done = co_await client_->follow_events(query, [this] { subscribed_ = true; }, [this](std::string_view line) {
                boost::system::error_code ec;
                auto v = boost::json::parse(line, ec);
                if (ec || !v.is_object()) return;
                const auto* actor = v.as_object().if_contains("Actor");
                const auto* id = actor != nullptr && actor->is_object() ? actor->as_object().if_contains("ID") : nullptr;
                const auto* t = v.as_object().if_contains("timeNano");
                if (id == nullptr || t == nullptr || !id->is_string() || !t->is_int64()) return;
                std::lock_guard lock(mutex_);
                started_ns_[std::string(id->as_string())] = t->as_int64();
            }, discovery::kMaxEventBytes);
            (void)done;  // ends when cancelled
        }, asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~StartEvents() {
        asio::post(io_, [this] { client_->cancel(); });
        work_.reset();
        thread_.join();
    }
    bool subscribed() const { return subscribed_; }
    std::map<std::string, std::int64_t> started() {
        std::lock_guard lock(mutex_);
        return started_ns_;
    }

private:
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::unique_ptr<discovery::DockerClient> client_;
    std::atomic<bool> subscribed_{false};
    std::mutex mutex_;
    std::map<std::string, std::int64_t> started_ns_;
    std::thread thread_;
};

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p * static_cast<double>(v.size()))));
    return v[rank - 1];
}

int latency(const std::string& network, int count, const std::string& label) {
    Recorder r(network);
    r.start();
    if (!r.wait([&] { return r.discovery().ready(); }, 30s)) {
        std::cerr << "discovery did not get ready\n";
        return 1;
    }
    StartEvents events(label);
    for (int i = 0; i < 500 && !events.subscribed(); ++i) std::this_thread::sleep_for(10ms);
    if (!events.subscribed()) {
        std::cerr << "cannot follow the engine's events\n";
        return 1;
    }
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
        ids.push_back(sh("docker run -d --network " + network + " --label autoscrape.test=1 --label " + label +
                         " autoscrape-test/busybox:latest sleep 3600"));
    }
    if (!r.wait([&] { return std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return r.added_ns_.contains(id); }); },
                30s)) {
        std::cerr << "not every container was discovered within 30 s\n";
        return 1;
    }
    std::this_thread::sleep_for(500ms);  // the last start events are on their way to the second client
    std::vector<double> ms;
    std::lock_guard lock(r.mutex_);
    for (const auto& [id, started_ns] : events.started()) {
        if (auto it = r.added_ns_.find(id); it != r.added_ns_.end())
            ms.push_back(static_cast<double>(it->second - started_ns) / 1e6);
    }
    if (ms.size() != ids.size()) {
        std::cerr << "found " << ms.size() << " start events for " << ids.size() << " containers\n";
        return 1;
    }
    std::printf("start event -> update: n=%zu p50=%.1f ms p99=%.1f ms max=%.1f ms\n", ms.size(), percentile(ms, 0.5),
                percentile(ms, 0.99), percentile(ms, 1.0));
    return 0;
}

int initial(const std::string& network, std::size_t expect) {
    Recorder r(network);
    const auto started = wall_ns();
    r.start();
    if (!r.wait([&] { return r.first_update_ns_ != 0; }, 60s)) {
        std::cerr << "no update within 60 s\n";
        return 1;
    }
    std::lock_guard lock(r.mutex_);
    std::printf("initial sync: %zu target groups, start() -> first update %.1f ms\n", r.first_update_size_,
                static_cast<double>(r.first_update_ns_ - started) / 1e6);
    return r.first_update_size_ == expect ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);
    std::vector<std::string> args(argv + 1, argv + argc);
    std::map<std::string, std::string> opts;
    for (std::size_t i = 1; i + 1 < args.size(); i += 2) opts[args[i]] = args[i + 1];
    try {
        if (!args.empty() && args[0] == "latency" && opts.contains("--network") && opts.contains("--label"))
            return latency(opts["--network"], std::stoi(opts.contains("--count") ? opts["--count"] : "200"), opts["--label"]);
        if (!args.empty() && args[0] == "initial" && opts.contains("--network") && opts.contains("--expect"))
            return initial(opts["--network"], std::stoul(opts["--expect"]));
    } catch (const std::exception& e) {
        std::cerr << "bench_discovery: " << e.what() << '\n';
        return 1;
    }
    std::cerr << "usage: bench_discovery latency --network NET --label KEY=VALUE [--count N]\n"
                 "       bench_discovery initial --network NET --expect N\n";
    return 2;
}
