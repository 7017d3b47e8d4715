#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/storage/growth.hpp"
#include "agent/storage/series_index.hpp"

using namespace autoscrape::storage;

TEST_CASE("The series index finds each key's ref and each ref's key")
{
    SeriesIndex index;
    CHECK(index.find("a") == 0);
    CHECK(index.key(1).empty());
    index.assign(1, "a");
    index.assign(3, "ccc");
    index.assign(2, "");  // a series without labels is a series too
    CHECK(index.find("a") == 1);
    CHECK(index.find("ccc") == 3);
    CHECK(index.find("") == 2);
    CHECK(index.find("b") == 0);
    CHECK(index.key(3) == "ccc");
    CHECK(index.size() == 3);
    CHECK_THROWS_AS(index.assign(0, "x"), std::out_of_range);
}

TEST_CASE("The series index keeps a hundred thousand keys, and their views, through growth")
{
    SeriesIndex index;
    constexpr SeriesRef kSeries = 100'000;
    for (SeriesRef ref = 1; ref <= kSeries; ++ref) {
        index.assign(ref, "series-" + std::to_string(ref));
    }
    const auto first = index.key(1);
    for (SeriesRef ref = 1; ref <= kSeries; ++ref) {
        REQUIRE(index.find("series-" + std::to_string(ref)) == ref);
    }
    CHECK(index.key(1).data() == first.data());
    CHECK(index.key(kSeries) == "series-100000");
    CHECK(index.find("series-0") == 0);
}

TEST_CASE("Reassigned refs and keys behave like a map where the newest ref of a key wins")
{
    // Replay can meet a ref again with other labels, or known labels under a new ref; deleting from
    // the open-addressing table must keep every other key reachable.
    std::mt19937 rng(42);
    std::uniform_int_distribution<SeriesRef> pick_ref(1, 4000);
    std::uniform_int_distribution<int> pick_key(0, 5000);
    SeriesIndex index;
    std::unordered_map<std::string, SeriesRef> ref_of;
    std::unordered_map<SeriesRef, std::string> key_of;
    for (int op = 0; op < 40'000; ++op) {
        const SeriesRef ref = pick_ref(rng);
        const std::string key = "k" + std::to_string(pick_key(rng));
        index.assign(ref, key);
        if (const auto old = key_of.find(ref); old != key_of.end() && old->second != key) {
            if (ref_of[old->second] == ref) {
                ref_of.erase(old->second);
            }
        }
        key_of[ref] = key;
        ref_of[key] = ref;
    }
    for (int k = 0; k <= 5000; ++k) {
        const std::string key = "k" + std::to_string(k);
        const auto it = ref_of.find(key);
        REQUIRE(index.find(key) == (it == ref_of.end() ? 0 : it->second));
    }
    for (const auto& [ref, key] : key_of) {
        REQUIRE(index.key(ref) == key);
    }
}

TEST_CASE("Per-series vectors grow by an eighth, leaving at most an eighth of their memory unused")
{
    std::vector<std::uint64_t> by_one;
    std::vector<std::uint64_t> by_slot;
    std::size_t reallocations = 0;
    for (std::size_t n = 1; n <= 100'000; ++n) {
        const auto capacity = by_one.capacity();
        reserve_for_more(by_one, 1);
        by_one.push_back(n);
        reallocations += by_one.capacity() != capacity ? 1 : 0;
        REQUIRE(by_one.capacity() <= by_one.size() + by_one.size() / 8 + 64);
        grow_to(by_slot, n + n % 3);  // slots arrive out of order, some twice
        REQUIRE(by_slot.size() >= n + n % 3);
        REQUIRE(by_slot.capacity() <= by_slot.size() + by_slot.size() / 8 + 64);
    }
    CHECK(by_one.back() == 100'000);
    // Still geometric: doubling would take 11 reallocations, an eighth ~60; one per element is 100k.
    CHECK(reallocations < 80);
    grow_to(by_slot, 5);  // never shrinks
    CHECK(by_slot.size() >= 100'000);
}
