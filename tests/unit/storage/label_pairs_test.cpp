#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "agent/storage/label_encoding.hpp"
#include "agent/storage/label_pairs.hpp"

using namespace autoscrape::storage;

namespace {

std::string encoded(const Labels& labels)
{
    std::string out;
    encode_labels(labels, out);
    return out;
}

std::string interned(LabelPairs& pairs, const Labels& labels)
{
    std::string key;
    pairs.intern(encoded(labels), key);
    return key;
}

std::string expanded(const LabelPairs& pairs, std::string_view key)
{
    std::string out;
    pairs.reader().expand(key, out);
    return out;
}

}  // namespace

TEST_CASE("A compact key expands to the labels it was made of, sharing their pairs with other keys")
{
    LabelPairs pairs;
    const Labels first{{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}};
    const Labels second{{"__name__", "http_requests_total"}, {"code", "500"}, {"job", "api"}};
    const auto a = interned(pairs, first);
    const auto b = interned(pairs, second);
    CHECK(expanded(pairs, a) == encoded(first));
    CHECK(expanded(pairs, b) == encoded(second));
    CHECK(LabelPairs::Reader::expanded_size(a) == encoded(first).size());
    CHECK(pairs.size() == 4);
    CHECK(a.size() == 4);  // the size and three one-byte ids, against 47 bytes of labels
    CHECK(interned(pairs, first) == a);  // the same labels, the same key
    std::string found;
    CHECK(pairs.reader().find(encoded(first), found));
    CHECK(found == a);
    found.clear();
    CHECK_FALSE(pairs.reader().find(encoded({{"job", "other"}}), found));
    CHECK(found.empty());
}

TEST_CASE("A pair is freed when the last key holding it is released, and its id used again")
{
    LabelPairs pairs;
    const Labels shared{{"job", "api"}};
    const Labels own{{"job", "api"}, {"pod", std::string(200, 'p')}};  // a pair too long for its entry
    const auto a = interned(pairs, shared);
    const auto b = interned(pairs, own);
    const auto again = interned(pairs, shared);
    CHECK(pairs.size() == 2);
    pairs.release(b);
    CHECK(pairs.size() == 1);
    std::string found;
    CHECK_FALSE(pairs.reader().find(encoded(own), found));
    pairs.release(a);
    CHECK(expanded(pairs, again) == encoded(shared));  // still held by `again`
    pairs.release(again);
    CHECK(pairs.size() == 0);
    const auto reused = interned(pairs, {{"other", "x"}});
    CHECK(reused == a);  // the size (9 bytes) and id 1, freed and handed out again
    CHECK(expanded(pairs, reused) == encoded({{"other", "x"}}));
}

TEST_CASE("Damaged label bytes are refused and take no reference")
{
    LabelPairs pairs;
    const auto whole = encoded({{"job", "api"}, {"instance", "a:1"}});
    std::string key;
    CHECK_THROWS_AS(pairs.intern(whole.substr(0, whole.size() - 1), key), std::invalid_argument);
    CHECK_THROWS_AS(pairs.intern("\x12\x01x", key), std::invalid_argument);  // not a Label field
    CHECK(key.empty());
    CHECK(pairs.size() == 0);
    CHECK_FALSE(pairs.reader().find(whole.substr(0, whole.size() - 1), key));
    CHECK(key.empty());
}

TEST_CASE("Readers expand keys while another thread interns and releases other pairs")
{
    // A shard writes requests under a Reader while the WAL interns new series: keys it holds must
    // expand intact through the entries' and the table's growth.
    LabelPairs pairs;
    std::vector<std::string> held;
    std::vector<std::string> want;
    for (int i = 0; i < 200; ++i) {
        const Labels labels{{"job", "held"}, {"series", std::to_string(i)}};
        held.push_back(interned(pairs, labels));
        want.push_back(encoded(labels));
    }
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 0; i < 20'000; ++i) {
            const auto key = interned(pairs, {{"job", "churn"}, {"series", "c" + std::to_string(i)}});
            if (i % 2 == 0) {
                pairs.release(key);
            }
        }
        done = true;
    });
    std::size_t mismatches = 0;
    std::size_t rounds = 0;
    while (!done || rounds == 0) {
        const auto reader = pairs.reader();
        std::string out;
        for (std::size_t i = 0; i < held.size(); ++i) {
            out.clear();
            reader.expand(held[i], out);
            mismatches += out == want[i] ? 0 : 1;
        }
        ++rounds;
    }
    writer.join();
    CHECK(mismatches == 0);
    CHECK(pairs.size() == 1 + 200 + 1 + 10'000);  // job="held", its series, job="churn", the kept half
}
