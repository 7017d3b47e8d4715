// Finds the id whose key is a given byte string, in 4 bytes a position: open addressing over small
// integer ids (1 .. 2^32-1; 0 marks an empty position), linear probing, at most half full, and
// backward-shift deletion, so there are no tombstones.
//
// The owner keeps each id's key and its hash (hash_of) wherever suits it, and hands the table a
// function `entry_of(id)` returning both as a KeyTable::Entry; the table holds ids only. Growing
// reads the stored hashes, never key bytes. Used by the WAL's SeriesIndex and the scrape cache,
// where a std::unordered_map node and std::string key cost ~100 bytes more per series.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace autoscrape::storage {

class KeyTable {
public:
    struct Entry {
        std::string_view key;
        std::uint32_t hash = 0;
    };

    static std::uint32_t hash_of(std::string_view key)
    {
        const std::size_t h = std::hash<std::string_view>{}(key);
        return static_cast<std::uint32_t>(h ^ (h >> 32));
    }

    // The id of `key` (whose hash_of is `hash`); 0 when it has none.
    template <typename EntryOf>
    std::uint32_t find(std::string_view key, std::uint32_t hash, const EntryOf& entry_of) const
    {
        return table_.empty() ? 0 : table_[probe(key, hash, entry_of)];
    }

    // Makes `id` the id of `key`; entry_of(id) must already return `key` and `hash`.
    template <typename EntryOf>
    void insert(std::uint32_t id, std::string_view key, std::uint32_t hash, const EntryOf& entry_of)
    {
        if (2 * (used_ + 1) > table_.size()) {
            grow(entry_of);
        }
        const auto pos = probe(key, hash, entry_of);
        if (table_[pos] == 0) {
            ++used_;
        }
        table_[pos] = id;
    }

    // Removes `key` if its id is `id`; entry_of must still return the key of every id in the table.
    template <typename EntryOf>
    void erase(std::uint32_t id, std::string_view key, std::uint32_t hash, const EntryOf& entry_of)
    {
        if (table_.empty()) {
            return;
        }
        if (const auto pos = probe(key, hash, entry_of); table_[pos] == id) {
            erase_at(pos, entry_of);
        }
    }

    void clear()
    {
        table_.clear();
        used_ = 0;
    }

private:
    static constexpr std::size_t kInitialSize = 16;

    std::size_t home(std::uint32_t hash) const { return hash & (table_.size() - 1); }
    std::size_t next(std::size_t pos) const { return (pos + 1) & (table_.size() - 1); }

    // The position holding `key`'s id, or the empty position where it would go.
    template <typename EntryOf>
    std::size_t probe(std::string_view key, std::uint32_t hash, const EntryOf& entry_of) const
    {
        for (std::size_t pos = home(hash);; pos = next(pos)) {
            const std::uint32_t id = table_[pos];
            if (id == 0) {
                return pos;
            }
            const Entry e = entry_of(id);
            if (e.hash == hash && e.key == key) {
                return pos;
            }
        }
    }

    template <typename EntryOf>
    void erase_at(std::size_t pos, const EntryOf& entry_of)
    {
        // Later ids of the same probe run move up into the hole, unless their home lies cyclically
        // in (hole, candidate]: then the hole does not break their run.
        std::size_t hole = pos;
        for (std::size_t at = next(hole); table_[at] != 0; at = next(at)) {
            const std::size_t want = home(entry_of(table_[at]).hash);
            const bool stays = hole <= at ? (hole < want && want <= at) : (hole < want || want <= at);
            if (!stays) {
                table_[hole] = table_[at];
                hole = at;
            }
        }
        table_[hole] = 0;
        --used_;
    }

    template <typename EntryOf>
    void grow(const EntryOf& entry_of)
    {
        std::vector<std::uint32_t> old = std::move(table_);
        table_.assign(old.empty() ? kInitialSize : old.size() * 2, 0);
        for (const std::uint32_t id : old) {
            if (id != 0) {
                std::size_t pos = home(entry_of(id).hash);
                while (table_[pos] != 0) {
                    pos = next(pos);
                }
                table_[pos] = id;
            }
        }
    }

    std::vector<std::uint32_t> table_;
    std::size_t used_ = 0;  // non-empty positions
};

}  // namespace autoscrape::storage
