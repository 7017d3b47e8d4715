// A reader's place in the WAL, and its persistence in `<wal.dir>/positions/<name>`.
//
// Each remote-write endpoint acknowledges its own position, so a slow endpoint never makes a fast
// one resend, and a restart resumes each where its backend last said "stored".
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>

namespace autoscrape::storage {

struct WalPosition {
    std::uint32_t segment = 0;
    std::uint64_t offset = 0;  // of the next unread record in that segment
    auto operator<=>(const WalPosition&) const = default;
};

// Writes the position atomically (temp file, fsync, rename); throws std::system_error.
void save_position(const std::filesystem::path& file, WalPosition pos);

// nullopt when the file is missing or unreadable (the caller then starts from the oldest data).
std::optional<WalPosition> load_position(const std::filesystem::path& file);

}  // namespace autoscrape::storage
