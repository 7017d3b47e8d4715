// The labels of every series an endpoint sends, by WAL series ref, already encoded as the request
// body carries them (storage::encode_labels). A series is encoded once, when its series record is
// read; each of its samples then costs a copy of these bytes. The bytes lie back to back in blocks
// that never move (or are the WAL's own key bytes, which never move either), so shards can hold
// views of them while the WAL reader adds series, and a series takes its encoded size plus 16 bytes
// (16 bytes alone when it refers to the WAL's key) instead of a vector of string pairs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "agent/storage/byte_arena.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::remote {

class EncodedSeriesTable {
public:
    // False until keep() or drop() was called for the ref.
    bool known(storage::SeriesRef ref) const { return ref < slots_.size() && slots_[ref].data != nullptr; }

    // The encoded labels of a kept series; nullopt when the ref is unknown or was dropped.
    std::optional<std::string_view> find(storage::SeriesRef ref) const;

    // Keeps a copy of `encoded`.
    void keep(storage::SeriesRef ref, std::string_view encoded);

    // Keeps the view itself: for bytes that outlive the table at a fixed address (the WAL's key
    // of the series, see Wal::series_key), so they need not be stored twice.
    void refer(storage::SeriesRef ref, std::string_view stable);

    // write_relabel_configs dropped the series: its samples are not sent.
    void drop(storage::SeriesRef ref);

private:
    struct Slot {
        const char* data = nullptr;  // nullptr: unknown; &kDropped: dropped
        std::uint32_t size = 0;
    };
    static const char kDropped;
    static const char kEmpty;  // where a kept series without labels points

    Slot& slot(storage::SeriesRef ref);

    std::vector<Slot> slots_;  // by ref (refs are dense small integers)
    storage::ByteArena arena_;
};

}  // namespace autoscrape::remote
