// Start-up replay of the WAL directory: rebuild the series index, cut damaged tails, open a head.
#include <algorithm>
#include <system_error>

#include <spdlog/spdlog.h>

#include "agent/storage/growth.hpp"
#include "agent/storage/label_encoding.hpp"
#include "agent/storage/wal.hpp"

namespace autoscrape::storage {

namespace fs = std::filesystem;

namespace {

std::chrono::system_clock::time_point mtime(const fs::path& path)
{
    std::error_code ec;
    const auto t = fs::last_write_time(path, ec);
    if (ec) {
        return std::chrono::system_clock::now();
    }
    return std::chrono::time_point_cast<std::chrono::system_clock::duration>(std::chrono::file_clock::to_sys(t));
}

}  // namespace

void Wal::replay()
{
    // Leftovers of an interrupted atomic write are never the real file.
    for (const auto& sub : {dir_, dir_ / "positions"}) {
        for (const auto& entry : fs::directory_iterator(sub)) {
            if (entry.path().extension() == ".tmp") {
                fs::remove(entry.path());
            }
        }
    }
    std::vector<std::uint32_t> checkpoints;
    for (const auto& entry : fs::directory_iterator(dir_)) {
        if (const auto idx = parse_checkpoint_name(entry.path().filename().string())) {
            checkpoints.push_back(*idx);
        }
    }
    std::sort(checkpoints.begin(), checkpoints.end());
    if (!checkpoints.empty()) {
        for (std::size_t i = 0; i + 1 < checkpoints.size(); ++i) {
            fs::remove(dir_ / checkpoint_name(checkpoints[i]));
        }
        checkpoint_ = checkpoints.back();
        load_checkpoint(*checkpoint_);
    }
    std::uint32_t last = checkpoint_.value_or(0);
    for (const std::uint32_t index : list_segments(dir_)) {
        if (checkpoint_ && index <= *checkpoint_) {
            // A crash between writing the checkpoint and deleting what it replaces.
            fs::remove(dir_ / segment_name(index));
            continue;
        }
        recover_segment(index);
        last = index;
    }
    // Earlier segments stay as they are; new records go to a fresh one.
    open_head(last + 1);
}

void Wal::remember_series(SeriesEntry&& entry, std::uint32_t segment)
{
    const std::uint32_t slot = ref_slot(entry.ref);
    if (slot == 0) {
        return;
    }
    grow_to(series_, slot);
    auto& state = series_[slot - 1];
    if (state.last_segment == 0) {
        ++live_series_;
    } else if (state.generation != ref_generation(entry.ref)) {
        state.last_segment = 0;  // the slot's newer series: the older one's segments do not count
    }
    state.last_segment = std::max(state.last_segment, segment);
    state.last_used = seconds_open();
    state.generation = ref_generation(entry.ref);
    // The same labels again (in the checkpoint and in a segment) change nothing; other
    // labels under a known ref, or known labels under a new ref, move the index to the newest.
    std::string key;
    encode_labels(entry.labels, key);
    index_.assign(slot, key);
}

void Wal::load_checkpoint(std::uint32_t index)
{
    const fs::path path = dir_ / checkpoint_name(index);
    RecordFileReader reader(path, 0);
    const std::uint64_t size = fs::file_size(path);
    Frame frame;
    std::vector<SeriesEntry> entries;
    while (reader.offset() < size) {
        if (reader.next(size, frame) != FrameStatus::Ok || frame.type != RecordType::Series ||
            !decode_series(frame.payload, entries)) {
            // The checkpoint is written atomically, so this is media damage; keep what is readable.
            metrics_.corruptions.Increment();
            spdlog::error("wal: checkpoint {} is damaged at offset {}; series after it are lost",
                          path.string(), reader.offset());
            return;
        }
        for (auto& e : entries) {
            remember_series(std::move(e), index);
        }
    }
}

void Wal::recover_segment(std::uint32_t index)
{
    const fs::path path = dir_ / segment_name(index);
    const std::uint64_t size = fs::file_size(path);
    RecordFileReader reader(path, 0);
    SegmentInfo info{0, 0, mtime(path)};
    Frame frame;
    std::vector<SeriesEntry> series;
    std::vector<Sample> samples;
    bool damaged = false;
    while (reader.offset() < size) {
        if (reader.next(size, frame) != FrameStatus::Ok) {
            damaged = true;
            break;
        }
        if (frame.type == RecordType::Series && decode_series(frame.payload, series)) {
            for (auto& e : series) {
                remember_series(std::move(e), index);
            }
        } else if (frame.type == RecordType::Samples && decode_samples(frame.payload, samples)) {
            info.samples += samples.size();
            for (const auto& s : samples) {
                if (known_locked(s.ref)) {
                    series_[ref_slot(s.ref) - 1].last_segment = index;
                }
            }
        } else {
            damaged = true;
            break;
        }
        info.size = reader.offset();
    }
    if (damaged) {
        metrics_.corruptions.Increment();
        spdlog::warn("wal: segment {} is torn or corrupt at offset {} of {}; cut to the last good record",
                     path.string(), info.size, size);
        fs::resize_file(path, info.size);
    }
    total_size_ += info.size;
    segments_[index] = info;
}

}  // namespace autoscrape::storage
