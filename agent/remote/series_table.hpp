// The labels of every series an endpoint sends, by WAL series ref (indexed by its slot, checked
// against its generation), as compact keys of interned label pairs (storage::LabelPairs): a shard
// expands a key into the request body. A series is resolved once, when its series record is read.
// The key bytes never move while the series is known (each is an allocation of its own, or is the
// WAL's key of the series), so shards can hold views of them while the WAL reader adds series. A
// series takes its key's size plus 16 bytes, 16 bytes alone when it refers to the WAL's key, and
// only its 16-byte slot once forgotten (see forget()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/storage/label_pairs.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::remote {

class EncodedSeriesTable {
public:
    // `pairs` interns the labels of kept series and must outlive the table.
    explicit EncodedSeriesTable(storage::LabelPairs& pairs) : pairs_(pairs) {}
    ~EncodedSeriesTable();
    EncodedSeriesTable(const EncodedSeriesTable&) = delete;
    EncodedSeriesTable& operator=(const EncodedSeriesTable&) = delete;

    // False until keep() or drop() was called for the ref, and again after forget() or once another
    // generation of its slot was kept.
    bool known(storage::SeriesRef ref) const
    {
        const std::uint32_t slot = storage::ref_slot(ref);
        return slot < slots_.size() && slots_[slot].data != nullptr &&
               slots_[slot].generation == storage::ref_generation(ref);
    }

    // The compact key of a kept series' labels; nullopt when the ref is unknown or was dropped.
    // Inline: the WAL reader asks once per sample.
    std::optional<std::string_view> find(storage::SeriesRef ref) const
    {
        if (!known(ref)) {
            return std::nullopt;
        }
        const Slot& s = slots_[storage::ref_slot(ref)];
        if (s.data == &kDropped) {
            return std::nullopt;
        }
        return std::string_view(s.data, s.size);
    }

    // Keeps the labels encoded (storage::encode_labels) as `encoded`, interning them.
    void keep(storage::SeriesRef ref, std::string_view encoded);

    // Keeps the view of a compact key itself: for a key that stays at a fixed address, its pairs
    // interned, while the series may be read (the WAL's key of the series, see Wal::series_key).
    void refer(storage::SeriesRef ref, std::string_view stable_key);

    // write_relabel_configs dropped the series: its samples are not sent.
    void drop(storage::SeriesRef ref);

    // The WAL forgot the series and no sample of it is queued any more: its copy is freed (unless
    // the slot already holds a later generation).
    void forget(storage::SeriesRef ref);

    // Series kept, referred to or dropped.
    std::size_t size() const { return known_; }

private:
    struct Slot {
        const char* data = nullptr;  // nullptr: unknown; &kDropped: dropped
        std::uint32_t size : 31 = 0;
        std::uint32_t owned : 1 = 0;  // a key made by keep()
        std::uint32_t generation = 0;
    };
    static const char kDropped;

    void set(storage::SeriesRef ref, const char* data, std::size_t size, bool owned);

    storage::LabelPairs& pairs_;
    std::string key_;  // keep()'s key being built
    std::vector<Slot> slots_;  // by slot (slots are dense small integers)
    std::size_t known_ = 0;
};

}  // namespace autoscrape::remote
