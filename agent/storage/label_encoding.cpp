#include "agent/storage/label_encoding.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/storage/protobuf_wire.hpp"

namespace autoscrape::storage {

namespace {

constexpr char kLabelKey = wire::key(1, 2);  // TimeSeries.labels
constexpr char kNameKey = wire::key(1, 2);   // Label.name
constexpr char kValueKey = wire::key(2, 2);  // Label.value

std::size_t label_size(std::string_view name, std::string_view value)
{
    return wire::field_size(name.size()) + wire::field_size(value.size());
}

using Label = std::pair<std::string, std::string>;

bool canonical_less(const Label* a, const Label* b) { return a->first < b->first; }

// The bytes of a length-delimited field with key `field_key` at `pos`, advancing past it.
bool get_field(std::string_view data, std::size_t& pos, char field_key, std::string_view& body)
{
    std::uint64_t size = 0;
    if (pos >= data.size() || data[pos++] != field_key || !wire::get_varint(data, pos, size) ||
        size > data.size() - pos) {
        return false;
    }
    body = data.substr(pos, size);
    pos += size;
    return true;
}

}  // namespace

void encode_labels(const Labels& labels, std::string& out)
{
    thread_local std::vector<const Label*> order;
    order.clear();
    for (const auto& l : labels) {
        if (!l.second.empty()) {
            order.push_back(&l);
        }
    }
    if (!std::is_sorted(order.begin(), order.end(), canonical_less)) {
        std::sort(order.begin(), order.end(), canonical_less);
    }
    std::size_t size = 0;
    for (const auto* l : order) {
        size += wire::field_size(label_size(l->first, l->second));
    }
    const std::size_t start = out.size();
    out.resize(start + size);
    char* p = out.data() + start;
    for (const auto* l : order) {
        *p++ = kLabelKey;
        p = wire::put_varint(p, label_size(l->first, l->second));
        p = wire::put_bytes(p, kNameKey, l->first);
        p = wire::put_bytes(p, kValueKey, l->second);
    }
}

void decode_label_views(std::string_view encoded, std::vector<std::pair<std::string_view, std::string_view>>& out)
{
    out.clear();
    std::size_t pos = 0;
    while (pos < encoded.size()) {
        std::string_view label;
        std::string_view name;
        std::string_view value;
        std::size_t inner = 0;
        if (!get_field(encoded, pos, kLabelKey, label) || !get_field(label, inner, kNameKey, name) ||
            !get_field(label, inner, kValueKey, value) || inner != label.size()) {
            throw std::invalid_argument("decode_labels: damaged label at byte " + std::to_string(pos));
        }
        out.emplace_back(name, value);
    }
}

Labels decode_labels(std::string_view encoded)
{
    std::vector<std::pair<std::string_view, std::string_view>> views;
    decode_label_views(encoded, views);
    return {views.begin(), views.end()};
}

}  // namespace autoscrape::storage
