#include "agent/storage/wal.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "agent/storage/growth.hpp"
#include "agent/storage/label_encoding.hpp"
#include "agent/storage/stale.hpp"

namespace autoscrape::storage {

namespace fs = std::filesystem;

// Buffers one producer's batch so a scrape becomes one samples record and one write().
class WalAppender final : public Appender {
public:
    explicit WalAppender(Wal& wal) : wal_(wal) {}

    SeriesRef series(Labels labels) override { return wal_.series_ref(std::move(labels)); }

    void append(SeriesRef ref, std::int64_t timestamp_ms, double value) override
    {
        if (pending_.capacity() == 0) {
            pending_.reserve(last_batch_size_);
        }
        pending_.push_back(Sample{ref, timestamp_ms, value});
    }

    void commit() override
    {
        if (pending_.empty()) {
            return;
        }
        try {
            wal_.write_samples(pending_);
        } catch (...) {
            release();  // the batch is refused as a whole; the next one starts clean
            throw;
        }
        release();
    }

    void rollback() override { release(); }

private:
    // A batch's buffer lives from its first append to its commit, sized by the batch before. Kept
    // between batches, every scrape loop held its largest batch's capacity (4 MB for 20 targets of
    // 5000 series); freed, the loops of a thread take turns with the same memory.
    void release()
    {
        last_batch_size_ = pending_.size();
        std::vector<Sample>().swap(pending_);
    }

    Wal& wal_;
    std::vector<Sample> pending_;
    std::size_t last_batch_size_ = 0;
};

Wal::Wal(config::WalConfig config, prometheus::Registry& registry)
    : config_(std::move(config)), dir_(config_.dir), metrics_(registry)
{
    fs::create_directories(dir_ / "positions");
    dir_lock_ = DirLock(dir_);
    std::lock_guard lock(mu_);
    replay();
    last_fsync_ = std::chrono::steady_clock::now();
    update_gauges();
}

Wal::~Wal()
{
    std::lock_guard lock(mu_);
    try {
        fsync_head_locked();
        for (auto& [_, file] : position_files_) {
            file.sync();
        }
    } catch (const std::exception& e) {
        spdlog::error("wal: final fsync failed: {}", e.what());
    }
}

std::unique_ptr<Appender> Wal::appender() { return std::make_unique<WalAppender>(*this); }

SeriesRef Wal::series_ref(Labels labels)
{
    sort_labels(labels);
    std::string key;
    encode_labels(labels, key);
    SeriesRef ref = 0;
    {
        std::lock_guard lock(mu_);
        if (const std::uint32_t slot = index_.find(key); slot != 0) {
            auto& state = series_[slot - 1];
            state.last_used = seconds_open();
            return make_ref(slot, state.generation);
        }
        ref = next_ref();
        buf_.clear();
        encode_series_record(buf_, ref, labels);
        write_locked(buf_, 0);
        const std::uint32_t slot = ref_slot(ref);
        if (slot > series_.size()) {
            grow_to(series_, slot);
        } else {
            free_slots_.pop_back();
        }
        series_[slot - 1] = SeriesState{head_index_, seconds_open(), ref_generation(ref)};
        ++live_series_;
        index_.assign(slot, key);
        enforce_limits_locked();
    }
    wake_readers_after_commit();
    return ref;
}

void Wal::write_samples(std::span<const Sample> samples)
{
    log_samples(samples);
    wake_readers_after_commit();
}

SeriesRef Wal::next_ref() const
{
    if (!free_slots_.empty()) {
        const std::uint32_t slot = free_slots_.back();
        return make_ref(slot, series_[slot - 1].generation + 1);
    }
    if (series_.size() >= std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("wal: 4 billion series known at once");
    }
    return make_ref(static_cast<std::uint32_t>(series_.size() + 1), 0);
}

bool Wal::known_locked(SeriesRef ref) const
{
    const std::uint32_t slot = ref_slot(ref);
    if (slot == 0 || slot > series_.size()) {
        return false;
    }
    const auto& state = series_[slot - 1];
    return state.last_segment != 0 && state.generation == ref_generation(ref);
}

std::uint32_t Wal::seconds_open() const
{
    const auto open_for = std::chrono::steady_clock::now() - opened_;
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(open_for).count());
}

