#include "agent/storage/wal_segment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace autoscrape::storage {

namespace {

constexpr std::string_view kCheckpointPrefix = "checkpoint.";
// A reader's buffer holds up to a chunk more than the record it needs, for as long as the reader
// lives: at 1 MiB it grew to 2 MB per endpoint. 256 KiB is still a few reads a second at 100k
// samples/s.
constexpr std::size_t kReadChunk = 256 << 10;

std::optional<std::uint32_t> parse_index(std::string_view digits)
{
    if (digits.size() != 8) {
        return std::nullopt;
    }
    std::uint32_t v = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
        return std::nullopt;
    }
    return v;
}

}  // namespace

std::string segment_name(std::uint32_t index) { return fmt::format("{:08d}", index); }

std::string checkpoint_name(std::uint32_t index) { return fmt::format("checkpoint.{:08d}", index); }

std::optional<std::uint32_t> parse_segment_name(std::string_view name) { return parse_index(name); }

std::optional<std::uint32_t> parse_checkpoint_name(std::string_view name)
{
    if (!name.starts_with(kCheckpointPrefix)) {
        return std::nullopt;
    }
    return parse_index(name.substr(kCheckpointPrefix.size()));
}

std::vector<std::uint32_t> list_segments(const std::filesystem::path& dir)
{
    std::vector<std::uint32_t> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (const auto idx = parse_segment_name(entry.path().filename().string());
            idx && entry.is_regular_file()) {
            out.push_back(*idx);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

void throw_errno(const std::string& what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

File& File::operator=(File&& other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

File::~File()
{
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

File open_for_append(const std::filesystem::path& path)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw_errno("open " + path.string());
    }
    return File(fd);
}

void write_all(const File& file, std::string_view data)
{
    while (!data.empty()) {
        const ssize_t n = ::write(file.fd(), data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("write");
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void fsync_file(const File& file)
{
    if (::fsync(file.fd()) != 0) {
        throw_errno("fsync");
    }
}

void fsync_dir(const std::filesystem::path& dir)
{
    const File d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!d.is_open()) {
        throw_errno("open " + dir.string());
    }
    fsync_file(d);
}

AtomicFileWriter::AtomicFileWriter(std::filesystem::path path) : path_(std::move(path)), tmp_(path_)
{
    tmp_ += ".tmp";
    file_ = File(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!file_.is_open()) {
        throw_errno("open " + tmp_.string());
    }
}

AtomicFileWriter::~AtomicFileWriter()
{
    if (file_.is_open()) {
        std::error_code ignored;  // not committed: leave the old file as it was
        std::filesystem::remove(tmp_, ignored);
    }
}

void AtomicFileWriter::write(std::string_view data) { write_all(file_, data); }

void AtomicFileWriter::commit()
{
    fsync_file(file_);
    file_ = File();
    std::filesystem::rename(tmp_, path_);
    fsync_dir(path_.parent_path());
}

namespace {

// The segment being written changes its mtime at every commit, so under relatime every read after
// a commit would update the atime too: an inode made dirty, and written back, at each read. The
// agent owns its segments, so O_NOATIME is allowed; should another owner's file be in the way,
// EPERM, it is read the plain way.
int open_for_reading(const std::filesystem::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME);
    if (fd >= 0 || errno != EPERM) {
        return fd;
    }
    return ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
}

}  // namespace

RecordFileReader::RecordFileReader(const std::filesystem::path& path, std::uint64_t start_offset)
    : file_(open_for_reading(path)), buf_start_(start_offset), offset_(start_offset)
{
}

bool RecordFileReader::fill(std::uint64_t want, std::uint64_t limit)
{
    // Drop what has been consumed, then read until `want` bytes past offset_ are buffered.
    buf_.erase(0, offset_ - buf_start_);
    buf_start_ = offset_;
    while (buf_.size() < want) {
        const std::uint64_t pos = buf_start_ + buf_.size();
        if (pos >= limit) {
            return false;
        }
        const std::size_t chunk = std::min<std::uint64_t>(std::max(kReadChunk, want - buf_.size()), limit - pos);
        const std::size_t old = buf_.size();
        buf_.resize(old + chunk);
        const ssize_t n = ::pread(file_.fd(), buf_.data() + old, chunk, static_cast<off_t>(pos));
        if (n <= 0) {
            buf_.resize(old);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return false;
        }
        buf_.resize(old + static_cast<std::size_t>(n));
    }
    return true;
}

FrameStatus RecordFileReader::next(std::uint64_t limit, Frame& frame)
{
    if (!is_open()) {
        return FrameStatus::Incomplete;
    }
    const std::size_t skip = offset_ - buf_start_;
    std::string_view view(buf_);
    view.remove_prefix(skip);
    FrameStatus st = parse_frame(view, frame);
    if (st == FrameStatus::Incomplete) {
        std::uint64_t want = kRecordHeaderSize;
        if (view.size() >= kRecordHeaderSize) {
            std::uint32_t len = 0;
            std::memcpy(&len, view.data() + 1, 4);
            want += len;
        }
        fill(want, limit);
        st = parse_frame(buf_, frame);
    }
    if (st == FrameStatus::Ok) {
        offset_ += frame.size;
    }
    return st;
}

}  // namespace autoscrape::storage
