// Which WAL position an endpoint may acknowledge: the end of the newest record such that every
// sample of it and of every record before it was delivered or given up on. Shards finish batches
// out of order, so a position is only safe once the whole prefix is done; anything after it is
// read again after a restart or kill -9 (at-least-once).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "agent/storage/wal_position.hpp"

namespace autoscrape::remote {

class AckTracker {
public:
    explicit AckTracker(storage::WalPosition start) : acked_(start) {}

    // Registers the next record read, ending at `end`, with `samples` queued for sending;
    // returns its id for done(). Records must be added in WAL order.
    std::uint64_t add(storage::WalPosition end, std::uint64_t samples);

    // `samples` of record `id` were delivered or given up on.
    void done(std::uint64_t id, std::uint64_t samples);

    // The position to acknowledge when it moved since the last call, else nullopt.
    std::optional<storage::WalPosition> take();

    // Records read but not fully done.
    std::size_t outstanding() const;

private:
    struct Entry {
        storage::WalPosition end;
        std::uint64_t remaining = 0;
    };

    mutable std::mutex mu_;
    std::deque<Entry> entries_;  // entries_[i] has id first_id_ + i
    std::uint64_t first_id_ = 0;
    storage::WalPosition acked_;
    bool moved_ = false;
};

}  // namespace autoscrape::remote
