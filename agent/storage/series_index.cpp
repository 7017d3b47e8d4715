#include "agent/storage/series_index.hpp"

#include "agent/storage/label_encoding.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace autoscrape::storage {

RetiredKey::RetiredKey(RetiredKey&& other) noexcept
    : pairs_(std::exchange(other.pairs_, nullptr)), data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)), owned_(std::exchange(other.owned_, false))
{
}

RetiredKey& RetiredKey::operator=(RetiredKey&& other) noexcept
{
    if (this != &other) {
        reset();
        pairs_ = std::exchange(other.pairs_, nullptr);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        owned_ = std::exchange(other.owned_, false);
    }
    return *this;
}

void RetiredKey::reset()
{
    if (data_ != nullptr) {
        pairs_->release(view());
        if (owned_) {
            delete[] data_;
        }
        data_ = nullptr;
    }
}

SeriesIndex::~SeriesIndex()
{
    for (std::uint32_t slot = 1; slot <= size_; ++slot) {
        const Slot& s = at(slot);
        if (s.size > 0) {
            RetiredKey key(pairs_, view(s).data(), s.size, !KeyBytes::fits(s.size));
        }
    }
}

void SeriesIndex::grow_to(std::uint32_t slot)
{
    while (chunks_.size() * kChunkSlots < slot) {
        chunks_.push_back(std::make_unique<Slot[]>(kChunkSlots));
    }
    size_ = std::max<std::size_t>(size_, slot);
}

std::string_view SeriesIndex::key(std::uint32_t slot) const
{
    if (slot == 0 || slot > size_) {
        return {};
    }
    return view(at(slot));
}

std::uint32_t SeriesIndex::find(std::string_view encoded) const
{
    scratch_.clear();
    if (!pairs_.reader().find(encoded, scratch_)) {
        return 0;
    }
    return table_.find(scratch_, KeyTable::hash_of(scratch_), [this](std::uint32_t id) { return entry(id); });
}

void SeriesIndex::assign(std::uint32_t slot, std::string_view encoded)
{
    if (slot == 0) {
        throw std::out_of_range("series index: slot 0 is not a slot");
    }
    scratch_.clear();
    pairs_.intern(encoded, scratch_);
    grow_to(slot);
    const auto entry_of = [this](std::uint32_t i) { return entry(i); };
    Slot& s = at(slot);
    const std::uint32_t hash = KeyTable::hash_of(scratch_);
    if (s.size > 0) {
        const auto old = view(s);
        if (s.hash == hash && old == scratch_) {
            pairs_.release(scratch_);  // the slot holds its references already
            return;
        }
        // A slot logged again with other labels (replay of damaged data): its old key goes. An
        // inline one is about to be overwritten, so its references are released from a copy.
        table_.erase(slot, old, s.hash, entry_of);
        if (KeyBytes::fits(s.size)) {
            auto copy = std::make_unique_for_overwrite<char[]>(old.size());
            std::memcpy(copy.get(), old.data(), old.size());
            replaced_.emplace_back(pairs_, copy.release(), s.size, true);
        } else {
            replaced_.emplace_back(pairs_, old.data(), s.size, true);
        }
    }
    s.key.store(scratch_);
    s.size = static_cast<std::uint32_t>(scratch_.size());
    s.hash = hash;
    table_.insert(slot, view(s), hash, entry_of);
}

RetiredKey SeriesIndex::forget(std::uint32_t slot)
{
    if (slot == 0 || slot > size_ || at(slot).size == 0) {
        return {};
    }
    Slot& s = at(slot);
    const auto old = view(s);
    table_.erase(slot, old, s.hash, [this](std::uint32_t i) { return entry(i); });
    // An inline key's bytes stay in the slot (size 0 only hides them) until it is assigned again.
    RetiredKey retired(pairs_, old.data(), s.size, !KeyBytes::fits(s.size));
    s.size = 0;
    return retired;
}

}  // namespace autoscrape::storage
