// Label pairs stored once for every series that has them. Series of one target share most of their
// labels (job, instance, container, ...) and series of one metric the rest but one, so a series'
// labels (encode_labels() bytes, ~160 bytes at seven labels) are kept as a short *compact key*:
// the size of the encoding, then the id of each pair, all varints (~20 bytes). At 100k series that
// is ~10 MB less than a copy of the encoding each, for one table lookup a pair when the labels are
// written out again (remote write, checkpoints).
//
// A pair is the whole `Label` field of the encoding (key, length, name, value), so writing a series
// out is a copy of its pairs' bytes in key order. Every compact key holds one reference to each of
// its pairs; a pair is freed, and its id reused, when the last key holding it is released.
//
// Thread-safe. Keys are built and released under an exclusive lock; a Reader holds a shared lock
// for as long as it lives, so an encoder writes a whole batch under one lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agent/storage/inline_bytes.hpp"
#include "agent/storage/key_table.hpp"

namespace autoscrape::storage {

class LabelPairs {
public:
    class Reader {
    public:
        // The size of the encode_labels() bytes of `key`.
        static std::size_t expanded_size(std::string_view key);
        // Writes the encode_labels() bytes of `key` (expanded_size() of them) at `out`; returns the
        // advanced pointer.
        char* expand_to(std::string_view key, char* out) const;
        // Appends the encode_labels() bytes of `key` to `out`.
        void expand(std::string_view key, std::string& out) const;
        // Appends to `key` the compact key of `encoded` (encode_labels() bytes) when every pair of
        // it is interned, taking no reference; false when one is not (no series has these labels).
        bool find(std::string_view encoded, std::string& key) const;

    private:
        friend class LabelPairs;
        explicit Reader(const LabelPairs& pairs) : pairs_(pairs), lock_(pairs.mu_) {}
        const LabelPairs& pairs_;
        std::shared_lock<std::shared_mutex> lock_;
    };

    LabelPairs() = default;
    ~LabelPairs();
    LabelPairs(const LabelPairs&) = delete;
    LabelPairs& operator=(const LabelPairs&) = delete;

    // Do not call intern() or release() on the same thread while holding one.
    Reader reader() const { return Reader(*this); }

    // Appends to `key` the compact key of `encoded` (encode_labels() bytes), taking one reference
    // to each of its pairs. Throws std::invalid_argument, taking none, when `encoded` is damaged.
    void intern(std::string_view encoded, std::string& key);

    // Gives back the references of a key that intern() built.
    void release(std::string_view key);

    // Pairs interned now.
    std::size_t size() const;

private:
    struct Entry {
        // Pairs up to 20 bytes (most: `code="200"`, `series="12345"`) live in their entry.
        InlineBytes<20> pair;
        std::uint32_t size = 0;
        std::uint32_t hash = 0;
        std::uint32_t refs = 0;  // 0: a free id
    };
    static_assert(sizeof(Entry) == 32, "an entry per distinct pair: keep it small");

    static std::string_view view(const Entry& e) { return e.pair.view(e.size); }
    KeyTable::Entry entry(std::uint32_t id) const { return {view(entries_[id - 1]), entries_[id - 1].hash}; }
    std::uint32_t find_pair(std::string_view pair, std::uint32_t hash) const;
    std::uint32_t add_pair(std::string_view pair, std::uint32_t hash);
    void unref(std::uint32_t id);

    mutable std::shared_mutex mu_;
    std::vector<Entry> entries_;  // by id - 1
    std::vector<std::uint32_t> free_ids_;
    KeyTable table_;  // ids by pair bytes
    std::size_t live_ = 0;
};

}  // namespace autoscrape::storage
