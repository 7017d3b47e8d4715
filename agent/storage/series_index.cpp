#include "agent/storage/series_index.hpp"

#include "agent/storage/growth.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace autoscrape::storage {

namespace {
const char kEmptyKey = 0;  // where the slot of a series without labels points
}  // namespace

SeriesIndex::~SeriesIndex()
{
    for (const Slot& s : slots_) {
        if (owns(s)) {
            delete[] s.data;
        }
    }
}

bool SeriesIndex::owns(const Slot& slot) { return slot.data != nullptr && slot.data != &kEmptyKey; }

const char* SeriesIndex::copy_of(std::string_view key)
{
    if (key.empty()) {
        return &kEmptyKey;
    }
    auto bytes = std::make_unique_for_overwrite<char[]>(key.size());
    std::memcpy(bytes.get(), key.data(), key.size());
    return bytes.release();
}

std::string_view SeriesIndex::key(std::uint32_t slot) const
{
    if (slot == 0 || slot > slots_.size()) {
        return {};
    }
    const Slot& s = slots_[slot - 1];
    return {s.data, s.size};
}

std::uint32_t SeriesIndex::find(std::string_view key) const
{
    return table_.find(key, KeyTable::hash_of(key), [this](std::uint32_t id) { return entry(id); });
}

void SeriesIndex::assign(std::uint32_t slot, std::string_view key)
{
    if (slot == 0) {
        throw std::out_of_range("series index: slot 0 is not a slot");
    }
    if (key.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("series index: key of slot " + std::to_string(slot) + " exceeds 4 GiB");
    }
    grow_to(slots_, slot);
    const auto entry_of = [this](std::uint32_t i) { return entry(i); };
    Slot& s = slots_[slot - 1];
    const std::uint32_t hash = KeyTable::hash_of(key);
    if (s.data != nullptr) {
        if (s.hash == hash && std::string_view(s.data, s.size) == key) {
            return;
        }
        // A slot logged again with other labels (replay of damaged data): its old key goes.
        table_.erase(slot, {s.data, s.size}, s.hash, entry_of);
        if (owns(s)) {
            replaced_.emplace_back(const_cast<char*>(s.data));
        }
    }
    s = Slot{copy_of(key), static_cast<std::uint32_t>(key.size()), hash};
    table_.insert(slot, key, hash, entry_of);
}

std::unique_ptr<char[]> SeriesIndex::forget(std::uint32_t slot)
{
    if (slot == 0 || slot > slots_.size() || slots_[slot - 1].data == nullptr) {
        return nullptr;
    }
    Slot& s = slots_[slot - 1];
    table_.erase(slot, {s.data, s.size}, s.hash, [this](std::uint32_t i) { return entry(i); });
    std::unique_ptr<char[]> bytes(owns(s) ? const_cast<char*>(s.data) : nullptr);
    s = Slot{};
    return bytes;
}

}  // namespace autoscrape::storage
