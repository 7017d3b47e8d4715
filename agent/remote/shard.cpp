#include "agent/remote/shard.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace autoscrape::remote {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t nanos(Clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Refusals are logged at most this often per endpoint: a misconfigured receiver refuses every
// batch, and one line per batch would flood the log.
constexpr std::chrono::seconds kRefusalLogInterval{10};

constexpr std::size_t kPrefetchAhead = 8;

// How long a busy shard (samples arrived while it was sending) waits for its batch to fill before
// it sends what it holds once the WAL reader has caught up: long enough that under a steady flow
// the next scrape phase (agent/scrape/scrape_loop.hpp, 250 ms apart) tops the batch up, short
// enough that the tail of a burst does not wait batch_send_deadline (5 s) when no more comes.
constexpr std::chrono::milliseconds kBusyBatchWait{250};

}  // namespace

Clock::time_point ShardContext::give_up_time() const
{
    return Clock::time_point(std::chrono::nanoseconds(give_up_at.load()));
}

Shard::Shard(ShardContext& context)
    : ctx_(context),
      client_(context.config),
      policy_(context.config.queue_config.min_backoff, context.config.queue_config.max_backoff,
              context.config.queue_config.retry_on_http_429),
      queue_(context.config.queue_config.capacity),
      thread_([this] { run(); })
{
}

Shard::~Shard()
{
    close();
    join();
}

std::size_t Shard::push(std::span<const QueuedSample> samples)
{
    const std::size_t capacity = queue_.limit();
    std::unique_lock lock(mu_);
    const bool was_empty = queued() == 0;
    std::size_t accepted = 0;
    while (accepted < samples.size()) {
        while (queued() >= capacity && !closed_ && !ctx_.stopping) {
            not_empty_.notify_one();  // a full queue is a full batch: let the sender take it
            not_full_.wait_for(lock, ShardContext::kWaitSlice);
        }
        if (closed_ || ctx_.stopping) {
            break;
        }
        // As many as there is room for, in one copy.
        const std::size_t n = std::min(samples.size() - accepted, capacity - queued());
        queue_.push(samples.subspan(accepted, n));
        accepted += n;
    }
    // The sender sleeps on an empty queue, and while a batch fills up: wake it for its first
    // sample and for a full batch, not for every push. After unlocking, or it would wake only to
    // block on mu_ (two more futex calls and a context switch per push).
    const bool wake = (was_empty && accepted > 0) || queued() >= ctx_.config.queue_config.max_samples_per_send;
    lock.unlock();
    if (wake) {
        not_empty_.notify_one();
    }
    return accepted;
}

void Shard::input_caught_up()
{
    {
        std::lock_guard lock(mu_);
        if (queued() == 0) {
            return;  // nothing for this shard; a stale flag would cut the next record short
        }
        caught_up_ = true;
        if (!waiting_for_catch_up_) {
            return;  // the sender is busy, or is filling a batch, which this flag does not end
        }
    }
    not_empty_.notify_one();
}

void Shard::close()
{
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    not_empty_.notify_one();
    not_full_.notify_all();
}

void Shard::join()
{
    if (thread_.joinable()) {
        thread_.join();
    }
}

void Shard::run()
{
    const std::size_t max_batch = std::max<std::uint64_t>(ctx_.config.queue_config.max_samples_per_send, 1);
    bool sent_any = false;
    for (;;) {
        {
            std::unique_lock lock(mu_);
            // Idle: nothing arrived while the last batch was in flight, or nothing was sent yet
            // (samples may arrive before this thread first gets here).
            const bool idle = !sent_any || queued() == 0;
            not_empty_.wait(lock, [this] { return queued() > 0 || closed_; });
            if (queued() == 0) {
                return;  // closed and drained
            }
            // A batch goes out when full, batch_send_deadline after its first sample arrived, or
            // once the reader has queued everything committed so far: at once on an idle shard,
            // after kBusyBatchWait on a busy one.
            const auto now = Clock::now();
            const auto deadline = now + ctx_.config.queue_config.batch_send_deadline;
            const auto full = [&] { return queued() >= max_batch || closed_; };
            waiting_for_catch_up_ = idle;
            not_empty_.wait_until(lock, idle ? deadline : std::min(deadline, now + kBusyBatchWait),
                                  [&] { return full() || (idle && caught_up_); });
            if (!idle && !full()) {
                waiting_for_catch_up_ = true;  // now input_caught_up() ends the wait
                not_empty_.wait_until(lock, deadline, [&] { return full() || caught_up_; });
            }
            waiting_for_catch_up_ = false;
            caught_up_ = false;
            take_batch(std::min(queued(), max_batch));
        }
        not_full_.notify_all();
        send_batch();
        sent_any = true;
        if (ctx_.stopping && Clock::now() >= ctx_.give_up_time()) {
            std::lock_guard lock(mu_);
            ctx_.metrics.samples_pending.Decrement(static_cast<double>(queued()));
            queue_.clear();  // unacknowledged: read again after the restart
            return;
        }
    }
}

