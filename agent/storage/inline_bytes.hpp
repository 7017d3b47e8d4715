// Bytes kept in place when at most N of them, else in a heap copy whose pointer is kept in their
// place: for per-series entries of which most hold a short string (label pairs, compact keys). The
// owner keeps the size, which tells which of the two the bytes are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace autoscrape::storage {

template <std::size_t N>
struct InlineBytes {
    static_assert(N >= sizeof(const char*), "room for the heap copy's pointer");
    static constexpr std::size_t kCapacity = N;

    static bool fits(std::size_t size) { return size <= N; }

    std::string_view view(std::size_t size) const { return {fits(size) ? bytes : heap(), size}; }

    // Copies `data` in; the owner records data.size() and calls release() with it before the next.
    void store(std::string_view data)
    {
        if (fits(data.size())) {
            std::memcpy(bytes, data.data(), data.size());
            return;
        }
        auto copy = std::make_unique_for_overwrite<char[]>(data.size());
        std::memcpy(copy.get(), data.data(), data.size());
        const char* p = copy.release();
        std::memcpy(bytes, &p, sizeof p);
    }

    // Frees the heap copy of bytes stored with this size, if they have one.
    void release(std::size_t size)
    {
        if (!fits(size)) {
            delete[] heap();
        }
    }

    char bytes[N];

private:
    const char* heap() const
    {
        const char* p = nullptr;
        std::memcpy(&p, bytes, sizeof p);
        return p;
    }
};

}  // namespace autoscrape::storage
