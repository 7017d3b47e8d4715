#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/storage/growth.hpp"
#include "agent/storage/label_encoding.hpp"
#include "agent/storage/series_index.hpp"

using namespace autoscrape::storage;

namespace {

// encode_labels() bytes of one label, the index's input.
std::string encoded(const std::string& name, const std::string& value)
{
    std::string out;
    encode_labels({{name, value}}, out);
    return out;
}

// The labels of `slot` as encode_labels() bytes, from its compact key.
std::string encoded_at(const SeriesIndex& index, std::uint32_t slot)
{
    std::string out;
    index.pairs().reader().expand(index.key(slot), out);
    return out;
}

Labels labels_at(const SeriesIndex& index, std::uint32_t slot) { return decode_labels(encoded_at(index, slot)); }

}  // namespace

TEST_CASE("The series index finds each label set's slot and each slot's labels")
{
    LabelPairs pairs;
    SeriesIndex index(pairs);
    CHECK(index.find(encoded("a", "1")) == 0);
    CHECK(index.key(1).empty());
    CHECK(labels_at(index, 1).empty());
    index.assign(1, encoded("a", "1"));
    Labels two{{"job", "x"}, {"a", "1"}};
    std::string both;
    encode_labels(two, both);
    index.assign(3, both);
    index.assign(2, "");  // a series without labels is a series too
    CHECK(index.find(encoded("a", "1")) == 1);
    CHECK(index.find(both) == 3);
    CHECK(index.find("") == 2);
    CHECK(index.find(encoded("a", "2")) == 0);
    CHECK(labels_at(index, 3) == Labels{{"a", "1"}, {"job", "x"}});
    CHECK(labels_at(index, 2).empty());
    CHECK_FALSE(index.key(2).empty());
    CHECK(index.size() == 3);
    CHECK(pairs.size() == 2);  // a="1" is stored once for both series
    Labels many;  // a key too long to live in its slot
    for (int i = 0; i < 30; ++i) {
        many.emplace_back("l" + std::to_string(i), "v");
    }
    std::string long_one;
    encode_labels(many, long_one);
    index.assign(5, long_one);
    CHECK(index.key(5).size() > 20);
    CHECK(index.find(long_one) == 5);
    CHECK(encoded_at(index, 5) == long_one);
    index.assign(5, long_one);  // the same labels again change nothing
    CHECK(encoded_at(index, 5) == long_one);
    index.assign(5, encoded("a", "1"));  // replay giving a slot other labels: the newest slot wins
    CHECK(index.find(encoded("a", "1")) == 5);
    CHECK(index.find(long_one) == 0);
    CHECK_THROWS_AS(index.assign(0, encoded("x", "1")), std::out_of_range);
    CHECK_THROWS_AS(index.assign(4, "\x0a\x7f"), std::invalid_argument);
    CHECK(index.key(4).empty());
}

TEST_CASE("The series index keeps a hundred thousand label sets, and their keys' views, through growth")
{
    LabelPairs pairs;
    SeriesIndex index(pairs);
    constexpr SeriesRef kSeries = 100'000;
    const auto labels_of = [](SeriesRef ref) {
        std::string out;
        encode_labels({{"__name__", "m"}, {"job", "bench"}, {"series", std::to_string(ref)}}, out);
        return out;
    };
    for (SeriesRef ref = 1; ref <= kSeries; ++ref) {
        index.assign(ref, labels_of(ref));
    }
    const auto first = index.key(1);
    for (SeriesRef ref = 1; ref <= kSeries; ++ref) {
        REQUIRE(index.find(labels_of(ref)) == ref);
    }
    CHECK(index.key(1).data() == first.data());
    CHECK(encoded_at(index, kSeries) == labels_of(kSeries));
    CHECK(index.find(labels_of(0)) == 0);
    CHECK(pairs.size() == kSeries + 2);
    CHECK(index.key(kSeries).size() < 10);  // three varint ids and the size, not 40 bytes of labels
}

TEST_CASE("Reassigned refs and keys behave like a map where the newest ref of a key wins")
{
    // Replay can meet a ref again with other labels, or known labels under a new ref; deleting from
    // the open-addressing table must keep every other key reachable.
    std::mt19937 rng(42);
    std::uniform_int_distribution<SeriesRef> pick_ref(1, 4000);
    std::uniform_int_distribution<int> pick_key(0, 5000);
    LabelPairs pairs;
    SeriesIndex index(pairs);
    std::unordered_map<std::string, SeriesRef> ref_of;
    std::unordered_map<SeriesRef, std::string> key_of;
    for (int op = 0; op < 40'000; ++op) {
        const SeriesRef ref = pick_ref(rng);
        const std::string key = encoded("k", std::to_string(pick_key(rng)));
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
        const std::string key = encoded("k", std::to_string(k));
        const auto it = ref_of.find(key);
        REQUIRE(index.find(key) == (it == ref_of.end() ? 0 : it->second));
    }
    for (const auto& [ref, key] : key_of) {
        REQUIRE(encoded_at(index, static_cast<std::uint32_t>(ref)) == key);
    }
}

TEST_CASE("A forgotten series gives its label pairs back when its retired key goes")
{
    LabelPairs pairs;
    SeriesIndex index(pairs);
    std::string shared_and_own;
    encode_labels({{"job", "x"}, {"series", "1"}}, shared_and_own);
    std::string shared_and_other;
    encode_labels({{"job", "x"}, {"series", "2"}}, shared_and_other);
    index.assign(1, shared_and_own);
    index.assign(2, shared_and_other);
    REQUIRE(pairs.size() == 3);
    {
        RetiredKey retired = index.forget(1);
        CHECK(index.find(shared_and_own) == 0);
        CHECK(index.key(1).empty());
        // Until the key goes, a reader holding it can still write the labels out.
        std::string out;
        pairs.reader().expand(retired.view(), out);
        CHECK(out == shared_and_own);
        CHECK(pairs.size() == 3);
    }
    CHECK(pairs.size() == 2);  // series="1" went; job="x" is still used by slot 2
    CHECK(index.find(shared_and_other) == 2);
    CHECK(index.forget(1).view().empty());
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