void Shard::take_batch(std::size_t n)
{
    batch_.clear();
    queue_.pop_into(n, batch_);
}

void Shard::encode_batch()
{
    // Queue order is WAL order, so each series' samples are already in timestamp order. Like
    // Prometheus, a series may appear in several TimeSeries of one request; only consecutive
    // samples of one series share one, which spares sorting the batch.
    encoder_.clear();
    const auto pairs = ctx_.pairs.reader();
    for (std::size_t i = 0; i < batch_.size();) {
        // Label keys lie wherever their series was first read, rarely in cache: fetch a few
        // series ahead while this one is copied.
        if (i + kPrefetchAhead < batch_.size()) {
            const auto ahead = batch_[i + kPrefetchAhead].labels;
            for (std::size_t at = 0; at < ahead.size(); at += 64) {
                __builtin_prefetch(ahead.data() + at);
            }
        }
        points_.clear();
        std::size_t j = i;
        for (; j < batch_.size() && batch_[j].ref == batch_[i].ref; ++j) {
            points_.push_back({batch_[j].timestamp_ms, batch_[j].value});
        }
        encoder_.add_series(pairs, batch_[i].labels, points_);
        i = j;
    }
}

void Shard::finish_batch(bool acknowledge)
{
    ctx_.metrics.samples_pending.Decrement(static_cast<double>(batch_.size()));
    if (acknowledge) {
        // Batches hold runs of the same record, in queue (WAL) order; report each run once.
        for (std::size_t i = 0; i < batch_.size();) {
            std::size_t j = i;
            while (j < batch_.size() && batch_[j].record == batch_[i].record) {
                ++j;
            }
            ctx_.acks.done(batch_[i].record, j - i);
            i = j;
        }
    }
    batch_.clear();
}

void Shard::send_batch()
{
    encode_batch();
    const std::string_view body = encoder_.compress();
    const auto n = static_cast<double>(batch_.size());
    for (;;) {
        const auto give_up = ctx_.stopping ? ctx_.give_up_time() : Clock::time_point::max();
        if (Clock::now() >= give_up) {
            finish_batch(false);
            return;
        }
        const auto start = Clock::now();
        const WriteResult result = client_.send(body, give_up, [this] {
            return ctx_.stopping && Clock::now() >= ctx_.give_up_time();
        });
        const auto elapsed = Clock::now() - start;
        ctx_.send_nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
        ctx_.metrics.sent_batch_duration.Observe(std::chrono::duration<double>(elapsed).count());
        const auto decision = policy_.classify(result.status, result.retry_after, std::chrono::system_clock::now());
        if (decision.outcome == SendOutcome::Ok) {
            std::int64_t newest = 0;
            for (const auto& s : batch_) {
                newest = std::max(newest, s.timestamp_ms);
            }
            ctx_.metrics.samples.Increment(n);
            ctx_.metrics.bytes.Increment(static_cast<double>(body.size()));
            if (static_cast<double>(newest) / 1000.0 > ctx_.metrics.highest_sent_timestamp.Value()) {
                ctx_.metrics.highest_sent_timestamp.Set(static_cast<double>(newest) / 1000.0);
            }
            ctx_.delivered += batch_.size();
            ctx_.last_success_nanos = nanos(Clock::now());
            policy_.reset();
            finish_batch(true);
            return;
        }
        if (decision.outcome == SendOutcome::Drop) {
            ctx_.metrics.samples_failed.Increment(n);
            ctx_.given_up += batch_.size();
            const auto now = nanos(Clock::now());
            auto last = ctx_.last_refusal_log_nanos.load();
            if (now - last >= std::chrono::nanoseconds(kRefusalLogInterval).count() &&
                ctx_.last_refusal_log_nanos.compare_exchange_strong(last, now)) {
                spdlog::error("remote_write {}: receiver refused a batch of {} samples with status {}: {}",
                              ctx_.config.name, batch_.size(), result.status, result.error);
            }
            finish_batch(true);
            return;
        }
        ctx_.metrics.samples_retried.Increment(n);
        const auto wait = policy_.next_backoff(decision.retry_after);
        spdlog::warn("remote_write {}: send failed ({}{}), retrying in {} ms", ctx_.config.name,
                     result.status == 0 ? "no response: " : "status " + std::to_string(result.status) + ": ",
                     result.error, wait.count());
        const auto until = Clock::now() + wait;
        while (Clock::now() < until && !(ctx_.stopping && Clock::now() >= ctx_.give_up_time())) {
            std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), ShardContext::kWaitSlice));
        }
    }
}

}  // namespace autoscrape::remote
