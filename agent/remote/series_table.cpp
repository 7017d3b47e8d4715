#include "agent/remote/series_table.hpp"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "agent/storage/growth.hpp"

namespace autoscrape::remote {

const char EncodedSeriesTable::kDropped = 0;
const char EncodedSeriesTable::kEmpty = 0;

namespace {

void check_size(storage::SeriesRef ref, std::string_view encoded)
{
    if (encoded.size() > INT32_MAX) {
        throw std::length_error("encoded labels of series " + std::to_string(ref) + " exceed 2 GiB");
    }
}

}  // namespace

EncodedSeriesTable::~EncodedSeriesTable()
{
    for (const Slot& s : slots_) {
        if (s.owned) {
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
        delete[] s.data;  // a forgotten generation: the WAL hands its slot on only when none is in flight
    }
    s.data = data;
    s.size = static_cast<std::uint32_t>(size);
    s.owned = owned ? 1 : 0;
    s.generation = storage::ref_generation(ref);
}

void EncodedSeriesTable::keep(storage::SeriesRef ref, std::string_view encoded)
{
    if (encoded.empty()) {
        refer(ref, encoded);
        return;
    }
    check_size(ref, encoded);
    auto copy = std::make_unique_for_overwrite<char[]>(encoded.size());
    std::memcpy(copy.get(), encoded.data(), encoded.size());
    set(ref, copy.release(), encoded.size(), true);
}

void EncodedSeriesTable::refer(storage::SeriesRef ref, std::string_view stable)
{
    check_size(ref, stable);
    set(ref, stable.empty() ? &kEmpty : stable.data(), stable.size(), false);
}

void EncodedSeriesTable::drop(storage::SeriesRef ref) { set(ref, &kDropped, 0, false); }

void EncodedSeriesTable::forget(storage::SeriesRef ref)
{
    if (known(ref)) {
        set(ref, nullptr, 0, false);
    }
}

}  // namespace autoscrape::remote
