// The WAL's series index: each series' labels by slot (see SeriesRef), as a compact key of
// interned label pairs (LabelPairs), and the slot of a label set. Generations are the WAL's business.
//
// Sized for a hundred thousand series and more: slots live in fixed chunks, so they never move and
// a key of up to 20 bytes (~7 labels with common pairs) lives in its 28-byte slot; longer keys take
// an allocation of their exact size. The lookup is a KeyTable over slots (4 bytes a position, at
// most half full).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/storage/inline_bytes.hpp"
#include "agent/storage/key_table.hpp"
#include "agent/storage/label_pairs.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::storage {

// A compact key the index no longer uses: its references to label pairs, and its bytes when they
// were allocated, are given back when it is destroyed.
class RetiredKey {
public:
    RetiredKey() = default;
    RetiredKey(LabelPairs& pairs, const char* data, std::uint32_t size, bool owned)
        : pairs_(&pairs), data_(data), size_(size), owned_(owned)
    {
    }
    RetiredKey(RetiredKey&& other) noexcept;
    RetiredKey& operator=(RetiredKey&& other) noexcept;
    ~RetiredKey() { reset(); }

    std::string_view view() const { return {data_, size_}; }

private:
    void reset();
    LabelPairs* pairs_ = nullptr;
    const char* data_ = nullptr;
    std::uint32_t size_ = 0;
    bool owned_ = false;
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
    // Throws std::invalid_argument for bytes encode_labels() cannot have written. Giving a slot
    // other labels than it has (replay of damaged data, before any reader) may overwrite its key.
    void assign(std::uint32_t slot, std::string_view encoded);

    // The compact key of `slot` (expand it with pairs().reader()); empty for a slot never assigned,
    // forgotten, or beyond size(). Key bytes never move, and stay until the RetiredKey of forget()
    // is destroyed and the slot is assigned again.
    std::string_view key(std::uint32_t slot) const;

    // Removes `slot`'s labels: find() no longer returns the slot and key(slot) is empty. The key is
    // handed to the caller, who destroys it once no view of it can be in use, and assigns the slot
    // again only after that.
    RetiredKey forget(std::uint32_t slot);

    // The highest slot assigned so far.
    std::size_t size() const { return size_; }

    LabelPairs& pairs() const { return pairs_; }

private:
    static constexpr std::size_t kChunkSlots = 1024;
    using KeyBytes = InlineBytes<20>;  // a key of up to 20 bytes lives in its slot
    struct Slot {
        KeyBytes key;
        std::uint32_t size = 0;  // 0: no key (a compact key has at least its size byte)
        std::uint32_t hash = 0;  // of the key, so growing the table reads no key bytes
    };
    static_assert(sizeof(Slot) == 28, "a slot per series: keep it small");

    Slot& at(std::uint32_t slot) const { return chunks_[(slot - 1) / kChunkSlots][(slot - 1) % kChunkSlots]; }
    static std::string_view view(const Slot& s) { return s.key.view(s.size); }
    KeyTable::Entry entry(std::uint32_t slot) const
    {
        const Slot& s = at(slot);
        return {view(s), s.hash};
    }
    void grow_to(std::uint32_t slot);

    LabelPairs& pairs_;
    std::vector<std::unique_ptr<Slot[]>> chunks_;
    std::size_t size_ = 0;
    KeyTable table_;  // slots by key
    // Keys replaced by assign() (replay of damaged data), given back with the index.
    std::vector<RetiredKey> replaced_;
    mutable std::string scratch_;  // a compact key being looked up
};

}  // namespace autoscrape::storage
