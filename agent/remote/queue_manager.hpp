// One remote_write endpoint: follows the WAL from the endpoint's own acknowledged position, turns
// series refs into the labels the receiver gets (external_labels, then write_relabel_configs),
// spreads samples over shards by series (so each series stays in order), and acknowledges the WAL
// position once everything before it was delivered or refused. Endpoints are independent: each has
// its own reader, shards, connections and position, so a slow backend never stalls another.
//
// Threads: one WAL reader (which also resizes the shard set and acknowledges), one per shard. The
// reader sleeps until the WAL commits a record (or its next acknowledge / reshard is due); while
// commits keep coming it reads at most every 200 ms, so that each read hands the shards a batch
// rather than one scrape's samples.
// Shard count moves between min_shards and max_shards (see shard_count.hpp); a resize flushes the
// old shards first, as Prometheus does, so no series is ever sent out of order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "agent/remote/ack_tracker.hpp"
#include "agent/remote/queue_metrics.hpp"
#include "agent/remote/series_table.hpp"
#include "agent/remote/shard.hpp"
#include "agent/remote/shard_count.hpp"
#include "agent/scrape/relabel.hpp"
#include "agent/storage/wal.hpp"
#include "agent/storage/wal_reader.hpp"
#include "config/config.hpp"

namespace autoscrape::remote {

class QueueManager {
public:
    // Registers the endpoint (config.name) as a WAL reader. Throws std::invalid_argument for a bad
    // url, reserved header, TLS file or write_relabel_configs rule.
    QueueManager(config::RemoteWriteConfig config, config::Labels external_labels, storage::Wal& wal,
                 QueueMetricFamilies& families);
    ~QueueManager();  // stop() with no flush time

    // The checks the constructor makes, without registering anything (for reloads).
    static void validate(const config::RemoteWriteConfig& config);
    QueueManager(const QueueManager&) = delete;
    QueueManager& operator=(const QueueManager&) = delete;

    void start();

    // Stops reading the WAL, sends what is queued until `deadline`, acknowledges what was
    // delivered. The rest stays in the WAL for the next start. Idempotent.
    void stop(std::chrono::steady_clock::time_point deadline);

    const config::RemoteWriteConfig& config() const { return config_; }
    const config::Labels& external_labels() const { return external_labels_; }

    // How often the shard count is reconsidered (Prometheus: 10 s); tests shorten it.
    void set_shard_update_interval(std::chrono::milliseconds interval) { shard_update_interval_ = interval; }

private:
    void run();
    // Sleeps until `until` or stop(), whichever comes first; commits do not end it.
    void rest_until(std::chrono::steady_clock::time_point until);
    std::chrono::steady_clock::time_point run_upkeep(std::chrono::steady_clock::time_point& last_ack,
                                                     std::chrono::steady_clock::time_point& last_update);
    bool handle(const storage::WalRecord& record, storage::WalPosition end);
    // False when the shard took fewer (it is stopping).
    bool push_to_shard(std::size_t shard, std::span<const QueuedSample> samples);
    void remember_series(const storage::SeriesEntry& entry);
    void set_shards(std::uint32_t count);
    void update_shards();
    // Acknowledges what shards delivered, then forgets the series the WAL forgot before it.
    void acknowledge();

    config::RemoteWriteConfig config_;
    config::Labels external_labels_;
    storage::Wal& wal_;
    scrape::Relabeler relabeler_;
    QueueMetrics metrics_;
    storage::WalPosition start_;
    AckTracker acks_;
    ShardContext ctx_;
    std::chrono::milliseconds shard_update_interval_{10'000};
    std::chrono::milliseconds read_interval_;  // kReadInterval, at most batch_send_deadline

    EncodedSeriesTable series_;  // labels as sent, by ref
    std::vector<storage::SeriesRef> forgotten_;  // acknowledge()'s scratch buffer
    std::string encoded_;        // remember_series' scratch buffers
    std::string key_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::vector<QueuedSample> kept_;
    std::vector<std::vector<QueuedSample>> per_shard_;  // kept_ split by shard, reused
    std::uint64_t queued_total_ = 0;
    std::uint64_t queued_at_catch_up_ = 0;  // queued_total_ when the shards were last told so
    double highest_timestamp_ms_ = 0;

    // Rates for the shard calculator, and the counters they were last ticked from.
    Ewma in_rate_, out_rate_, dropped_rate_, send_seconds_rate_;
    std::uint64_t last_queued_ = 0, last_delivered_ = 0, last_given_up_ = 0;
    std::int64_t last_send_nanos_ = 0;

    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    std::atomic<bool> stop_requested_{false};
    std::thread thread_;
};

}  // namespace autoscrape::remote
