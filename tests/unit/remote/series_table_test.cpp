#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent/remote/series_table.hpp"
#include "agent/storage/label_encoding.hpp"

using autoscrape::remote::EncodedSeriesTable;
using autoscrape::storage::encode_labels;
using autoscrape::storage::LabelPairs;

namespace {

std::string encoded(const std::string& name, const std::string& value)
{
    std::string out;
    encode_labels({{name, value}}, out);
    return out;
}

// The encode_labels() bytes of a kept series, from its compact key.
std::string expanded(const LabelPairs& pairs, const EncodedSeriesTable& table, std::uint64_t ref)
{
    std::string out;
    pairs.reader().expand(*table.find(ref), out);
    return out;
}

}  // namespace

TEST_CASE("A series is unknown until kept or dropped, and a dropped one has no labels")
{
    LabelPairs pairs;
    EncodedSeriesTable table(pairs);
    CHECK_FALSE(table.known(1));
    CHECK_FALSE(table.find(1));
    table.keep(1, encoded("a", "bc"));
    table.drop(3);
    CHECK(table.known(1));
    CHECK(expanded(pairs, table, 1) == encoded("a", "bc"));
    CHECK(table.known(3));
    CHECK_FALSE(table.find(3));
    CHECK_FALSE(table.known(2));  // a gap between refs
    CHECK_FALSE(table.find(1'000'000));
}

TEST_CASE("A kept series without labels is found, with empty labels")
{
    LabelPairs pairs;
    EncodedSeriesTable table(pairs);
    table.keep(5, "");
    REQUIRE(table.find(5));
    CHECK(expanded(pairs, table, 5).empty());
}

TEST_CASE("Views handed out stay valid and unchanged while many more series are added")
{
    // Shards hold the views while the reader keeps adding: the bytes must never move.
    LabelPairs pairs;
    EncodedSeriesTable table(pairs);
    const auto labels_of = [](std::uint64_t ref) { return encoded("series-" + std::to_string(ref), std::string(ref % 300, 'x')); };
    std::vector<std::string_view> views;
    std::vector<std::string> keys;
    for (std::uint64_t ref = 1; ref <= 20'000; ++ref) {
        table.keep(ref, labels_of(ref));
        views.push_back(*table.find(ref));
        keys.emplace_back(views.back());
    }
    table.keep(20'001, encoded("big", std::string(50'000, 'g')));
    for (std::uint64_t ref = 1; ref <= 20'000; ++ref) {
        REQUIRE(views[ref - 1] == keys[ref - 1]);
        REQUIRE(table.find(ref)->data() == views[ref - 1].data());
        REQUIRE(expanded(pairs, table, ref) == labels_of(ref));
    }
    CHECK(expanded(pairs, table, 20'001) == encoded("big", std::string(50'000, 'g')));
}

TEST_CASE("A series referring to a stable key hands out that key, not a copy")
{
    LabelPairs pairs;
    std::string wal_key;
    pairs.intern(encoded("job", "as the WAL keeps it"), wal_key);
    EncodedSeriesTable table(pairs);
    table.refer(3, wal_key);
    REQUIRE(table.find(3));
    CHECK(table.find(3)->data() == wal_key.data());
    CHECK(expanded(pairs, table, 3) == encoded("job", "as the WAL keeps it"));
}

TEST_CASE("A forgotten series is unknown again and no longer counted, whether kept, referred or dropped")
{
    LabelPairs pairs;
    std::string wal_key;
    pairs.intern(encoded("wal", "key"), wal_key);
    EncodedSeriesTable table(pairs);
    table.keep(1, encoded("copy", "1"));
    table.refer(2, wal_key);
    table.drop(3);
    table.keep(4, encoded("stays", "1"));
    CHECK(table.size() == 4);
    CHECK(pairs.size() == 3);
    for (std::uint64_t ref = 1; ref <= 3; ++ref) {
        table.forget(ref);
        CHECK_FALSE(table.known(ref));
        CHECK_FALSE(table.find(ref));
    }
    table.forget(99);  // never known: nothing happens
    CHECK(table.size() == 1);
    CHECK(expanded(pairs, table, 4) == encoded("stays", "1"));
    // The kept series' pair went with it; a referred series' key is the WAL's, never released here.
    CHECK(pairs.size() == 2);
    std::string out;
    pairs.reader().expand(wal_key, out);
    CHECK(out == encoded("wal", "key"));
}

TEST_CASE("A slot's next generation replaces the forgotten one, whose ref finds nothing any more")
{
    using autoscrape::storage::make_ref;
    LabelPairs pairs;
    EncodedSeriesTable table(pairs);
    const auto old_ref = make_ref(7, 0);
    const auto new_ref = make_ref(7, 1);
    table.keep(old_ref, encoded("old", "labels"));
    table.keep(new_ref, encoded("new", "labels"));  // the endpoint read the new series before it was told of the old one's end
    CHECK_FALSE(table.known(old_ref));
    CHECK_FALSE(table.find(old_ref));
    CHECK(expanded(pairs, table, new_ref) == encoded("new", "labels"));
    CHECK(pairs.size() == 1);  // the old generation's pair was released
    table.forget(old_ref);  // told late: the slot's new series stays
    CHECK(expanded(pairs, table, new_ref) == encoded("new", "labels"));
    CHECK(table.size() == 1);
    table.forget(new_ref);
    CHECK_FALSE(table.known(new_ref));
    CHECK(table.size() == 0);
    CHECK(pairs.size() == 0);
}
