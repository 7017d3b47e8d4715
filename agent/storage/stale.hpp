// Staleness markers: the special NaN Prometheus uses to say "this series is gone".
//
// A stale marker must survive every hop (WAL, encoder, wire) bit for bit, because receivers tell it
// apart from an ordinary NaN only by its exact bit pattern. Compare bits, never use isnan alone.
#pragma once

#include <bit>
#include <cstdint>

namespace autoscrape::storage {

inline constexpr std::uint64_t kStaleNanBits = 0x7ff0000000000002ULL;

inline double stale_nan() { return std::bit_cast<double>(kStaleNanBits); }

inline bool is_stale_nan(double v) { return std::bit_cast<std::uint64_t>(v) == kStaleNanBits; }

}  // namespace autoscrape::storage
