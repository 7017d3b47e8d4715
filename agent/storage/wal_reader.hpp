// Reads the WAL back for one remote-write endpoint, from its acknowledged position.
//
// Yields every series record (checkpoint first, then all segments, so each ref's labels are known)
// but samples only from the start position on. Never reads past what writers have committed, so
// it can follow the live segment; next() returning false just means "nothing new yet".
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "agent/storage/wal.hpp"

namespace autoscrape::storage {

struct WalRecord {
    RecordType type = RecordType::Series;
    std::vector<SeriesEntry> series;  // for RecordType::Series
    std::vector<Sample> samples;      // for RecordType::Samples
};

class WalReader {
public:
    // `wal` must outlive the reader.
    WalReader(const Wal& wal, WalPosition start);

    // Fills `record` with the next record; false when every committed record has been read.
    bool next(WalRecord& record);

    // Position just after the last record returned: what to acknowledge once it is sent.
    WalPosition position() const { return {segment_, reader_ ? reader_->offset() : 0}; }

    // Records skipped because they were damaged on disk after start-up.
    std::uint64_t corrupt_records() const { return corrupt_; }

private:
    bool next_from_checkpoint(WalRecord& record);
    void open_first_segment();
    void open_segment(std::uint32_t index);

    const Wal& wal_;
    WalPosition start_;
    std::optional<RecordFileReader> checkpoint_;
    std::optional<RecordFileReader> reader_;
    std::uint32_t segment_ = 0;
    std::uint64_t corrupt_ = 0;
};

}  // namespace autoscrape::storage
