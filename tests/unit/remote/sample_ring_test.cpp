#include <catch2/catch.hpp>

#include <deque>
#include <random>
#include <vector>

#include "agent/remote/sample_ring.hpp"

using autoscrape::remote::SampleRing;

TEST_CASE("A sample ring hands items out in the order they came, across its wrap-around and growth")
{
    // Checked against a deque through random pushes and pops, as a shard makes them.
    SampleRing<int> ring(1000);
    std::deque<int> want;
    std::mt19937 rng(7);
    int next = 0;
    std::vector<int> out;
    for (int round = 0; round < 20'000; ++round) {
        const std::size_t room = ring.limit() - ring.size();
        std::vector<int> items(std::uniform_int_distribution<std::size_t>(0, std::min<std::size_t>(room, 300))(rng));
        for (auto& item : items) {
            item = next++;
            want.push_back(item);
        }
        ring.push(items);
        const auto n = std::uniform_int_distribution<std::size_t>(0, ring.size())(rng);
        out.clear();
        ring.pop_into(n, out);
        REQUIRE(out.size() == n);
        for (const int got : out) {
            REQUIRE(got == want.front());
            want.pop_front();
        }
        REQUIRE(ring.size() == want.size());
        REQUIRE(ring.allocated() <= ring.limit());
    }
    CHECK(next > 1'000'000);  // the pushes wrapped the buffer many times
}

TEST_CASE("A sample ring allocates only what it held at once, up to its limit")
{
    SampleRing<int> ring(10'000);
    CHECK(ring.allocated() == 0);
    std::vector<int> batch(2000, 1);
    std::vector<int> out;
    for (int i = 0; i < 100; ++i) {  // a steady flow: a batch in, a batch out
        ring.push(batch);
        out.clear();
        ring.pop_into(batch.size(), out);
    }
    CHECK(ring.allocated() == 2000);
    for (int i = 0; i < 6; ++i) {  // a backlog up to the limit
        ring.push(std::span(batch).first(std::min<std::size_t>(batch.size(), ring.limit() - ring.size())));
    }
    CHECK(ring.size() == 10'000);
    CHECK(ring.allocated() == 10'000);  // doubling would have taken 16,000
    ring.clear();
    CHECK(ring.size() == 0);
    ring.push(batch);
    out.clear();
    ring.pop_into(2000, out);
    CHECK(out == batch);
}
