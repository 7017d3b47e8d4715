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
    // Length-prefixed, so no byte inside a name or value can make two different sets collide.
    std::string key;
    const auto put = [&key](const std::string& s) {
        const auto n = static_cast<std::uint32_t>(s.size());
        key.append(reinterpret_cast<const char*>(&n), sizeof n);
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
        std::uint32_t n = 0;
        if (key.size() < sizeof n) {
            throw std::invalid_argument("labels_from_key: truncated length");
        }
        std::memcpy(&n, key.data(), sizeof n);
        key.remove_prefix(sizeof n);
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
