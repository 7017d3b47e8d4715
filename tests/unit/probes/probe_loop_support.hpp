// Shared by the probe loop and probe manager tests: discovery groups built by hand as docker_sd
// and the profiles code would emit them, and the runner the loops' strands run on.
#pragma once

#include "agent/storage/series.hpp"
#include "discovery/target_group.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <bit>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>

namespace autoscrape::probes::testing {

// A container `name` (id `id`) on 127.0.0.1 whose probes are `probes`; `extra` adds or overrides labels.
inline discovery::TargetGroup container_group(const std::string& id, const std::string& name, const std::string& probes,
                                              std::map<std::string, std::string> extra = {}) {
    discovery::TargetGroup group;
    group.source = id;
    discovery::Target target;
    target.labels = {{"__address__", "127.0.0.1:80"},
                     {"__meta_docker_container_id", id},
                     {"__meta_docker_container_name", "/" + name},
                     {"__meta_docker_network_ip", "127.0.0.1"},
                     {"__meta_docker_port_private", "80"},
                     {"__meta_autoscrape_probes", probes}};
    for (auto& [key, value] : extra) target.labels[key] = value;
    group.targets.push_back(target);
    return group;
}

inline bool stale_bits(double v) { return std::bit_cast<std::uint64_t>(v) == 0x7ff0000000000002ULL; }

// The value of `name` in a storage label set, "" when absent.
inline std::string label_value(const storage::Labels& labels, const std::string& name) {
    for (const auto& [n, v] : labels)
        if (n == name) return v;
    return {};
}

// Runs an io_context on a thread for the test's lifetime.
struct Runner {
    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~Runner() {
        guard.reset();
        io.stop();
        thread.join();
    }
};

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred();
}

}  // namespace autoscrape::probes::testing
