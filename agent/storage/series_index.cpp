#include "agent/storage/series_index.hpp"

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
        if (owns(slot)) {
            replaced_.emplace_back(const_cast<char*>(slot.data));
        }
    }
    slot = Slot{copy_of(key), static_cast<std::uint32_t>(key.size()), hash};
    table_.insert(id, key, hash, entry_of);
}

std::unique_ptr<char[]> SeriesIndex::forget(SeriesRef ref)
{
    if (ref == 0 || ref > slots_.size() || slots_[ref - 1].data == nullptr) {
        return nullptr;
    }
    Slot& slot = slots_[ref - 1];
    table_.erase(static_cast<std::uint32_t>(ref), {slot.data, slot.size}, slot.hash,
                 [this](std::uint32_t id) { return entry(id); });
    std::unique_ptr<char[]> bytes(owns(slot) ? const_cast<char*>(slot.data) : nullptr);
    slot = Slot{};
    return bytes;
}

}  // namespace autoscrape::storage
