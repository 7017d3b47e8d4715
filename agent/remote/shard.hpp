// One shard of an endpoint's queue: a bounded queue of samples, a thread that cuts it into batches
// (max_samples_per_send, or whatever arrived within batch_send_deadline, or once the WAL reader has
// caught up: at once when the shard was idle, 250 ms on when it was busy), and its own connection.
// A batch is retried (5xx, 429, no response) with RetryPolicy's backoff until it is delivered,
// refused (other 4xx: dropped and counted) or the endpoint is stopped past its flush deadline,
// in which case its samples stay unacknowledged and are read again after the restart.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/remote/ack_tracker.hpp"
#include "agent/remote/queue_metrics.hpp"
#include "agent/remote/retry_policy.hpp"
#include "agent/remote/sample_ring.hpp"
#include "agent/remote/write_client.hpp"
#include "agent/remote/write_request.hpp"
#include "agent/storage/label_pairs.hpp"
#include "agent/storage/series.hpp"
#include "config/config.hpp"

namespace autoscrape::remote {

struct QueuedSample {
    std::string_view labels;  // a compact key (storage::LabelPairs), held by the queue manager's series table
    storage::SeriesRef ref = 0;
    std::int64_t timestamp_ms = 0;
    double value = 0;
    std::uint64_t record = 0;  // AckTracker id
};

// Shared by an endpoint's shards and its queue manager (which feeds the shard calculator and
// stops them). An idle shard sleeps until samples, the reader's "caught up" or close() wake it;
// only waits that a stop must cut short (a full queue, a retry backoff) are sliced by kWaitSlice.
struct ShardContext {
    static constexpr std::chrono::milliseconds kWaitSlice{50};

    const config::RemoteWriteConfig& config;
    AckTracker& acks;
    QueueMetrics& metrics;
    const storage::LabelPairs& pairs;  // of the samples' label keys
    std::atomic<bool> stopping{false};
    // steady_clock nanoseconds after which a stopping shard gives up on what it still holds.
    std::atomic<std::int64_t> give_up_at{std::numeric_limits<std::int64_t>::max()};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> given_up{0};  // refused by the receiver
    std::atomic<std::int64_t> send_nanos{0};
    std::atomic<std::int64_t> last_success_nanos{0};
    std::atomic<std::int64_t> last_refusal_log_nanos{0};

    std::chrono::steady_clock::time_point give_up_time() const;
};

class Shard {
public:
    explicit Shard(ShardContext& context);
    ~Shard();  // close() and join
    Shard(const Shard&) = delete;
    Shard& operator=(const Shard&) = delete;

    // Queues samples in order, waiting while the queue is at capacity; returns how many were
    // queued, fewer than given once stopping. One lock for the lot: a scrape's samples arrive together.
    std::size_t push(std::span<const QueuedSample> samples);

    // The WAL reader has queued everything committed so far. A shard that went idle (its queue ran
    // empty, no request in flight) then sends what it holds at once instead of waiting for
    // batch_send_deadline: a quiet endpoint delivers promptly. A busy one (samples came while it
    // sent) still gives its batch 250 ms to fill, then sends what it holds too.
    void input_caught_up();

    // No more push(); the thread sends what is queued (until the context's give-up time) and ends.
    void close();
    void join();

private:
    void run();
    void send_batch();
    void encode_batch();
    void finish_batch(bool acknowledge);
    std::size_t queued() const { return queue_.size(); }
    void take_batch(std::size_t n);

    ShardContext& ctx_;
    WriteClient client_;
    RetryPolicy policy_;
    WriteRequestEncoder encoder_;
    std::vector<QueuedSample> batch_;
    std::vector<Point> points_;

    std::mutex mu_;
    std::condition_variable not_empty_;
    std::condition_variable not_full_;
    // One allocation of at most queue_config.capacity samples, reused by a steady flow (a deque
    // allocated a node per dozen samples, freed by the other thread).
    SampleRing<QueuedSample> queue_;
    bool closed_ = false;
    bool caught_up_ = false;
    // The sender waits for a batch to fill where caught_up_ ends the wait; only then is
    // input_caught_up() worth a wake-up (a context switch for every WAL commit otherwise).
    bool waiting_for_catch_up_ = false;
    std::thread thread_;
};

}  // namespace autoscrape::remote
