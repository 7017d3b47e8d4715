// Runs a DockerDiscovery on its own io_context thread and lets a test wait, bounded, for what it
// should see.
#pragma once

#include "discovery/docker_discovery.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

namespace autoscrape::testing {

class DiscoveryHarness {
public:
    explicit DiscoveryHarness(config::DockerConfig config, discovery::ServiceProfiles profiles = {})
        : work_(boost::asio::make_work_guard(io_)), discovery_(io_, config, registry_, std::move(profiles)) {
        discovery_.subscribe([this](const discovery::DiscoveryUpdate&) { ++updates_; });
        discovery_.start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~DiscoveryHarness() {
        discovery_.stop();
        work_.reset();
        thread_.join();
    }

    discovery::DockerDiscovery& discovery() { return discovery_; }
    prometheus::Registry& registry() { return registry_; }
    int updates() const { return updates_; }

    // Polls every 2 ms until pred(snapshot) holds or the timeout passes; the time it took, if it held.
    std::optional<std::chrono::milliseconds> wait_until(
        const std::function<bool(const std::vector<discovery::TargetGroup>&)>& pred, std::chrono::milliseconds timeout) {
        const auto start = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - start < timeout) {
            if (pred(discovery_.snapshot()))
                return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return std::nullopt;
    }

    bool wait_ready(std::chrono::milliseconds timeout) {
        return wait_until([this](const auto&) { return discovery_.ready(); }, timeout).has_value();
    }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    prometheus::Registry registry_;
    discovery::DockerDiscovery discovery_;
    std::atomic<int> updates_{0};
    std::thread thread_;
};

inline const discovery::TargetGroup* find_group(const std::vector<discovery::TargetGroup>& groups, const std::string& id) {
    for (const auto& g : groups) {
        if (g.source == id) return &g;
    }
    return nullptr;
}

}  // namespace autoscrape::testing
