#include <catch2/catch.hpp>

#include <malloc.h>

#include <memory>

#include "agent/malloc_tuning.hpp"

using autoscrape::agent::fix_mmap_threshold;
using autoscrape::agent::kMmapThreshold;

namespace {

// Whether a fresh block of `size` bytes gets a mapping of its own (glibc counts them in hblks).
bool is_mapped_alone(std::size_t size)
{
    const auto before = mallinfo2().hblks;
    auto block = std::make_unique<char[]>(size);
    // Used where the compiler cannot see, or it may leave out the allocation altogether.
    asm volatile("" : : "r"(block.get()) : "memory");
    return mallinfo2().hblks == before + 1;
}

}  // namespace

TEST_CASE("With the threshold fixed, a large block freed once is mapped afresh, not kept in the heap")
{
#if defined(__SANITIZE_ADDRESS__)
    // ./run test's build: AddressSanitizer's allocator replaces glibc's and refuses mallopt.
    CHECK_FALSE(fix_mmap_threshold());
#else
    REQUIRE(fix_mmap_threshold());
    const std::size_t body = 2 * kMmapThreshold + 4096;  // a scrape body of 260 KiB
    // Left to itself, glibc would raise its threshold past `body` at the first free and serve
    // the second from the heap.
    CHECK(is_mapped_alone(body));
    CHECK(is_mapped_alone(body));
    CHECK_FALSE(is_mapped_alone(kMmapThreshold / 2));
#endif
}
