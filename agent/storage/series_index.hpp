// The WAL's series index: each series' encode_labels() bytes by slot (see SeriesRef), and the slot
// of a label set. Generations are the WAL's business.
//
// Sized for a hundred thousand series and more: each slot takes 16 bytes, each key one
// allocation of its exact size, and the lookup is a KeyTable over slots (4 bytes a position, at
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

    // The slot whose key is `key`; 0 when there is none.
    std::uint32_t find(std::string_view key) const;

    // Gives `slot` the key `key` and makes it the slot of that key (the newest wins when replay
    // finds the same labels in two slots). Slots between size() and `slot` stay without a key.
    void assign(std::uint32_t slot, std::string_view key);

    // The key of `slot`; empty for a slot never assigned, forgotten, or beyond size(). Key bytes
    // are never moved, and freed only by forget(): not even when assign() gives the slot another key.
    std::string_view key(std::uint32_t slot) const;

    // Removes `slot`'s key: find() no longer returns the slot and key(slot) is empty. The key's
    // bytes are handed to the caller, who frees them once no view of them can be in use (null for
    // an empty key or a slot without one).
    std::unique_ptr<char[]> forget(std::uint32_t slot);

    // The highest slot assigned so far.
    std::size_t size() const { return slots_.size(); }

private:
    struct Slot {
        const char* data = nullptr;  // owned unless it is kEmptyKey
        std::uint32_t size = 0;
        std::uint32_t hash = 0;  // of the key, so growing the table reads no key bytes
    };

    KeyTable::Entry entry(std::uint32_t slot) const
    {
        const Slot& s = slots_[slot - 1];
        return {{s.data, s.size}, s.hash};
    }
    static const char* copy_of(std::string_view key);
    static bool owns(const Slot& slot);

    std::vector<Slot> slots_;  // by slot - 1
    KeyTable table_;  // slots by key
    // Keys replaced by assign() (replay of damaged data): views of them may still be held.
    std::vector<std::unique_ptr<char[]>> replaced_;
};

}  // namespace autoscrape::storage
