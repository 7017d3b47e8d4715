// The WAL's series index: each series' encode_labels() bytes by ref, and the ref of a label set.
//
// Sized for a hundred thousand series and more: each ref takes a 16-byte slot, each key one
// allocation of its exact size, and the lookup is a KeyTable over refs (4 bytes a position, at
// most half full). Keys are allocated one by one, not in an arena, so a forgotten series gives its
// bytes back (see forget()).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "agent/storage/key_table.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::storage {

class SeriesIndex {
public:
    SeriesIndex() = default;
    ~SeriesIndex();
    SeriesIndex(const SeriesIndex&) = delete;
    SeriesIndex& operator=(const SeriesIndex&) = delete;

    // The ref whose key is `key`; 0 when there is none.
    SeriesRef find(std::string_view key) const;

    // Gives `ref` the key `key` and makes it the ref of that key (the newest ref wins when replay
    // finds the same labels under two refs). Refs between size() and `ref` stay without a key.
    void assign(SeriesRef ref, std::string_view key);

    // The key of `ref`; empty for a ref never assigned, forgotten, or beyond size(). Key bytes are
    // never moved, and freed only by forget(): not even when assign() gives the ref another key.
    std::string_view key(SeriesRef ref) const;

    // Removes `ref` and its key: find() no longer returns it and key(ref) is empty. The key's bytes
    // are handed to the caller, who frees them once no view of them can be in use (null for an
    // empty key or an unknown ref).
    std::unique_ptr<char[]> forget(SeriesRef ref);

    // The highest ref assigned so far.
    std::size_t size() const { return slots_.size(); }

private:
    struct Slot {
        const char* data = nullptr;  // owned unless it is kEmptyKey
        std::uint32_t size = 0;
        std::uint32_t hash = 0;  // of the key, so growing the table reads no key bytes
    };

    KeyTable::Entry entry(std::uint32_t ref) const
    {
        const Slot& s = slots_[ref - 1];
        return {{s.data, s.size}, s.hash};
    }
    static const char* copy_of(std::string_view key);
    static bool owns(const Slot& slot);

    std::vector<Slot> slots_;  // by ref - 1
    KeyTable table_;  // refs by key
    // Keys replaced by assign() (replay of damaged data): views of them may still be held.
    std::vector<std::unique_ptr<char[]>> replaced_;
};

}  // namespace autoscrape::storage