void Wal::log_samples(std::span<const Sample> samples)
{
    std::lock_guard lock(mu_);
    buf_.clear();
    bool stale_of_unknown = false;
    for (const auto& s : samples) {
        if (known_locked(s.ref)) {
            continue;
        }
        if (!is_stale_nan(s.value)) {
            throw UnknownSeriesError("wal: sample for unknown series ref " + std::to_string(s.ref));
        }
        stale_of_unknown = true;
    }
    std::vector<Sample> known;
    if (stale_of_unknown) {
        std::copy_if(samples.begin(), samples.end(), std::back_inserter(known),
                     [this](const Sample& s) { return known_locked(s.ref); });
        samples = known;
    }
    if (samples.empty()) {
        return;
    }
    encode_samples_record(buf_, samples);
    write_locked(buf_, samples.size());
    const std::uint32_t now = seconds_open();
    for (const auto& s : samples) {
        series_[ref_slot(s.ref) - 1] = SeriesState{head_index_, now, ref_generation(s.ref)};
    }
    metrics_.samples_appended.Increment(static_cast<double>(samples.size()));
    // The periodic fsync is the upkeep timer's (RemoteWriteStage), so a scrape does not wait for
    // the disk under mu_ whenever its commit comes just before the timer's. A writer fsyncs when
    // fsync_interval is 0, and as a backstop when the timer is a whole interval late.
    const auto interval = config_.fsync_interval;
    if (interval.count() == 0 || std::chrono::steady_clock::now() - last_fsync_ >= 2 * interval) {
        fsync_head_locked();
    }
    enforce_limits_locked();
}

void Wal::write_locked(const std::string& records, std::uint64_t samples)
{
    auto& head = segments_[head_index_];
    if (head.size > 0 && head.size + records.size() > config_.segment_size) {
        fsync_head_locked();
        open_head(head_index_ + 1);
    }
    auto& info = segments_[head_index_];
    write_all(head_, records);
    info.size += records.size();
    info.samples += samples;
    info.last_write = std::chrono::system_clock::now();
    total_size_ += records.size();
    update_gauges();
    std::lock_guard commit_lock(commit_mu_);
    ++commits_;
}

void Wal::wake_readers_after_commit() const
{
    // Called once mu_ is released: a reader woken while the writer still holds it would block on
    // it at once, and each such round trip costs two more futex calls and a context switch.
    commit_cv_.notify_all();
}

std::uint64_t Wal::commits() const
{
    std::lock_guard lock(commit_mu_);
    return commits_;
}

void Wal::wait_for_commit(std::uint64_t seen, std::chrono::steady_clock::time_point deadline,
                          const std::atomic<bool>& stop) const
{
    std::unique_lock lock(commit_mu_);
    commit_cv_.wait_until(lock, deadline, [&] { return commits_ != seen || stop.load(); });
}

void Wal::wake_readers() const
{
    // Taking the lock orders this after a waiter's check of its stop flag: no lost wake-up.
    { std::lock_guard lock(commit_mu_); }
    commit_cv_.notify_all();
}

void Wal::open_head(std::uint32_t index)
{
    head_ = open_for_append(dir_ / segment_name(index));
    fsync_dir(dir_);
    head_index_ = index;
    segments_[index] = SegmentInfo{0, 0, std::chrono::system_clock::now()};
}

void Wal::fsync_head_locked()
{
    const auto start = std::chrono::steady_clock::now();
    fsync_file(head_);
    last_fsync_ = std::chrono::steady_clock::now();
    metrics_.fsync_duration.Observe(std::chrono::duration<double>(last_fsync_ - start).count());
}

void Wal::sync()
{
    std::lock_guard lock(mu_);
    fsync_head_locked();
}

WalPosition Wal::register_reader(const std::string& name)
{
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
        throw std::invalid_argument("wal: reader name must be a plain file name: '" + name + "'");
    }
    std::lock_guard lock(mu_);
    const WalPosition oldest{segments_.begin()->first, 0};
    const auto file = dir_ / "positions" / name;
    WalPosition pos = load_position(file).value_or(oldest);
    pos = std::max(pos, oldest);
    position_files_.try_emplace(name, file);
    readers_[name] = pos;
    forgotten_cursors_.try_emplace(name, forgotten_base_ + forgotten_.size());
    return pos;
}

void Wal::unregister_reader(const std::string& name)
{
    std::lock_guard lock(mu_);
    if (readers_.erase(name) == 0) {
        return;
    }
    position_files_.erase(name);
    fs::remove(dir_ / "positions" / name);
    forgotten_cursors_.erase(name);
    if (!readers_.empty()) {
        delete_acknowledged_locked();
    }
    free_retired_keys();
    trim_forgotten();
}

void Wal::acknowledge(const std::string& name, WalPosition position)
{
    std::lock_guard lock(mu_);
    position_files_.try_emplace(name, dir_ / "positions" / name).first->second.save(position);
    readers_[name] = position;
    delete_acknowledged_locked();
    free_retired_keys();
}

