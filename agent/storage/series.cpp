#include "agent/storage/series.hpp"

#include <algorithm>
#include <cstdint>

namespace autoscrape::storage {

void sort_labels(Labels& labels)
{
    std::erase_if(labels, [](const auto& l) { return l.second.empty(); });
    std::sort(labels.begin(), labels.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace autoscrape::storage
