// Keeps one ProbeLoop per (container, module, port) in step with discovery and probes.* config.
//
// Discovery updates arrive per container (target group): a group's probe targets are rebuilt
// (build_probe_targets), new ones start a loop, vanished ones stop theirs (with stale markers),
// and a loop whose key (module, address, labels) is unchanged keeps running, taking the new
// module definition and interval. reload() re-runs every group under the new probes config;
// probes.enabled=false stops every loop but remembers the groups, so enabling again restarts them.
#pragma once

#include "agent/scrape/scrape_manager.hpp"
#include "config/config.hpp"
#include "discovery/target_set.hpp"
#include "probes/probe_loop.hpp"

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace autoscrape::probes {

class ProbeManager {
public:
    // Each loop gets its own appender from `appenders` (one per producer, as the WAL expects).
    ProbeManager(boost::asio::io_context& io, const config::Config& config, scrape::AppenderFactory appenders,
                 prometheus::Registry& registry);
    ~ProbeManager();
    ProbeManager(const ProbeManager&) = delete;
    ProbeManager& operator=(const ProbeManager&) = delete;

    void apply(const discovery::DiscoveryUpdate& update);
    // New modules, interval or enabled flag for every container.
    void reload(const config::Config& config);
    // Stops every loop (stale markers for all their series); later updates are ignored.
    void stop();

    std::size_t loop_count() const;
    // The loops as /api/v1/targets entries, in scrape pool "probe/<module>".
    std::vector<scrape::TargetStatus> targets() const;

private:
    struct Group {
        discovery::TargetGroup raw;
        std::vector<std::string> keys;  // of loops_
    };

    void sync_group(const std::string& source, const discovery::TargetGroup* group);
    std::shared_ptr<ProbeLoop> start_loop(ProbeTarget target);

    boost::asio::io_context& io_;
    scrape::AppenderFactory appenders_;
    prometheus::Gauge* loops_gauge_ = nullptr;
    prometheus::Family<prometheus::Counter>* probes_total_ = nullptr;

    mutable std::mutex mutex_;
    config::ProbesConfig config_;
    bool stopped_ = false;
    std::map<std::string, Group> groups_;
    std::map<std::string, std::shared_ptr<ProbeLoop>> loops_;
};

}  // namespace autoscrape::probes
