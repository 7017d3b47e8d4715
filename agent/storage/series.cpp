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

}  // namespace autoscrape::storage
