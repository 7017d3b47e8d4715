#include "agent/storage/label_pairs.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>

#include "agent/storage/growth.hpp"
#include "agent/storage/protobuf_wire.hpp"

namespace autoscrape::storage {

namespace {

constexpr char kLabelKey = wire::key(1, 2);  // TimeSeries.labels, as encode_labels() writes it

// The `Label` field at `pos` of encode_labels() bytes, key and length included; advances past it.
bool next_pair(std::string_view encoded, std::size_t& pos, std::string_view& pair)
{
    const std::size_t start = pos;
    std::uint64_t size = 0;
    if (encoded[pos++] != kLabelKey || !wire::get_varint(encoded, pos, size) || size > encoded.size() - pos) {
        return false;
    }
    pos += size;
    pair = encoded.substr(start, pos - start);
    return true;
}

void put_varint(std::string& out, std::uint64_t v)
{
    char buf[10];
    out.append(buf, wire::put_varint(buf, v));
}

// Calls `each(id)` for every pair id of a compact key.
template <typename Each>
void for_each_id(std::string_view key, const Each& each)
{
    std::size_t pos = 0;
    std::uint64_t v = 0;
    wire::get_varint(key, pos, v);  // the expanded size
    while (pos < key.size() && wire::get_varint(key, pos, v)) {
        each(static_cast<std::uint32_t>(v));
    }
}

}  // namespace

LabelPairs::~LabelPairs()
{
    for (Entry& e : entries_) {
        e.pair.release(e.size);
    }
}

std::uint32_t LabelPairs::find_pair(std::string_view pair, std::uint32_t hash) const
{
    return table_.find(pair, hash, [this](std::uint32_t id) { return entry(id); });
}

std::uint32_t LabelPairs::add_pair(std::string_view pair, std::uint32_t hash)
{
    std::uint32_t id = 0;
    if (!free_ids_.empty()) {
        id = free_ids_.back();
        free_ids_.pop_back();
    } else {
        if (entries_.size() >= UINT32_MAX) {
            throw std::length_error("label pairs: 4 billion pairs interned at once");
        }
        grow_to(entries_, entries_.size() + 1);
        id = static_cast<std::uint32_t>(entries_.size());
    }
    Entry& e = entries_[id - 1];
    e.pair.store(pair);
    e.size = static_cast<std::uint32_t>(pair.size());
    e.hash = hash;
    e.refs = 0;
    table_.insert(id, pair, hash, [this](std::uint32_t i) { return entry(i); });
    ++live_;
    return id;
}

void LabelPairs::intern(std::string_view encoded, std::string& key)
{
    // Checked whole first, so damaged bytes take no reference.
    for (std::size_t pos = 0; pos < encoded.size();) {
        std::string_view pair;
        if (!next_pair(encoded, pos, pair)) {
            throw std::invalid_argument("label pairs: damaged label encoding at byte " + std::to_string(pos));
        }
    }
    std::unique_lock lock(mu_);
    put_varint(key, encoded.size());
    for (std::size_t pos = 0; pos < encoded.size();) {
        std::string_view pair;
        next_pair(encoded, pos, pair);
        const std::uint32_t hash = KeyTable::hash_of(pair);
        std::uint32_t id = find_pair(pair, hash);
        if (id == 0) {
            id = add_pair(pair, hash);
        }
        ++entries_[id - 1].refs;
        put_varint(key, id);
    }
}

void LabelPairs::unref(std::uint32_t id)
{
    Entry& e = entries_[id - 1];
    if (--e.refs > 0) {
        return;
    }
    table_.erase(id, view(e), e.hash, [this](std::uint32_t i) { return entry(i); });
    e.pair.release(e.size);
    e.size = 0;
    free_ids_.push_back(id);
    --live_;
}

void LabelPairs::release(std::string_view key)
{
    std::unique_lock lock(mu_);
    for_each_id(key, [this](std::uint32_t id) { unref(id); });
}

std::size_t LabelPairs::size() const
{
    std::shared_lock lock(mu_);
    return live_;
}

std::size_t LabelPairs::Reader::expanded_size(std::string_view key)
{
    std::size_t pos = 0;
    std::uint64_t size = 0;
    wire::get_varint(key, pos, size);
    return size;
}

char* LabelPairs::Reader::expand_to(std::string_view key, char* out) const
{
    for_each_id(key, [&](std::uint32_t id) {
        const auto pair = LabelPairs::view(pairs_.entries_[id - 1]);
        std::memcpy(out, pair.data(), pair.size());
        out += pair.size();
    });
    return out;
}

void LabelPairs::Reader::expand(std::string_view key, std::string& out) const
{
    const std::size_t start = out.size();
    out.resize(start + expanded_size(key));
    expand_to(key, out.data() + start);
}

bool LabelPairs::Reader::find(std::string_view encoded, std::string& key) const
{
    const std::size_t start = key.size();
    put_varint(key, encoded.size());
    for (std::size_t pos = 0; pos < encoded.size();) {
        std::string_view pair;
        std::uint32_t id = 0;
        if (!next_pair(encoded, pos, pair) || (id = pairs_.find_pair(pair, KeyTable::hash_of(pair))) == 0) {
            key.resize(start);
            return false;
        }
        put_varint(key, id);
    }
    return true;
}

}  // namespace autoscrape::storage
