// The labels of every series an endpoint sends, by WAL series ref (indexed by its slot, checked
// against its generation), already encoded as the request
// body carries them (storage::encode_labels). A series is encoded once, when its series record is
// read; each of its samples then costs a copy of these bytes. The bytes never move while the
// series is known (each copy is an allocation of its own, or is the WAL's key of the series), so
// shards can hold views of them while the WAL reader adds series. A series takes its encoded size
// plus 16 bytes, 16 bytes alone when it refers to the WAL's key, and only its 16-byte slot once
// forgotten (see forget()).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/storage/series.hpp"

namespace autoscrape::remote {

class EncodedSeriesTable {
public:
    EncodedSeriesTable() = default;
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

    // The encoded labels of a kept series; nullopt when the ref is unknown or was dropped. Inline:
    // the WAL reader asks once per sample.
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

    // Keeps a copy of `encoded`.
    void keep(storage::SeriesRef ref, std::string_view encoded);

    // Keeps the view itself: for bytes that stay at a fixed address while the series may be read
    // (the WAL's key of the series, see Wal::series_key), so they need not be stored twice.
    void refer(storage::SeriesRef ref, std::string_view stable);

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
        std::uint32_t owned : 1 = 0;  // a copy made by keep()
        std::uint32_t generation = 0;
    };
    static const char kDropped;
    static const char kEmpty;  // where a kept series without labels points

    void set(storage::SeriesRef ref, const char* data, std::size_t size, bool owned);

    std::vector<Slot> slots_;  // by slot (slots are dense small integers)
    std::size_t known_ = 0;
};

}  // namespace autoscrape::remote
