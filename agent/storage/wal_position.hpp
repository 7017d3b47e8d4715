// A reader's place in the WAL, and its persistence in `<wal.dir>/positions/<name>`.
//
// Each remote-write endpoint acknowledges its own position, so a slow endpoint never makes a fast
// one resend, and a restart resumes each where its backend last said "stored".
#pragma once

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "agent/storage/wal_segment.hpp"

namespace autoscrape::storage {

struct WalPosition {
    std::uint32_t segment = 0;
    std::uint64_t offset = 0;  // of the next unread record in that segment
    auto operator<=>(const WalPosition&) const = default;
};

// One endpoint's position file, kept open. save() overwrites it in place with one fixed-width
// 32-byte pwrite and no fsync: an endpoint acknowledges every second, and a temp file + fsync +
// rename + directory fsync each time cost the reader thread more than its reading. Nothing depends
// on the saved position being durable: one lost to a power cut is an older position, so the
// endpoint sends some samples again (receivers keep one sample per series and timestamp), and one
// older than the oldest segment is moved up to it. A write this small within the first sector is
// never torn.
class PositionFile {
public:
    // Opens (creating) the file; throws std::system_error.
    explicit PositionFile(const std::filesystem::path& path);

    void save(WalPosition pos);  // throws std::system_error
    void sync();                 // for shutdown

private:
    File file_;
};

// nullopt when the file is missing or unreadable (the caller then starts from the oldest data).
std::optional<WalPosition> load_position(const std::filesystem::path& file);

}  // namespace autoscrape::storage
