#include "agent/storage/series.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace autoscrape::storage {

namespace {
constexpr std::string_view kNameLabel = "__name__";
}

void sort_labels(Labels& labels)
{
    std::erase_if(labels, [](const auto& l) { return l.second.empty(); });
    std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) {
        const bool a_name = a.first == kNameLabel;
        const bool b_name = b.first == kNameLabel;
        if (a_name != b_name) {
            return a_name;
        }
        return a.first < b.first;
    });
}

std::string labels_key(const Labels& labels)
{
    // Varint-length-prefixed, so no byte inside a name or value can make two different sets
    // collide, and short strings (all of them, nearly) take one byte of length.
    std::string key;
    const auto put = [&key](const std::string& s) {
        for (std::size_t n = s.size(); ; n >>= 7) {
            if (n < 0x80) {
                key += static_cast<char>(n);
                break;
            }
            key += static_cast<char>((n & 0x7f) | 0x80);
        }
        key += s;
    };
    for (const auto& [name, value] : labels) {
        put(name);
        put(value);
    }
    return key;
}

Labels labels_from_key(std::string_view key)
{
    const auto take = [&key]() {
        std::uint64_t n = 0;
        for (int shift = 0;; shift += 7) {
            if (key.empty() || shift > 28) {
                throw std::invalid_argument("labels_from_key: truncated length");
            }
            const auto byte = static_cast<std::uint8_t>(key.front());
            key.remove_prefix(1);
            n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if ((byte & 0x80) == 0) {
                break;
            }
        }
        if (key.size() < n) {
            throw std::invalid_argument("labels_from_key: truncated string");
        }
        std::string s(key.substr(0, n));
        key.remove_prefix(n);
        return s;
    };
    Labels labels;
    while (!key.empty()) {
        std::string name = take();
        labels.emplace_back(std::move(name), take());
    }
    return labels;
}

}  // namespace autoscrape::storage
