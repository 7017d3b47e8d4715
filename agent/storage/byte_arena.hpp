// Byte strings stored back to back in blocks that never move, for tables that keep one small
// string per series: no allocation and no 32-byte string header per entry, and views stay valid
// while more strings are added. Strings are never freed one by one; the arena goes as a whole.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace autoscrape::storage {

class ByteArena {
public:
    // A copy of `bytes` that stays at its address for the arena's lifetime.
    std::string_view store(std::string_view bytes);

private:
    static constexpr std::size_t kBlockSize = 64 * 1024;

    std::vector<std::unique_ptr<char[]>> blocks_;
    char* current_block_ = nullptr;  // the shared block being filled
    std::size_t block_used_ = kBlockSize;
};

}  // namespace autoscrape::storage
