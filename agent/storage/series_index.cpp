#include "agent/storage/series_index.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace autoscrape::storage {

namespace {
const char kEmptyKey = 0;  // where the slot of a series without labels points
}  // namespace

std::string_view SeriesIndex::key(SeriesRef ref) const
{
    if (ref == 0 || ref > slots_.size()) {
        return {};
    }
    const Slot& s = slots_[ref - 1];
    return {s.data, s.size};
}

SeriesRef SeriesIndex::find(std::string_view key) const
{
    return table_.find(key, KeyTable::hash_of(key), [this](std::uint32_t ref) { return entry(ref); });
}

void SeriesIndex::assign(SeriesRef ref, std::string_view key)
{
    if (ref == 0 || ref > std::numeric_limits<std::uint32_t>::max()) {
        throw std::out_of_range("series index: ref " + std::to_string(ref) + " out of range");
    }
    if (key.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("series index: key of series " + std::to_string(ref) + " exceeds 4 GiB");
    }
    if (ref > slots_.size()) {
        slots_.resize(ref);
    }
    const auto entry_of = [this](std::uint32_t id) { return entry(id); };
    const auto id = static_cast<std::uint32_t>(ref);
    Slot& slot = slots_[ref - 1];
    const std::uint32_t hash = KeyTable::hash_of(key);
    if (slot.data != nullptr) {
        if (slot.hash == hash && std::string_view(slot.data, slot.size) == key) {
            return;
        }
        // A ref logged again with other labels (replay of damaged data): its old key goes.
        table_.erase(id, {slot.data, slot.size}, slot.hash, entry_of);
    }
    const auto stored = arena_.store(key);
    slot = Slot{stored.empty() ? &kEmptyKey : stored.data(), static_cast<std::uint32_t>(key.size()), hash};
    table_.insert(id, key, hash, entry_of);
}

}  // namespace autoscrape::storage
