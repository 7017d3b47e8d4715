#include "agent/storage/series_index.hpp"

#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace autoscrape::storage {

namespace {
const char kEmptyKey = 0;  // where the slot of a series without labels points
}  // namespace

std::uint32_t SeriesIndex::hash_of(std::string_view key)
{
    const std::size_t h = std::hash<std::string_view>{}(key);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

std::string_view SeriesIndex::key(SeriesRef ref) const
{
    if (ref == 0 || ref > slots_.size()) {
        return {};
    }
    const Slot& s = slots_[ref - 1];
    return {s.data, s.size};
}

std::size_t SeriesIndex::probe(std::string_view key, std::uint32_t hash) const
{
    for (std::size_t pos = home(hash);; pos = (pos + 1) & (table_.size() - 1)) {
        const std::uint32_t ref = table_[pos];
        if (ref == 0) {
            return pos;
        }
        const Slot& s = slots_[ref - 1];
        if (s.hash == hash && std::string_view(s.data, s.size) == key) {
            return pos;
        }
    }
}

SeriesRef SeriesIndex::find(std::string_view key) const
{
    if (table_.empty()) {
        return 0;
    }
    return table_[probe(key, hash_of(key))];
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
    Slot& slot = slots_[ref - 1];
    const std::uint32_t hash = hash_of(key);
    if (slot.data != nullptr) {
        if (slot.hash == hash && std::string_view(slot.data, slot.size) == key) {
            return;
        }
        // A ref logged again with other labels (replay of damaged data): its old key goes.
        if (const auto pos = probe({slot.data, slot.size}, slot.hash); table_[pos] == ref) {
            erase_at(pos);
        }
    }
    const auto stored = arena_.store(key);
    slot = Slot{stored.empty() ? &kEmptyKey : stored.data(), static_cast<std::uint32_t>(key.size()), hash};
    if (2 * (used_ + 1) > table_.size()) {
        grow();
    }
    const auto pos = probe(key, hash);
    if (table_[pos] == 0) {
        ++used_;
    }
    table_[pos] = static_cast<std::uint32_t>(ref);
}

void SeriesIndex::erase_at(std::size_t pos)
{
    // Backward-shift deletion: later entries of the same probe run move up, so no tombstones.
    const std::size_t mask = table_.size() - 1;
    std::size_t hole = pos;
    for (std::size_t next = (hole + 1) & mask; table_[next] != 0; next = (next + 1) & mask) {
        const std::size_t want = home(slots_[table_[next] - 1].hash);
        // Move the entry into the hole unless its home lies cyclically in (hole, next].
        const bool stays = hole <= next ? (hole < want && want <= next) : (hole < want || want <= next);
        if (!stays) {
            table_[hole] = table_[next];
            hole = next;
        }
    }
    table_[hole] = 0;
    --used_;
}

void SeriesIndex::grow()
{
    std::vector<std::uint32_t> old = std::move(table_);
    table_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    for (const std::uint32_t ref : old) {
        if (ref != 0) {
            std::size_t pos = home(slots_[ref - 1].hash);
            while (table_[pos] != 0) {
                pos = (pos + 1) & (table_.size() - 1);
            }
            table_[pos] = ref;
        }
    }
}

}  // namespace autoscrape::storage
