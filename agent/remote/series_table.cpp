#include "agent/remote/series_table.hpp"

#include <algorithm>
#include <string>
#include <stdexcept>

namespace autoscrape::remote {

const char EncodedSeriesTable::kDropped = 0;
const char EncodedSeriesTable::kEmpty = 0;

std::optional<std::string_view> EncodedSeriesTable::find(storage::SeriesRef ref) const
{
    if (ref >= slots_.size()) {
        return std::nullopt;
    }
    const Slot& s = slots_[ref];
    if (s.data == nullptr || s.data == &kDropped) {
        return std::nullopt;
    }
    return std::string_view(s.data, s.size);
}

EncodedSeriesTable::Slot& EncodedSeriesTable::slot(storage::SeriesRef ref)
{
    if (ref >= slots_.size()) {
        // Refs come in roughly ascending order; grow geometrically all the same.
        slots_.resize(std::max<std::size_t>(ref + 1, slots_.size() + slots_.size() / 2));
    }
    return slots_[ref];
}

void EncodedSeriesTable::keep(storage::SeriesRef ref, std::string_view encoded)
{
    refer(ref, encoded.empty() ? encoded : arena_.store(encoded));
}

void EncodedSeriesTable::refer(storage::SeriesRef ref, std::string_view stable)
{
    if (stable.size() > UINT32_MAX) {
        throw std::length_error("encoded labels of series " + std::to_string(ref) + " exceed 4 GiB");
    }
    Slot& s = slot(ref);
    s.data = stable.empty() ? &kEmpty : stable.data();
    s.size = static_cast<std::uint32_t>(stable.size());
}

void EncodedSeriesTable::drop(storage::SeriesRef ref)
{
    slot(ref) = Slot{&kDropped, 0};
}

}  // namespace autoscrape::remote
