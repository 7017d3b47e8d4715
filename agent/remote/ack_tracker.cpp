#include "agent/remote/ack_tracker.hpp"

namespace autoscrape::remote {

std::uint64_t AckTracker::add(storage::WalPosition end, std::uint64_t samples)
{
    std::lock_guard lock(mu_);
    const std::uint64_t id = first_id_ + entries_.size();
    if (samples == 0) {
        // Nothing to wait for: the position moves as soon as everything before it is done.
        if (entries_.empty()) {
            acked_ = end;
            moved_ = true;
        } else {
            entries_.back().end = end;
        }
        return id;
    }
    entries_.push_back({end, samples});
    return id;
}

void AckTracker::done(std::uint64_t id, std::uint64_t samples)
{
    std::lock_guard lock(mu_);
    if (id < first_id_ || id - first_id_ >= entries_.size()) {
        return;
    }
    auto& entry = entries_[id - first_id_];
    entry.remaining -= std::min(entry.remaining, samples);
    while (!entries_.empty() && entries_.front().remaining == 0) {
        acked_ = entries_.front().end;
        moved_ = true;
        entries_.pop_front();
        ++first_id_;
    }
}

std::optional<storage::WalPosition> AckTracker::take()
{
    std::lock_guard lock(mu_);
    if (!moved_) {
        return std::nullopt;
    }
    moved_ = false;
    return acked_;
}

std::size_t AckTracker::outstanding() const
{
    std::lock_guard lock(mu_);
    return entries_.size();
}

}  // namespace autoscrape::remote
