#include "agent/storage/wal_position.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

namespace autoscrape::storage {

PositionFile::PositionFile(const std::filesystem::path& path)
    : file_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644))
{
    if (!file_.is_open()) {
        throw_errno("open " + path.string());
    }
}

void PositionFile::save(WalPosition pos)
{
    // Fixed width (10 + 1 + 20 + 1 digits and separators), so every save covers every byte of the
    // previous one, whatever the numbers.
    const auto text = fmt::format("{:010} {:020}\n", pos.segment, pos.offset);
    if (::pwrite(file_.fd(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        throw_errno("write position");
    }
}

void PositionFile::sync() { fsync_file(file_); }

std::optional<WalPosition> load_position(const std::filesystem::path& file)
{
    std::ifstream in(file);
    WalPosition pos;
    if (in >> pos.segment >> pos.offset) {
        return pos;
    }
    return std::nullopt;
}

}  // namespace autoscrape::storage
