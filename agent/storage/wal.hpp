// The write-ahead log: every accepted sample is written here before it counts as accepted, and
// remote-write endpoints read it back at their own pace.
//
// Layout of wal.dir: segments `00000001`, `00000002`, ... (append-only, rotated at
// wal.segment_size), at most one `checkpoint.N` holding the series records still in use after
// segments up to N were deleted, and `positions/<endpoint>` with each endpoint's acknowledged
// read position. Opening a directory replays it: series refs stay stable, a torn or corrupt tail is
// cut off to the last good record (logged, counted), and writing continues in a fresh segment.
//
// A series is forgotten when a checkpoint finds it without a record in the kept segments and
// without a sample or series() call for wal.forget_series_after: its labels leave memory, its ref
// is never handed out again (its slot is, under the next generation, once every reader is past it),
// and the same labels later get a new ref. A producer still holding the old ref gets
// UnknownSeriesError from commit() and asks again.
//
// Thread-safe: appenders from many scrape loops and readers from many endpoints share one Wal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/registry.h>

#include "agent/storage/appender.hpp"
#include "agent/storage/wal_metrics.hpp"
#include "agent/storage/wal_position.hpp"
#include "agent/storage/dir_lock.hpp"
#include "agent/storage/series_index.hpp"
#include "agent/storage/wal_segment.hpp"
#include "config/config.hpp"

namespace autoscrape::storage {

class Wal {
public:
    // Opens (creating if needed), locks and replays wal.dir. Throws std::system_error only when the
    // directory cannot be created or written, or another process holds it; damaged content never
    // stops start-up.
    Wal(config::WalConfig config, prometheus::Registry& registry);
    ~Wal();
    Wal(const Wal&) = delete;
    Wal& operator=(const Wal&) = delete;

    // One per producer (they are cheap); the Wal must outlive it.
    std::unique_ptr<Appender> appender();

    // Registers an endpoint and returns where its reader starts: the persisted position, or the
    // oldest data when there is none. Only registered endpoints hold segments back, so register
    // every configured endpoint before the first acknowledge(). Names must be plain file names.
    WalPosition register_reader(const std::string& name);

    // Forgets an endpoint that was removed from the configuration: its position file goes, and the
    // segments only it still held back are deleted (as acknowledge() would), so a removed endpoint
    // no longer pins the WAL. With no endpoint left, segments stay until wal.max_size / max_age.
    // Unknown names are ignored.
    void unregister_reader(const std::string& name);

    // Records the endpoint's position (everything before it is stored remotely; see PositionFile for
    // why it is not fsynced) and deletes the segments every registered endpoint has passed, keeping
    // live series in a checkpoint.
    void acknowledge(const std::string& name, WalPosition position);

    // Series known now (forgotten ones not counted).
    std::size_t series_count() const;

    // Appends to `refs` the series the WAL forgot that endpoint `name` may forget too: those whose
    // last records lie before its acknowledged position, so it neither reads nor sends them again.
    // Each ref is handed to each endpoint once; one registered later gets none forgotten before.
    void take_forgotten(const std::string& name, std::vector<SeriesRef>& refs);

    // Applies wal.max_size and wal.max_age now (also done after every write): the oldest segments
    // go even if unacknowledged, and their unsent samples are counted as dropped.
    void enforce_limits();

    // fsyncs the segment being written; for a periodic timer and for shutdown.
    void sync();

    // --- for the readers' threads: sleep until there is something new to read ---
    // Counts commits (records written); read it before reading, then wait while it is unchanged.
    std::uint64_t commits() const;
    // Returns when commits() differs from `seen`, `stop` is set (see wake_readers), or at `deadline`.
    void wait_for_commit(std::uint64_t seen, std::chrono::steady_clock::time_point deadline,
                         const std::atomic<bool>& stop) const;
    // Wakes every wait_for_commit so it sees its `stop` flag; call after setting it.
    void wake_readers() const;

    // --- for WalReader ---
    const std::filesystem::path& dir() const { return dir_; }
    std::optional<std::uint32_t> checkpoint() const;
    std::uint32_t first_segment() const;
    // The segment after `index` (nullopt: `index` is the one being written).
    std::optional<std::uint32_t> next_segment(std::uint32_t index) const;
    // Bytes of segment `index` that hold complete, committed records (0 if it is gone).
    std::uint64_t committed_size(std::uint32_t index) const;
    // The labels of `ref` as a compact key of label_pairs() (empty if unknown or forgotten). The
    // bytes stay at their address, and their pairs interned, until the series is forgotten and every
    // registered reader has acknowledged a position past its last record. So a reader may keep the
    // view instead of a key of its own for as long as it may read the ref.
    std::string_view series_key(SeriesRef ref) const;
    // The label pairs of series_key()'s keys; endpoints intern the labels they send there too.
    LabelPairs& label_pairs() { return pairs_; }

private:
    friend class WalAppender;

