// The data model storage hands around: series references, label sets and samples.
//
// Kept standalone (no dependency on the scrape layer's label type) so the WAL and the remote-write
// path can be built, tested and fuzzed on their own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autoscrape::storage {

// A stable id for one label set, allocated by the WAL and kept across restarts: a slot (the low 32
// bits, from 1) and the slot's generation (the high 32). The WAL gives the slot of a forgotten
// series to a new one under the next generation, so no ref ever names two label sets, while the
// tables indexed by slot stay as large as the most series known at once, not all ever seen.
using SeriesRef = std::uint64_t;

inline std::uint32_t ref_slot(SeriesRef ref) { return static_cast<std::uint32_t>(ref); }
inline std::uint32_t ref_generation(SeriesRef ref) { return static_cast<std::uint32_t>(ref >> 32); }
inline SeriesRef make_ref(std::uint32_t slot, std::uint32_t generation)
{
    return (static_cast<SeriesRef>(generation) << 32) | slot;
}

// Label set in canonical order: by name, bytewise (see sort_labels).
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
    SeriesRef ref = 0;
    std::int64_t timestamp_ms = 0;
    double value = 0;
};

// Brings a label set into canonical order and drops labels with empty values (an empty value means
// "no such label" in Prometheus, and remote-write receivers must not get them). The order is the
// remote-write spec's ("label names sorted in lexicographical order", which Cortex and Mimir
// enforce) and Prometheus' own: bytewise, so __name__ is first unless a name starts with an
// upper-case letter.
void sort_labels(Labels& labels);

}  // namespace autoscrape::storage
