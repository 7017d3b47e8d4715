#include "agent/remote/series_table.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace autoscrape::remote {

const char EncodedSeriesTable::kDropped = 0;
const char EncodedSeriesTable::kEmpty = 0;

EncodedSeriesTable::~EncodedSeriesTable()
{
    for (const Slot& s : slots_) {
        if (s.owned) {
            delete[] s.data;
        }
    }
}

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

void EncodedSeriesTable::set(storage::SeriesRef ref, Slot value)
{
    Slot& s = slot(ref);
    if (s.data == nullptr && value.data != nullptr) {
        ++known_;
    } else if (s.data != nullptr && value.data == nullptr) {
        --known_;
    }
    if (s.owned) {
        delete[] s.data;
    }
    s = value;
}

void EncodedSeriesTable::keep(storage::SeriesRef ref, std::string_view encoded)
{
    if (encoded.empty()) {
        refer(ref, encoded);
        return;
    }
    if (encoded.size() > UINT32_MAX) {
        throw std::length_error("encoded labels of series " + std::to_string(ref) + " exceed 4 GiB");
    }
    auto copy = std::make_unique_for_overwrite<char[]>(encoded.size());
    std::memcpy(copy.get(), encoded.data(), encoded.size());
    set(ref, Slot{copy.release(), static_cast<std::uint32_t>(encoded.size()), true});
}

void EncodedSeriesTable::refer(storage::SeriesRef ref, std::string_view stable)
{
    if (stable.size() > UINT32_MAX) {
        throw std::length_error("encoded labels of series " + std::to_string(ref) + " exceed 4 GiB");
    }
    set(ref, Slot{stable.empty() ? &kEmpty : stable.data(), static_cast<std::uint32_t>(stable.size()), false});
}

void EncodedSeriesTable::drop(storage::SeriesRef ref) { set(ref, Slot{&kDropped, 0, false}); }

void EncodedSeriesTable::forget(storage::SeriesRef ref)
{
    if (ref < slots_.size()) {
        set(ref, Slot{});
    }
}

}  // namespace autoscrape::remote
