#include "agent/storage/byte_arena.hpp"

#include <cstring>

namespace autoscrape::storage {

std::string_view ByteArena::store(std::string_view bytes)
{
    if (bytes.empty()) {
        return {};
    }
    if (bytes.size() > kBlockSize / 4) {
        // A rare giant string gets a block of its own rather than wasting most of a shared one.
        blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
        std::memcpy(blocks_.back().get(), bytes.data(), bytes.size());
        return {blocks_.back().get(), bytes.size()};
    }
    if (block_used_ + bytes.size() > kBlockSize) {
        blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlockSize));
        current_block_ = blocks_.back().get();
        block_used_ = 0;
    }
    char* at = current_block_ + block_used_;
    std::memcpy(at, bytes.data(), bytes.size());
    block_used_ += bytes.size();
    return {at, bytes.size()};
}

}  // namespace autoscrape::storage