void Wal::delete_acknowledged_locked()
{
    std::uint32_t min_segment = head_index_;
    for (const auto& [_, pos] : readers_) {
        min_segment = std::min(min_segment, pos.segment);
    }
    delete_segments_before(min_segment);
}

void Wal::enforce_limits()
{
    std::lock_guard lock(mu_);
    enforce_limits_locked();
}

void Wal::enforce_limits_locked()
{
    if (config_.max_size == 0 && config_.max_age.count() == 0) {
        return;
    }
    const auto too_old = std::chrono::system_clock::now() - config_.max_age;
    std::uint64_t remaining = total_size_;
    std::uint32_t new_first = segments_.begin()->first;
    for (const auto& [index, info] : segments_) {
        const bool over_size = config_.max_size > 0 && remaining > config_.max_size;
        const bool over_age = config_.max_age.count() > 0 && info.last_write < too_old;
        if (index == head_index_ || !(over_size || over_age)) {
            break;
        }
        remaining -= info.size;
        new_first = index + 1;
    }
    delete_segments_before(new_first);
}

std::uint64_t Wal::unacknowledged_samples(std::uint32_t index) const
{
    std::optional<WalPosition> slowest;
    for (const auto& [_, pos] : readers_) {
        slowest = slowest ? std::min(*slowest, pos) : pos;
    }
    const auto& info = segments_.at(index);
    if (!slowest || slowest->segment < index) {
        return info.samples;
    }
    if (slowest->segment > index) {
        return 0;
    }
    RecordFileReader reader(dir_ / segment_name(index), slowest->offset);
    std::uint64_t count = 0;
    Frame frame;
    while (reader.next(info.size, frame) == FrameStatus::Ok) {
        if (frame.type == RecordType::Samples) {
            count += samples_in_payload(frame.payload);
        }
    }
    return count;
}

void Wal::delete_segments_before(std::uint32_t new_first)
{
    new_first = std::min(new_first, head_index_);
    if (segments_.begin()->first >= new_first) {
        return;
    }
    // The checkpoint first: once it is on disk, deleting the segments loses no series.
    const std::uint32_t checkpoint = new_first - 1;
    const auto started = std::chrono::steady_clock::now();
    const auto [series, bytes] = write_checkpoint(checkpoint, new_first);
    spdlog::info("wal: checkpoint {} written: {} series, {} bytes, in {} ms", checkpoint, series, bytes,
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());

    std::uint64_t dropped = 0;
    while (!segments_.empty() && segments_.begin()->first < new_first) {
        const auto [index, info] = *segments_.begin();
        dropped += unacknowledged_samples(index);
        fs::remove(dir_ / segment_name(index));
        total_size_ -= info.size;
        segments_.erase(segments_.begin());
    }
    if (checkpoint_ && *checkpoint_ != checkpoint) {
        fs::remove(dir_ / checkpoint_name(*checkpoint_));
    }
    checkpoint_ = checkpoint;
    free_retired_keys();
    if (dropped > 0) {
        metrics_.samples_dropped.Increment(static_cast<double>(dropped));
        spdlog::warn("wal: deleted segments before {} holding {} samples not every endpoint acknowledged "
                     "(wal.max_size / wal.max_age)",
                     new_first, dropped);
    }
    update_gauges();
}

std::pair<std::size_t, std::uint64_t> Wal::write_checkpoint(std::uint32_t index, std::uint32_t first_kept)
{
    // In records of a bounded number of series, flushed to the file as they fill up, each series
    // written from its compact key through one scratch buffer: no label set is built, and neither
    // this nor a reader's decode of one record ever holds every series' labels at once (with
    // 100,000 series that was an 80 MB spike of resident memory, kept by the allocator afterwards;
    // label sets per 1024 series and a 1 MiB buffer grown by doubling still made 1.5 MB).
    constexpr std::size_t kSeriesPerRecord = 1024;
    constexpr std::size_t kFlushBytes = 256 << 10;
    AtomicFileWriter file(dir_ / checkpoint_name(index));
    std::vector<SeriesRef> refs;
    std::vector<std::uint32_t> slots;
    std::string data;
    std::string expanded;
    std::size_t series = 0;
    std::uint64_t bytes = 0;
    const auto encode_chunk = [&] {
        const auto reader = index_.pairs().reader();
        encode_series_record(data, refs, [&](std::size_t i) -> std::string_view {
            expanded.clear();
            reader.expand(index_.key(slots[i]), expanded);
            return expanded;
        });
        refs.clear();
        slots.clear();
        if (data.size() >= kFlushBytes) {
            file.write(data);
            bytes += data.size();
            data.clear();
        }
    };
    const auto idle_seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.forget_series_after).count();
    const std::uint32_t now = seconds_open();
    for (std::size_t i = 0; i < series_.size(); ++i) {
        auto& s = series_[i];
        if (s.last_segment == 0) {
            continue;  // never known (a gap in replayed refs) or forgotten
        }
        const auto slot = static_cast<std::uint32_t>(i + 1);
        if (s.last_segment < first_kept && now - s.last_used >= idle_seconds) {
            forget_series(slot, first_kept);
            continue;
        }
        refs.push_back(make_ref(slot, s.generation));
        slots.push_back(slot);
        ++series;
        if (refs.size() == kSeriesPerRecord) {
            encode_chunk();
        }
    }
    if (!refs.empty()) {
        encode_chunk();
    }
    file.write(data);
    bytes += data.size();
    file.commit();
    return {series, bytes};
}

