// A FIFO in one circular buffer that grows, by doubling, to the most it has held at once and never
// past its limit: a shard's queue of samples. A vector whose taken head is erased in bulk held up to
// twice the queue's capacity, and the batch swapped out of it as much again (2 MB at the default
// capacity of 10,000 samples).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

namespace autoscrape::remote {

template <typename T>
class SampleRing {
public:
    explicit SampleRing(std::size_t limit) : limit_(std::max<std::size_t>(limit, 1)) {}

    std::size_t size() const { return size_; }
    std::size_t limit() const { return limit_; }
    // Items the buffer has room for now; grows up to limit().
    std::size_t allocated() const { return buf_.size(); }

    // Appends `items`; the caller keeps size() within limit().
    void push(std::span<const T> items)
    {
        if (items.empty()) {
            return;
        }
        grow_for(size_ + items.size());
        const std::size_t tail = (head_ + size_) % buf_.size();
        const std::size_t first = std::min(items.size(), buf_.size() - tail);
        std::copy_n(items.begin(), first, buf_.begin() + static_cast<std::ptrdiff_t>(tail));
        std::copy(items.begin() + static_cast<std::ptrdiff_t>(first), items.end(), buf_.begin());
        size_ += items.size();
    }

    // Moves the `n` oldest items (n <= size()) to the end of `out`.
    void pop_into(std::size_t n, std::vector<T>& out)
    {
        if (n == 0) {
            return;
        }
        const auto at = [this](std::size_t i) { return buf_.begin() + static_cast<std::ptrdiff_t>(i); };
        const std::size_t first = std::min(n, buf_.size() - head_);
        out.insert(out.end(), at(head_), at(head_ + first));
        out.insert(out.end(), at(0), at(n - first));
        head_ = (head_ + n) % buf_.size();
        size_ -= n;
    }

    void clear()
    {
        head_ = 0;
        size_ = 0;
    }

private:
    void grow_for(std::size_t n)
    {
        if (n <= buf_.size()) {
            return;
        }
        std::vector<T> grown;
        grown.reserve(std::min(std::max(n, buf_.size() * 2), std::max(limit_, n)));
        const std::size_t held = size_;
        pop_into(held, grown);
        grown.resize(grown.capacity());
        buf_ = std::move(grown);
        head_ = 0;
        size_ = held;
    }

    std::vector<T> buf_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::size_t limit_;
};

}  // namespace autoscrape::remote
