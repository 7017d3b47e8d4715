// The WAL's series index: each series' encode_labels() bytes by ref, and the ref of a label set.
//
// Sized for a hundred thousand series and more: the key bytes lie in a ByteArena, each ref takes a
// 16-byte slot, and the lookup is a KeyTable over refs (4 bytes a position, at most half full).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/storage/byte_arena.hpp"
#include "agent/storage/key_table.hpp"
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

    KeyTable::Entry entry(std::uint32_t ref) const
    {
        const Slot& s = slots_[ref - 1];
        return {{s.data, s.size}, s.hash};
    }

    ByteArena arena_;
    std::vector<Slot> slots_;  // by ref - 1
    KeyTable table_;  // refs by key
};

}  // namespace autoscrape::storage
