// Growth of the vectors that hold an element (or the bytes) of every series: by an eighth at a
// time, not by std::vector's doubling. Still amortised constant time, but at most an eighth of the
// memory is unused, where a doubled vector leaves up to half of it: at 100k series the per-series
// vectors and the scrape caches wasted ~9 MB that way.
#pragma once

#include <algorithm>
#include <cstddef>

namespace autoscrape::storage {

// Makes room for `more` elements beyond size().
template <typename Vector>
void reserve_for_more(Vector& v, std::size_t more)
{
    if (v.size() + more <= v.capacity()) {
        return;
    }
    v.reserve(std::max(v.size() + more, v.capacity() + v.capacity() / 8 + 64));
}

// Resizes `v` to `size` elements if it has fewer.
template <typename Vector>
void grow_to(Vector& v, std::size_t size)
{
    if (size > v.size()) {
        reserve_for_more(v, size - v.size());
        v.resize(size);
    }
}

}  // namespace autoscrape::storage