void Wal::forget_series(std::uint32_t slot, std::uint32_t first_kept)
{
    auto& state = series_[slot - 1];
    if (!forgotten_cursors_.empty()) {
        forgotten_.push_back(Forgotten{make_ref(slot, state.generation), first_kept});
    }
    retired_keys_.push_back(Retired{first_kept, slot, index_.forget(slot)});
    state = SeriesState{0, 0, state.generation};
    --live_series_;
}

void Wal::take_forgotten(const std::string& name, std::vector<SeriesRef>& refs)
{
    std::lock_guard lock(mu_);
    const auto cursor = forgotten_cursors_.find(name);
    const auto reader = readers_.find(name);
    if (cursor == forgotten_cursors_.end() || reader == readers_.end()) {
        return;
    }
    auto& next = cursor->second;
    while (next < forgotten_base_ + forgotten_.size()) {
        const auto& f = forgotten_[next - forgotten_base_];
        if (f.first_kept > reader->second.segment) {
            break;
        }
        refs.push_back(f.ref);
        ++next;
    }
    trim_forgotten();
}

void Wal::trim_forgotten()
{
    std::uint64_t taken_by_all = forgotten_base_ + forgotten_.size();
    for (const auto& [_, next] : forgotten_cursors_) {
        taken_by_all = std::min(taken_by_all, next);
    }
    forgotten_.erase(forgotten_.begin(), forgotten_.begin() + static_cast<std::ptrdiff_t>(taken_by_all - forgotten_base_));
    forgotten_base_ = taken_by_all;
}

void Wal::free_retired_keys()
{
    std::uint32_t acknowledged_by_all = UINT32_MAX;
    for (const auto& [_, pos] : readers_) {
        acknowledged_by_all = std::min(acknowledged_by_all, pos.segment);
    }
    const auto still_readable = std::find_if(retired_keys_.begin(), retired_keys_.end(), [&](const Retired& k) {
        return k.first_kept > acknowledged_by_all;
    });
    for (auto k = retired_keys_.begin(); k != still_readable; ++k) {
        // A slot whose generations ran out stays unused rather than hand out a ref again.
        if (series_[k->slot - 1].generation != std::numeric_limits<std::uint32_t>::max()) {
            free_slots_.push_back(k->slot);
        }
    }
    retired_keys_.erase(retired_keys_.begin(), still_readable);
}

std::size_t Wal::series_count() const
{
    std::lock_guard lock(mu_);
    return live_series_;
}

void Wal::update_gauges()
{
    metrics_.series.Set(static_cast<double>(live_series_));
    metrics_.segments.Set(static_cast<double>(segments_.size()));
    metrics_.size_bytes.Set(static_cast<double>(total_size_));
}

std::optional<std::uint32_t> Wal::checkpoint() const
{
    std::lock_guard lock(mu_);
    return checkpoint_;
}

std::uint32_t Wal::first_segment() const
{
    std::lock_guard lock(mu_);
    return segments_.begin()->first;
}

std::optional<std::uint32_t> Wal::next_segment(std::uint32_t index) const
{
    std::lock_guard lock(mu_);
    const auto it = segments_.upper_bound(index);
    if (it == segments_.end()) {
        return std::nullopt;
    }
    return it->first;
}

std::string_view Wal::series_key(SeriesRef ref) const
{
    std::lock_guard lock(mu_);
    return known_locked(ref) ? index_.key(ref_slot(ref)) : std::string_view{};
}

std::uint64_t Wal::committed_size(std::uint32_t index) const
{
    std::lock_guard lock(mu_);
    const auto it = segments_.find(index);
    return it == segments_.end() ? 0 : it->second.size;
}

}  // namespace autoscrape::storage
