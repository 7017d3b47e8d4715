#include "agent/remote/shard_count.hpp"

#include <algorithm>
#include <cmath>

namespace autoscrape::remote {

namespace {
constexpr double kEwmaWeight = 0.2;
constexpr double kBacklogCatchup = 0.05;
constexpr double kTolerance = 0.3;
}  // namespace

void Ewma::tick(double count, double seconds)
{
    const double instant = seconds > 0 ? count / seconds : 0;
    if (!init_) {
        rate_ = instant;
        init_ = true;
        return;
    }
    rate_ += kEwmaWeight * (instant - rate_);
}

std::uint32_t desired_shards(const ShardInputs& in, std::uint32_t current, std::uint32_t min_shards,
                             std::uint32_t max_shards)
{
    max_shards = std::max(max_shards, std::max(min_shards, 1U));
    min_shards = std::clamp(min_shards, 1U, max_shards);
    if (in.out_rate <= 0) {
        // Nothing was delivered, so there is no time-per-sample to scale by: keep what we have.
        return std::clamp(current, min_shards, max_shards);
    }
    const double kept_ratio = in.out_rate / (in.out_rate + in.dropped_rate);
    const double time_per_sample = in.send_seconds_rate / in.out_rate;
    const double wanted = time_per_sample * (in.in_rate * kept_ratio + kBacklogCatchup * in.backlog);
    const double low = current * (1 - kTolerance);
    const double high = current * (1 + kTolerance);
    if (wanted >= low && wanted <= high) {
        return std::clamp(current, min_shards, max_shards);
    }
    const double rounded = std::ceil(wanted);
    return static_cast<std::uint32_t>(std::clamp(rounded, static_cast<double>(min_shards),
                                                 static_cast<double>(max_shards)));
}

}  // namespace autoscrape::remote
