#include "agent/storage/series_index.hpp"

#include "agent/storage/growth.hpp"
#include "agent/storage/label_encoding.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace autoscrape::storage {

RetiredKey::RetiredKey(RetiredKey&& other) noexcept
    : pairs_(std::exchange(other.pairs_, nullptr)), data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0))
{
}

RetiredKey& RetiredKey::operator=(RetiredKey&& other) noexcept
{
    if (this != &other) {
        reset();
        pairs_ = std::exchange(other.pairs_, nullptr);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

void RetiredKey::reset()
{
    if (data_ != nullptr) {
        pairs_->release(view());
        delete[] data_;
        data_ = nullptr;
    }
}

SeriesIndex::~SeriesIndex()
{
    for (const Slot& s : slots_) {
        if (s.data != nullptr) {
            pairs_.release({s.data, s.size});
            delete[] s.data;
        }
    }
}

std::string_view SeriesIndex::key(std::uint32_t slot) const
{
    if (slot == 0 || slot > slots_.size()) {
        return {};
    }
    const Slot& s = slots_[slot - 1];
    return {s.data, s.size};
}

Labels SeriesIndex::labels(std::uint32_t slot) const
{
    const auto compact = key(slot);
    if (compact.empty()) {
        return {};
    }
    scratch_.clear();
    pairs_.reader().expand(compact, scratch_);
    return decode_labels(scratch_);
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
    grow_to(slots_, slot);
    const auto entry_of = [this](std::uint32_t i) { return entry(i); };
    Slot& s = slots_[slot - 1];
    const std::uint32_t hash = KeyTable::hash_of(scratch_);
    if (s.data != nullptr) {
        if (s.hash == hash && std::string_view(s.data, s.size) == scratch_) {
            pairs_.release(scratch_);  // the slot holds its references already
            return;
        }
        // A slot logged again with other labels (replay of damaged data): its old key goes.
        table_.erase(slot, {s.data, s.size}, s.hash, entry_of);
        replaced_.emplace_back(pairs_, s.data, s.size);
    }
    auto bytes = std::make_unique_for_overwrite<char[]>(scratch_.size());
    std::memcpy(bytes.get(), scratch_.data(), scratch_.size());
    s = Slot{bytes.release(), static_cast<std::uint32_t>(scratch_.size()), hash};
    table_.insert(slot, {s.data, s.size}, hash, entry_of);
}

RetiredKey SeriesIndex::forget(std::uint32_t slot)
{
    if (slot == 0 || slot > slots_.size() || slots_[slot - 1].data == nullptr) {
        return {};
    }
    Slot& s = slots_[slot - 1];
    table_.erase(slot, {s.data, s.size}, s.hash, [this](std::uint32_t i) { return entry(i); });
    RetiredKey retired(pairs_, s.data, s.size);
    s = Slot{};
    return retired;
}

}  // namespace autoscrape::storage
