// The WAL's series index: each series' encode_labels() bytes by ref, and the ref of a label set.
//
// Sized for a hundred thousand series and more: the key bytes lie in a ByteArena, each ref takes a
// 16-byte slot, and the lookup table is open addressing over refs (4 bytes a slot, at most half
// full). A deque of std::string keys plus an unordered_map of views cost ~100 bytes more per series.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/storage/byte_arena.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::storage {

class SeriesIndex {
public:
    // The ref whose key is `key`; 0 when there is none.
    SeriesRef find(std::string_view key) const;

    // Gives `ref` the key `key` and makes it the ref of that key (the newest ref wins when replay
    // finds the same labels under two refs). Refs between size() and `ref` stay without a key.
    void assign(SeriesRef ref, std::string_view key);

    // The key of `ref`; empty for a ref never assigned (or beyond size()). Key bytes are never moved
    // or freed while the index lives, not even when assign() gives the ref another key.
    std::string_view key(SeriesRef ref) const;

    // The highest ref assigned so far.
    std::size_t size() const { return slots_.size(); }

private:
    struct Slot {
        const char* data = nullptr;
        std::uint32_t size = 0;
        std::uint32_t hash = 0;  // of the key, so growing the table reads no key bytes
    };

    static std::uint32_t hash_of(std::string_view key);
    std::size_t home(std::uint32_t hash) const { return hash & (table_.size() - 1); }
    // The table position holding `key`'s ref, or the empty position where it would go.
    std::size_t probe(std::string_view key, std::uint32_t hash) const;
    void erase_at(std::size_t pos);
    void grow();

    ByteArena arena_;
    std::vector<Slot> slots_;           // by ref - 1
    std::vector<std::uint32_t> table_;  // refs by hash, linear probing; 0 is an empty position
    std::size_t used_ = 0;              // non-empty table positions
};

}  // namespace autoscrape::storage
