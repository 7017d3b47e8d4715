#include "agent/remote/series_table.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "agent/storage/growth.hpp"

namespace autoscrape::remote {

const char EncodedSeriesTable::kDropped = 0;

namespace {

void check_size(storage::SeriesRef ref, std::string_view key)
{
    if (key.size() > INT32_MAX) {
        throw std::length_error("label key of series " + std::to_string(ref) + " exceeds 2 GiB");
    }
}

}  // namespace

EncodedSeriesTable::~EncodedSeriesTable()
{
    for (const Slot& s : slots_) {
        if (s.owned) {
            pairs_.release({s.data, s.size});
            delete[] s.data;
        }
    }
}

void EncodedSeriesTable::set(storage::SeriesRef ref, const char* data, std::size_t size, bool owned)
{
    const std::uint32_t index = storage::ref_slot(ref);
    storage::grow_to(slots_, index + 1);
    Slot& s = slots_[index];
    if (s.data == nullptr && data != nullptr) {
        ++known_;
    } else if (s.data != nullptr && data == nullptr) {
        --known_;
    }
    if (s.owned) {
        // A forgotten generation: the WAL hands its slot on only when none is in flight.
        pairs_.release({s.data, s.size});
        delete[] s.data;
    }
    s.data = data;
    s.size = static_cast<std::uint32_t>(size);
    s.owned = owned ? 1 : 0;
    s.generation = storage::ref_generation(ref);
}

void EncodedSeriesTable::keep(storage::SeriesRef ref, std::string_view encoded)
{
    key_.clear();
    pairs_.intern(encoded, key_);
    auto copy = std::make_unique_for_overwrite<char[]>(key_.size());
    std::memcpy(copy.get(), key_.data(), key_.size());
    set(ref, copy.release(), key_.size(), true);
}

void EncodedSeriesTable::refer(storage::SeriesRef ref, std::string_view stable_key)
{
    check_size(ref, stable_key);
    set(ref, stable_key.data(), stable_key.size(), false);
}

void EncodedSeriesTable::drop(storage::SeriesRef ref) { set(ref, &kDropped, 0, false); }

void EncodedSeriesTable::forget(storage::SeriesRef ref)
{
    if (known(ref)) {
        set(ref, nullptr, 0, false);
    }
}

}  // namespace autoscrape::remote
