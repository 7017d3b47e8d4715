#include "agent/storage/series.hpp"

#include <algorithm>
#include <cstdint>

namespace autoscrape::storage {

namespace {
constexpr std::string_view kNameLabel = "__name__";
}

bool canonical_name_less(std::string_view a, std::string_view b)
{
    const bool a_name = a == kNameLabel;
    const bool b_name = b == kNameLabel;
    if (a_name != b_name) {
        return a_name;
    }
    return a < b;
}

void sort_labels(Labels& labels)
{
    std::erase_if(labels, [](const auto& l) { return l.second.empty(); });
    std::sort(labels.begin(), labels.end(),
              [](const auto& a, const auto& b) { return canonical_name_less(a.first, b.first); });
}

}  // namespace autoscrape::storage
