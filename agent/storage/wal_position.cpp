#include "agent/storage/wal_position.hpp"

#include <fstream>

#include <fmt/format.h>

#include "agent/storage/wal_segment.hpp"

namespace autoscrape::storage {

void save_position(const std::filesystem::path& file, WalPosition pos)
{
    write_file_atomically(file, fmt::format("{} {}\n", pos.segment, pos.offset));
}

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
