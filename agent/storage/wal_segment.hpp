// WAL files: segment naming, append-only writing, buffered reading of framed records, and the
// atomic small-file writes used for checkpoints and reader positions.
//
// Segments are named like Prometheus' (`00000001`, `00000002`, ...); the checkpoint that replaces
// segments up to N is `checkpoint.N` with N in the same 8-digit form.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/storage/wal_record.hpp"

namespace autoscrape::storage {

std::string segment_name(std::uint32_t index);
std::string checkpoint_name(std::uint32_t index);
std::optional<std::uint32_t> parse_segment_name(std::string_view name);
std::optional<std::uint32_t> parse_checkpoint_name(std::string_view name);

// Segment indices present in `dir`, ascending.
std::vector<std::uint32_t> list_segments(const std::filesystem::path& dir);

// Throws std::system_error for errno, prefixed with `what`.
[[noreturn]] void throw_errno(const std::string& what);

// An owned file descriptor.
class File {
public:
    File() = default;
    explicit File(int fd) : fd_(fd) {}
    File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    File& operator=(File&& other) noexcept;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File();

    int fd() const { return fd_; }
    bool is_open() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

// Opens for appending, creating the file; throws std::system_error.
File open_for_append(const std::filesystem::path& path);
// Writes all of `data`; throws std::system_error.
void write_all(const File& file, std::string_view data);
void fsync_file(const File& file);
void fsync_dir(const std::filesystem::path& dir);

// Replaces `path` so that a crash leaves either the old or the new content: writes go to a temp
// file, commit() fsyncs it, renames it over `path` and fsyncs the directory. Without commit() the
// temp file is removed and `path` stays as it was. Written in pieces, so a large file (a
// checkpoint of many series) never has to be in memory whole.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::filesystem::path path);  // throws std::system_error
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    void write(std::string_view data);  // throws std::system_error
    void commit();                      // throws std::system_error

private:
    std::filesystem::path path_;
    std::filesystem::path tmp_;
    File file_;
};

// Reads framed records from one file sequentially, through a buffer, never past `limit` bytes
// (the committed end of a segment that is still being written).
class RecordFileReader {
public:
    // Opens `path`; is_open() is false if it does not exist.
    RecordFileReader(const std::filesystem::path& path, std::uint64_t start_offset);

    bool is_open() const { return file_.is_open(); }

    // Status of the frame at offset(); on Ok `frame` views into the internal buffer, valid until the
    // next call, and offset() has moved past it. Incomplete means the file (up to limit) ends there.
    FrameStatus next(std::uint64_t limit, Frame& frame);

    // Offset of the next unread record.
    std::uint64_t offset() const { return offset_; }

private:
    bool fill(std::uint64_t want, std::uint64_t limit);

    File file_;
    std::string buf_;
    std::uint64_t buf_start_ = 0;  // file offset of buf_[0]
    std::uint64_t offset_ = 0;
};

}  // namespace autoscrape::storage
