// How many shards an endpoint needs, after Prometheus' QueueManager.calculateDesiredShards.
//
// Every update interval (10 s) the queue manager feeds in its counters; rates are smoothed with the
// same EWMA (weight 0.2). The estimate: time per sample (seconds spent sending / samples sent)
// times the rate that must be sent (incoming rate, scaled by the share not dropped, plus 5% of the
// backlog per second so a lag is caught up). Simplified from Prometheus: the backlog is counted in
// samples read but not yet delivered rather than derived from timestamps, and a change within 30%
// of the current count is ignored (its shardToleranceFraction), so the count does not flap.
#pragma once

#include <cstdint>

namespace autoscrape::remote {

class Ewma {
public:
    // Adds the count of one interval of `seconds`; the rate is per second.
    void tick(double count, double seconds);
    double rate() const { return rate_; }

private:
    double rate_ = 0;
    bool init_ = false;
};

struct ShardInputs {
    double in_rate = 0;        // samples/s read from the WAL and queued
    double out_rate = 0;       // samples/s delivered
    double dropped_rate = 0;   // samples/s given up on
    double send_seconds_rate = 0;  // seconds spent in send attempts per second
    double backlog = 0;        // samples queued but not yet delivered
};

std::uint32_t desired_shards(const ShardInputs& in, std::uint32_t current, std::uint32_t min_shards,
                             std::uint32_t max_shards);

}  // namespace autoscrape::remote
