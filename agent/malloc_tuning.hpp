// How the long-running agent asks glibc's malloc to hand memory back.
#pragma once

#include <cstddef>

namespace autoscrape::agent {

// Blocks of this size and more get their own mapping, returned to the system at free().
inline constexpr std::size_t kMmapThreshold = 128 * 1024;

// Fixes glibc's mmap threshold at kMmapThreshold. By default glibc raises it to the largest mapped
// block freed so far (up to 32 MiB); from then on blocks of that size, such as scrape bodies and
// a scrape's batch, come from the heap, where freed memory stays resident. Measured at 100k
// samples/s (bench/RESULTS.md, 2026-11-27): steady RSS 56.5 -> 53 MB, peak 59 -> 55-56 MiB, the
// same CPU. False, with a line logged, when the allocator refused (a sanitizer's allocator
// replaces glibc's); false without one under another C library.
bool fix_mmap_threshold();

}  // namespace autoscrape::agent
