#include "agent/malloc_tuning.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <spdlog/spdlog.h>

namespace autoscrape::agent {

bool fix_mmap_threshold()
{
#if defined(__GLIBC__)
    if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThreshold)) == 1) {
        return true;
    }
    spdlog::info("malloc: the allocator refused a fixed mmap threshold; freed large buffers may stay resident");
#endif
    return false;
}

}  // namespace autoscrape::agent
