// Keeps one ScrapeLoop per scrape target in step with discovery and the configuration.
//
// Discovery updates arrive per container (target group): a group is rebuilt through the
// TargetBuilder, new targets start a loop, vanished ones stop theirs (with stale markers), and a
// target that only changed keeps its loop and cache. reload() re-runs every group through the new
// rules. targets() is the snapshot /api/v1/targets renders.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "agent/scrape/scrape_loop.hpp"
#include "agent/scrape/target_builder.hpp"
#include "agent/storage/appender.hpp"
#include "config/config.hpp"
#include "discovery/target_set.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace autoscrape::scrape {

struct TargetStatus {
    bool active = true;    // false: dropped by relabelling; only `discovered` is set
    LabelSet discovered;   // labels before relabelling
    LabelSet labels;       // labels after relabelling
    std::string scrape_pool;  // the job
    std::string scrape_url;
    std::string last_error;
    std::optional<std::chrono::system_clock::time_point> last_scrape;
    double last_duration_seconds = 0;
    Health health = Health::Unknown;
    config::Duration interval{0};
    config::Duration timeout{0};
};

// Each loop gets its own appender (one per producer, as the WAL expects).
using AppenderFactory = std::function<std::unique_ptr<storage::Appender>()>;

class ScrapeManager {
public:
    // Throws std::invalid_argument for relabel rules that do not compile.
    ScrapeManager(boost::asio::io_context& io, const config::Config& config, AppenderFactory appenders,
                  prometheus::Registry& registry);
    ~ScrapeManager();
    ScrapeManager(const ScrapeManager&) = delete;
    ScrapeManager& operator=(const ScrapeManager&) = delete;

    void apply(const discovery::DiscoveryUpdate& update);
    // New relabel rules, intervals or limits for every target; on a throw the old config stays.
    void reload(const config::Config& config);
    // Stops every loop (stale markers for all their series).
    void stop();

    std::vector<TargetStatus> targets() const;

private:
    struct Group {
        discovery::TargetGroup raw;
        std::vector<std::string> keys;  // of loops_
        std::vector<LabelSet> dropped;
    };
    struct Metrics {
        prometheus::Counter* scrapes = nullptr;
        prometheus::Counter* failures = nullptr;
        prometheus::Counter* samples = nullptr;
        prometheus::Histogram* duration = nullptr;
        prometheus::Gauge* active = nullptr;
        prometheus::Gauge* dropped = nullptr;
    };

    static LoopOptions loop_options(const config::Config& config, std::shared_ptr<const Relabeler> metric_relabel);
    void sync_group(const std::string& source, const discovery::TargetGroup* group, FirstScrape first);
    void update_gauges();

    boost::asio::io_context& io_;
    AppenderFactory appenders_;
    Metrics metrics_;

    mutable std::mutex mutex_;
    std::unique_ptr<TargetBuilder> builder_;
    std::vector<config::RelabelConfig> metric_relabel_configs_;
    LoopOptions options_;
    std::map<std::string, Group> groups_;
    std::map<std::string, std::shared_ptr<ScrapeLoop>> loops_;
};

}  // namespace autoscrape::scrape
