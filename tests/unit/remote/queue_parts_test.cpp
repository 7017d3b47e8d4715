#include <catch2/catch.hpp>

#include "agent/remote/ack_tracker.hpp"
#include "agent/remote/shard_count.hpp"

using namespace autoscrape;
using remote::AckTracker;
using remote::desired_shards;
using remote::ShardInputs;
using storage::WalPosition;

TEST_CASE("A record is acknowledged only after all its samples are done")
{
    AckTracker acks({1, 0});
    const auto id = acks.add({1, 100}, 3);
    CHECK_FALSE(acks.take());
    acks.done(id, 2);
    CHECK_FALSE(acks.take());
    acks.done(id, 1);
    CHECK(acks.take() == WalPosition{1, 100});
    CHECK_FALSE(acks.take());
}

TEST_CASE("A later record finishing first does not move the position past an earlier one")
{
    AckTracker acks({1, 0});
    const auto first = acks.add({1, 100}, 1);
    const auto second = acks.add({1, 200}, 1);
    acks.done(second, 1);
    CHECK_FALSE(acks.take());
    acks.done(first, 1);
    CHECK(acks.take() == WalPosition{1, 200});
    CHECK(acks.outstanding() == 0);
}

TEST_CASE("A record without samples to send moves the position once everything before it is done")
{
    AckTracker acks({1, 0});
    acks.add({1, 50}, 0);
    CHECK(acks.take() == WalPosition{1, 50});
    const auto id = acks.add({1, 100}, 2);
    acks.add({2, 10}, 0);
    CHECK_FALSE(acks.take());
    acks.done(id, 2);
    CHECK(acks.take() == WalPosition{2, 10});
}

TEST_CASE("Without deliveries the shard count stays where it is")
{
    ShardInputs in;
    in.in_rate = 10'000;
    CHECK(desired_shards(in, 3, 1, 10) == 3);
}

TEST_CASE("The shard count follows time per sample times the incoming rate")
{
    ShardInputs in;
    in.out_rate = 1'000;
    in.send_seconds_rate = 1;  // 1 ms per sample: one shard sends 1000/s
    in.in_rate = 4'000;
    CHECK(desired_shards(in, 1, 1, 10) == 4);
}

TEST_CASE("A backlog adds shards to catch up")
{
    ShardInputs in;
    in.out_rate = 1'000;
    in.send_seconds_rate = 1;
    in.in_rate = 1'000;
    in.backlog = 100'000;  // 5% of it per second: 5000/s more
    CHECK(desired_shards(in, 1, 1, 10) == 6);
}

TEST_CASE("A change within 30 percent of the current count is ignored")
{
    ShardInputs in;
    in.out_rate = 1'000;
    in.send_seconds_rate = 1;
    in.in_rate = 11'000;
    CHECK(desired_shards(in, 10, 1, 50) == 10);
}

TEST_CASE("The shard count is clamped to min_shards and max_shards")
{
    ShardInputs in;
    in.out_rate = 1'000;
    in.send_seconds_rate = 1;
    in.in_rate = 100'000;
    CHECK(desired_shards(in, 1, 1, 8) == 8);
    in.in_rate = 10;
    CHECK(desired_shards(in, 8, 2, 8) == 2);
}

TEST_CASE("The rate average starts at the first interval and then moves a fifth of the way")
{
    remote::Ewma rate;
    rate.tick(100, 10);
    CHECK(rate.rate() == Approx(10));
    rate.tick(200, 10);
    CHECK(rate.rate() == Approx(12));
}