    // What every sample write reads, apart from the keys, so it stays small enough for the cache.
    // One per slot.
    struct SeriesState {
        std::uint32_t last_segment = 0;  // newest segment with a record of it; 0: unknown or forgotten
        std::uint32_t last_used = 0;     // seconds_open() of its last sample or series() call
        std::uint32_t generation = 0;    // of the series in the slot, or of the last one forgotten
    };
    static_assert(sizeof(SeriesState) == 12, "a slot per series: keep it small");
    // The slot and key bytes of a forgotten series, freed once every reader has acknowledged a
    // position in segment `first_kept` or later: until then a reader may still read (and send)
    // its samples, and a sample of the old ref must not resolve to a new series in the slot.
    struct Retired {
        std::uint32_t first_kept = 0;
        std::uint32_t slot = 0;
        RetiredKey key;
    };
    struct Forgotten {
        SeriesRef ref = 0;
        std::uint32_t first_kept = 0;  // readers acknowledged in or past it have no use for the ref
    };
    struct SegmentInfo {
        std::uint64_t size = 0;
        std::uint64_t samples = 0;
        std::chrono::system_clock::time_point last_write;
    };

    SeriesRef series_ref(Labels labels);
    bool known_locked(SeriesRef ref) const;
    std::uint32_t seconds_open() const;
    void write_samples(std::span<const Sample> samples);
    // write_samples without the wake-up: takes mu_ and logs the samples.
    void log_samples(std::span<const Sample> samples);

    void replay();
    void load_checkpoint(std::uint32_t index);
    void recover_segment(std::uint32_t index);
    void remember_series(SeriesEntry&& entry, std::uint32_t segment);
    void open_head(std::uint32_t index);
    // Writes records and counts a commit; readers are woken by wake_readers_after_commit().
    void write_locked(const std::string& records, std::uint64_t samples);
    void wake_readers_after_commit() const;
    void fsync_head_locked();
    void enforce_limits_locked();
    void delete_segments_before(std::uint32_t new_first);
    // Writes checkpoint.<index>: the series records of every series not forgotten. A series with
    // no record left from first_kept on is forgotten when idle for wal.forget_series_after; one
    // that is not stays whole in the checkpoint, as in Prometheus' agent (its series are kept while
    // they have samples newer than the WAL's low mark), so its next sample needs no series record
    // again: logging them again made every segment deletion re-log nearly every series (targets
    // scraped since the rotation were the only ones with a sample in the new head).
    // Returns how many series it holds and its size in bytes.
    std::pair<std::size_t, std::uint64_t> write_checkpoint(std::uint32_t index, std::uint32_t first_kept);
    void forget_series(std::uint32_t slot, std::uint32_t first_kept);
    // The ref a new series gets: a freed slot under its next generation, else a new slot.
    SeriesRef next_ref() const;
    void free_retired_keys();
    void trim_forgotten();
    void delete_acknowledged_locked();
    std::uint64_t unacknowledged_samples(std::uint32_t index) const;
    void update_gauges();

    config::WalConfig config_;
    std::filesystem::path dir_;
    DirLock dir_lock_;
    WalMetrics metrics_;

    mutable std::mutex mu_;
    std::vector<SeriesState> series_;  // by slot - 1
    std::vector<std::uint32_t> free_slots_;  // slots to reuse under their next generation
    std::size_t live_series_ = 0;      // of series_, those known now
    LabelPairs pairs_;   // of index_'s keys, and of the endpoints' series tables
    SeriesIndex index_{pairs_};  // each series' labels, and the ref of a label set
    std::vector<Retired> retired_keys_;  // by first_kept, ascending
    // Forgotten series not yet handed to every reader (take_forgotten), by first_kept, ascending;
    // forgotten_[i] has sequence number forgotten_base_ + i.
    std::deque<Forgotten> forgotten_;
    std::uint64_t forgotten_base_ = 0;
    std::map<std::string, std::uint64_t> forgotten_cursors_;  // by reader: next sequence number
    std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
    std::map<std::uint32_t, SegmentInfo> segments_;
    std::uint64_t total_size_ = 0;
    std::optional<std::uint32_t> checkpoint_;
    std::uint32_t head_index_ = 0;
    File head_;
    std::map<std::string, WalPosition> readers_;
    std::map<std::string, PositionFile> position_files_;  // by reader name
    std::chrono::steady_clock::time_point last_fsync_;
    std::string buf_;  // reused record buffer

    mutable std::mutex commit_mu_;  // after mu_ when both are held
    mutable std::condition_variable commit_cv_;
    std::uint64_t commits_ = 0;  // under commit_mu_
};

}  // namespace autoscrape::storage
