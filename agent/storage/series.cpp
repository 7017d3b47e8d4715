#include "agent/storage/series.hpp"

#include <algorithm>
#include <cstdint>
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

}  // namespace autoscrape::storage
