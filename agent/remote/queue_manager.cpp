#include "agent/remote/queue_manager.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "agent/storage/label_encoding.hpp"

namespace autoscrape::remote {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kAckInterval{1};

// Under a steady flow the reader takes what the WAL holds at most this often (or batch_send_deadline,
// if shorter), not at every commit: with many small targets, a commit each a few milliseconds would
// otherwise cost a wake-up of the reader and of a shard, and a request, per commit. The first
// commit after a quiet spell is read at once.
constexpr std::chrono::milliseconds kReadInterval{200};

std::size_t shard_of(storage::SeriesRef ref, std::size_t shards)
{
    // Refs are mostly dense small integers (see SeriesRef); mix them so consecutive ones spread
    // over the shards.
    return static_cast<std::size_t>((ref * 0x9E3779B97F4A7C15ULL) >> 32) % shards;
}

std::int64_t nanos(Clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

QueueManager::QueueManager(config::RemoteWriteConfig config, config::Labels external_labels, storage::Wal& wal,
                           QueueMetricFamilies& families)
    : config_(std::move(config)),
      external_labels_(std::move(external_labels)),
      wal_(wal),
      relabeler_(config_.write_relabel_configs),
      metrics_(families, config_.name, config_.url),
      start_(wal_.register_reader(config_.name)),
      acks_(start_),
      ctx_{config_, acks_, metrics_, wal_.label_pairs()},
      read_interval_(std::min<std::chrono::milliseconds>(kReadInterval, config_.queue_config.batch_send_deadline)),
      series_(wal_.label_pairs())
{
    validate(config_);
}

void QueueManager::validate(const config::RemoteWriteConfig& config)
{
    // Here rather than in a shard thread, where an exception would have nowhere to go.
    WriteClient check(config);
    scrape::Relabeler relabel(config.write_relabel_configs);
}

QueueManager::~QueueManager()
{
    stop(Clock::now());
}

void QueueManager::start()
{
    if (!thread_.joinable() && !stop_requested_) {
        thread_ = std::thread([this] { run(); });
    }
}

void QueueManager::stop(Clock::time_point deadline)
{
    {
        std::lock_guard lock(stop_mu_);
        if (!stop_requested_) {
            ctx_.give_up_at = nanos(deadline);
            ctx_.stopping = true;
            stop_requested_ = true;
        }
    }
    stop_cv_.notify_all();
    wal_.wake_readers();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void QueueManager::run()
{
    set_shards(std::max<std::uint32_t>(config_.queue_config.min_shards, 1));
    storage::WalReader reader(wal_, start_);
    storage::WalRecord record;
    auto last_ack = Clock::now();
    auto last_update = Clock::now();
    auto read_started = Clock::now();  // when the reader last found a record after catching up
    bool caught_up = true;
    while (!stop_requested_) {
        const auto next_upkeep = run_upkeep(last_ack, last_update);
        // Taken before reading, so a commit made after the reader found nothing still wakes it.
        const auto commits = wal_.commits();
        if (!reader.next(record)) {
            if (queued_total_ != queued_at_catch_up_) {
                queued_at_catch_up_ = queued_total_;
                for (auto& shard : shards_) {
                    shard->input_caught_up();
                }
            }
            caught_up = true;
            rest_until(read_started + read_interval_);  // an upkeep due meanwhile waits this long at most
            wal_.wait_for_commit(commits, next_upkeep, stop_requested_);
            continue;
        }
        if (caught_up) {
            caught_up = false;
            read_started = Clock::now();
        }
        if (!handle(record, reader.position())) {
            break;
        }
    }
    // Flush: shards send what they hold until the stop deadline, then give up on the rest.
    for (auto& shard : shards_) {
        shard->close();
    }
    shards_.clear();
    acknowledge();
}

void QueueManager::rest_until(Clock::time_point until)
{
    std::unique_lock lock(stop_mu_);
    stop_cv_.wait_until(lock, until, [this] { return stop_requested_.load(); });
}

Clock::time_point QueueManager::run_upkeep(Clock::time_point& last_ack, Clock::time_point& last_update)
{
    const auto now = Clock::now();
    if (now - last_ack >= kAckInterval) {
        acknowledge();
        last_ack = now;
    }
    if (now - last_update >= shard_update_interval_) {
        update_shards();
        last_update = now;
    }
    return std::min(last_ack + kAckInterval, last_update + shard_update_interval_);
}

void QueueManager::remember_series(const storage::SeriesEntry& entry)
{
    if (series_.known(entry.ref)) {
        return;  // a ref's labels never change; this is a checkpointed copy
    }
    scrape::LabelSet set;
    for (const auto& [name, value] : entry.labels) {
        set.set(name, value);
    }
    for (const auto& [name, value] : external_labels_) {
        if (!set.has(name)) {  // as in Prometheus, the series' own label wins
            set.set(name, value);
        }
    }
    if (!relabeler_.apply(set)) {
        series_.drop(entry.ref);
        return;
    }
    storage::Labels labels;
    labels.reserve(set.size());
    for (const auto& label : set) {
        labels.emplace_back(label.name, label.value);
    }
    encoded_.clear();
    storage::encode_labels(labels, encoded_);
    // Sent as logged (no external label or relabelling changed it), the series has the WAL's key
    // for it: point at that instead of keeping a key of its own.
    const auto wal_key = wal_.series_key(entry.ref);
    key_.clear();
    if (!wal_key.empty() && wal_.label_pairs().reader().find(encoded_, key_) && key_ == wal_key) {
        series_.refer(entry.ref, wal_key);
    } else {
        series_.keep(entry.ref, encoded_);
    }
}

bool QueueManager::handle(const storage::WalRecord& record, storage::WalPosition end)
{
    if (record.type == storage::RecordType::Series) {
        for (const auto& entry : record.series) {
            remember_series(entry);
        }
        acks_.add(end, 0);
        return true;
    }
    kept_.clear();
    std::uint64_t dropped = 0;
    for (const auto& s : record.samples) {
        const auto labels = series_.find(s.ref);
        if (!labels) {
            ++dropped;
            continue;
        }
        kept_.push_back({*labels, s.ref, s.timestamp_ms, s.value, 0});
        highest_timestamp_ms_ = std::max(highest_timestamp_ms_, static_cast<double>(s.timestamp_ms));
    }
    if (dropped > 0) {
        metrics_.samples_dropped.Increment(static_cast<double>(dropped));
    }
    metrics_.highest_timestamp.Set(highest_timestamp_ms_ / 1000.0);
    const std::uint64_t id = acks_.add(end, kept_.size());
    for (auto& sample : kept_) {
        sample.record = id;
    }
    if (shards_.size() == 1) {
        return push_to_shard(0, kept_);  // the usual case: no split, no second copy
    }
    per_shard_.resize(shards_.size());
    for (auto& samples : per_shard_) {
        samples.clear();
    }
    for (const auto& sample : kept_) {
        per_shard_[shard_of(sample.ref, shards_.size())].push_back(sample);
    }
    for (std::size_t i = 0; i < shards_.size(); ++i) {
        if (!push_to_shard(i, per_shard_[i])) {
            return false;
        }
    }
    return true;
}

bool QueueManager::push_to_shard(std::size_t shard, std::span<const QueuedSample> samples)
{
    const std::size_t queued = shards_[shard]->push(samples);
    metrics_.samples_pending.Increment(static_cast<double>(queued));
    queued_total_ += queued;
    return queued == samples.size();  // fewer once stopping: the record stays unacknowledged
}

void QueueManager::set_shards(std::uint32_t count)
{
    for (auto& shard : shards_) {
        shard->close();
    }
    shards_.clear();  // joins: every queued sample is delivered or given up on first
    for (std::uint32_t i = 0; i < count; ++i) {
        shards_.push_back(std::make_unique<Shard>(ctx_));
    }
    metrics_.shards.Set(count);
}

void QueueManager::update_shards()
{
    const double seconds = std::chrono::duration<double>(shard_update_interval_).count();
    const std::uint64_t delivered = ctx_.delivered;
    const std::uint64_t given_up = ctx_.given_up;
    const std::int64_t send_nanos = ctx_.send_nanos;
    in_rate_.tick(static_cast<double>(queued_total_ - last_queued_), seconds);
    out_rate_.tick(static_cast<double>(delivered - last_delivered_), seconds);
    dropped_rate_.tick(static_cast<double>(given_up - last_given_up_), seconds);
    send_seconds_rate_.tick(static_cast<double>(send_nanos - last_send_nanos_) / 1e9, seconds);
    last_queued_ = queued_total_;
    last_delivered_ = delivered;
    last_given_up_ = given_up;
    last_send_nanos_ = send_nanos;

    const ShardInputs inputs{in_rate_.rate(), out_rate_.rate(), dropped_rate_.rate(), send_seconds_rate_.rate(),
                             static_cast<double>(queued_total_ - delivered - given_up)};
    const auto current = static_cast<std::uint32_t>(shards_.size());
    const auto desired = desired_shards(inputs, current, config_.queue_config.min_shards,
                                        config_.queue_config.max_shards);
    metrics_.shards_desired.Set(desired);
    // Like Prometheus, do not resize while the backend is failing: the flush would only block.
    const auto since_success = nanos(Clock::now()) - ctx_.last_success_nanos.load();
    const bool healthy = since_success < 2 * std::chrono::nanoseconds(shard_update_interval_).count();
    if (desired != current && healthy) {
        spdlog::info("remote_write {}: resharding from {} to {}", config_.name, current, desired);
        set_shards(desired);
    }
}

void QueueManager::acknowledge()
{
    if (const auto pos = acks_.take()) {
        try {
            wal_.acknowledge(config_.name, *pos);
        } catch (const std::exception& e) {
            spdlog::error("remote_write {}: cannot persist the WAL position: {}", config_.name, e.what());
        }
    }
    forgotten_.clear();
    wal_.take_forgotten(config_.name, forgotten_);
    for (const auto ref : forgotten_) {
        series_.forget(ref);
    }
    metrics_.series.Set(static_cast<double>(series_.size()));
}

}  // namespace autoscrape::remote
