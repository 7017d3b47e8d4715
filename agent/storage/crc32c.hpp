// CRC32C (Castagnoli), the checksum of every WAL record, as in Prometheus' WAL.
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time, so the binary
// still runs on older CPUs) and a slicing-by-8 table otherwise; both give identical results.
#pragma once

#include <cstddef>
#include <cstdint>

namespace autoscrape::storage {

// Extends `crc` (0 for a fresh checksum) over `size` bytes.
std::uint32_t crc32c(std::uint32_t crc, const void* data, std::size_t size);

// The portable path alone, so tests can check both paths agree.
std::uint32_t crc32c_portable(std::uint32_t crc, const void* data, std::size_t size);

}  // namespace autoscrape::storage
