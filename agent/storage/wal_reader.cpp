#include "agent/storage/wal_reader.hpp"

#include <filesystem>
#include <limits>

#include <spdlog/spdlog.h>

namespace autoscrape::storage {

WalReader::WalReader(const Wal& wal, WalPosition start) : wal_(wal), start_(start) {}

void WalReader::open_first_segment()
{
    // The checkpoint is chosen after the first segment is open: the size limit may delete
    // segments in between, moving their series records into a newer checkpoint, and the samples
    // of the segments left need those records. Once open, the segment stays readable; if it is
    // deleted later, next() sees it fall behind first_segment() and comes back here.
    open_segment(wal_.first_segment());
    if (const auto cp = wal_.checkpoint()) {
        checkpoint_.emplace(wal_.dir() / checkpoint_name(*cp), 0);
    }
}

bool WalReader::next_from_checkpoint(WalRecord& record)
{
    Frame frame;
    while (checkpoint_->next(std::numeric_limits<std::uint64_t>::max(), frame) == FrameStatus::Ok) {
        if (frame.type == RecordType::Series && decode_series(frame.payload, record.series)) {
            record.type = RecordType::Series;
            return true;
        }
    }
    checkpoint_.reset();
    return false;
}

void WalReader::open_segment(std::uint32_t index)
{
    segment_ = index;
    reader_.emplace(wal_.dir() / segment_name(index), 0);
}

bool WalReader::next(WalRecord& record)
{
    Frame frame;
    for (;;) {
        if (!reader_ || segment_ < wal_.first_segment()) {
            // At the start, or the size/age limit deleted the segment under us (its samples are
            // counted as dropped there): the series records of the deleted segments are in the
            // checkpoint, which comes before the first kept segment.
            open_first_segment();
        }
        if (checkpoint_ && next_from_checkpoint(record)) {
            return true;
        }
        const std::uint64_t at = reader_->offset();
        const std::uint64_t limit = wal_.committed_size(segment_);
        if (at >= limit) {
            const auto next = wal_.next_segment(segment_);
            if (!next) {
                return false;
            }
            // Once a later segment exists this one is closed; re-check that it did not grow in
            // between, or those last records would be skipped.
            if (wal_.committed_size(segment_) == at) {
                open_segment(*next);
            }
            continue;
        }
        if (reader_->next(limit, frame) != FrameStatus::Ok) {
            if (reader_->is_open()) {
                ++corrupt_;
                spdlog::error("wal: unreadable record in segment {} at offset {}; skipping the rest of it",
                              segment_, at);
            }
            const auto next = wal_.next_segment(segment_);
            if (!next) {
                return false;
            }
            open_segment(*next);
            continue;
        }
        const bool before_start = WalPosition{segment_, at} < start_;
        if (frame.type == RecordType::Series) {
            if (decode_series(frame.payload, record.series)) {
                record.type = RecordType::Series;
                return true;
            }
        } else if (!before_start) {
            if (decode_samples(frame.payload, record.samples)) {
                record.type = RecordType::Samples;
                return true;
            }
        } else {
            continue;
        }
        ++corrupt_;
        spdlog::error("wal: undecodable record in segment {} at offset {}", segment_, at);
    }
}

}  // namespace autoscrape::storage
