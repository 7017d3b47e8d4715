// The storage end of the pipeline as the agent wires it: owns the WAL (opened and replayed from
// wal.dir) and one QueueManager per remote_write entry, hands out appenders to sample producers,
// and follows config reloads.
//
// Producers: call appender() once per producer (scrape loop, prober, stats collector) and keep
// it; each is used by one thread at a time, while any number of them may append concurrently
// (the WAL serialises their commits).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "agent/remote/queue_manager.hpp"
#include "agent/remote/queue_metrics.hpp"
#include "agent/storage/appender.hpp"
#include "agent/storage/wal.hpp"
#include "config/config.hpp"

namespace autoscrape::remote {

class RemoteWriteStage {
public:
    // Opens the WAL (throws std::system_error when wal.dir is unusable) and builds the queue
    // managers (throws std::invalid_argument for an invalid remote_write entry). Sends nothing yet.
    RemoteWriteStage(const config::Config& config, prometheus::Registry& registry);
    ~RemoteWriteStage();  // stop() with no flush time
    RemoteWriteStage(const RemoteWriteStage&) = delete;
    RemoteWriteStage& operator=(const RemoteWriteStage&) = delete;

    // A new appender; the stage must outlive it.
    std::unique_ptr<storage::Appender> appender();

    // Starts sending and the WAL upkeep (fsync every wal.fsync_interval, max_age).
    void start();

    // Stops the producers' side first (the caller stops appending), then flushes every endpoint in
    // parallel until `flush_timeout` has passed and fsyncs the WAL. Unsent samples stay in the WAL.
    void stop(std::chrono::milliseconds flush_timeout);

    // Follows a reload: endpoints added, removed or changed (by name) are started, stopped or
    // restarted from their acknowledged position; unchanged ones keep running. wal settings are
    // read only at start-up (a change is logged and takes effect after a restart). Throws
    // std::invalid_argument (and changes nothing) when a new entry is invalid.
    void apply(const config::Config& config);

    storage::Wal& wal() { return wal_; }

private:
    void upkeep();

    config::WalConfig wal_config_;
    storage::Wal wal_;
    QueueMetricFamilies families_;
    std::map<std::string, std::unique_ptr<QueueManager>> queues_;
    bool started_ = false;

    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread upkeep_;
};

}  // namespace autoscrape::remote
