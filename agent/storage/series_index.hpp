// The WAL's series index: each series' labels by slot (see SeriesRef), as a compact key of
// interned label pairs (LabelPairs), and the slot of a label set. Generations are the WAL's business.
//
// Sized for a hundred thousand series and more: each slot takes 16 bytes, each key one allocation
// of its exact size (~20 bytes at seven labels), and the lookup is a KeyTable over slots (4 bytes a
// position, at most half full). Keys are allocated one by one, not in an arena, so a forgotten
// series gives its bytes back (see forget()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/storage/key_table.hpp"
#include "agent/storage/label_pairs.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::storage {

// A compact key the index no longer uses: its bytes and its references to label pairs are given
// back when it is destroyed.
class RetiredKey {
public:
    RetiredKey() = default;
    RetiredKey(LabelPairs& pairs, const char* data, std::uint32_t size) : pairs_(&pairs), data_(data), size_(size) {}
    RetiredKey(RetiredKey&& other) noexcept;
    RetiredKey& operator=(RetiredKey&& other) noexcept;
    ~RetiredKey() { reset(); }

    std::string_view view() const { return {data_, size_}; }

private:
    void reset();
    LabelPairs* pairs_ = nullptr;
    const char* data_ = nullptr;
    std::uint32_t size_ = 0;
};

class SeriesIndex {
public:
    // `pairs` holds the label pairs of the keys and must outlive the index.
    explicit SeriesIndex(LabelPairs& pairs) : pairs_(pairs) {}
    ~SeriesIndex();
    SeriesIndex(const SeriesIndex&) = delete;
    SeriesIndex& operator=(const SeriesIndex&) = delete;

    // The slot whose labels encode (encode_labels) to `encoded`; 0 when there is none.
    std::uint32_t find(std::string_view encoded) const;

    // Gives `slot` the labels encoded as `encoded` and makes it their slot (the newest wins when
    // replay finds the same labels in two slots). Slots between size() and `slot` stay without.
    // Throws std::invalid_argument for bytes encode_labels() cannot have written.
    void assign(std::uint32_t slot, std::string_view encoded);

    // The compact key of `slot` (expand it with pairs().reader()); empty for a slot never assigned,
    // forgotten, or beyond size(). Key bytes are never moved, and freed only with the RetiredKey of
    // forget(): not even when assign() gives the slot other labels.
    std::string_view key(std::uint32_t slot) const;

    // The labels of `slot`; empty as for key().
    Labels labels(std::uint32_t slot) const;

    // Removes `slot`'s labels: find() no longer returns the slot and key(slot) is empty. The key is
    // handed to the caller, who destroys it once no view of it can be in use.
    RetiredKey forget(std::uint32_t slot);

    // The highest slot assigned so far.
    std::size_t size() const { return slots_.size(); }

    LabelPairs& pairs() const { return pairs_; }

private:
    struct Slot {
        const char* data = nullptr;  // owned
        std::uint32_t size = 0;
        std::uint32_t hash = 0;  // of the key, so growing the table reads no key bytes
    };

    KeyTable::Entry entry(std::uint32_t slot) const
    {
        const Slot& s = slots_[slot - 1];
        return {{s.data, s.size}, s.hash};
    }

    LabelPairs& pairs_;
    std::vector<Slot> slots_;  // by slot - 1
    KeyTable table_;  // slots by key
    // Keys replaced by assign() (replay of damaged data): views of them may still be held.
    std::vector<RetiredKey> replaced_;
    mutable std::string scratch_;  // a compact key being looked up
};

}  // namespace autoscrape::storage
