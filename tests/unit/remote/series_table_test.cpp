#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent/remote/series_table.hpp"

using autoscrape::remote::EncodedSeriesTable;

TEST_CASE("A series is unknown until kept or dropped, and a dropped one has no labels")
{
    EncodedSeriesTable table;
    CHECK_FALSE(table.known(1));
    CHECK_FALSE(table.find(1));
    table.keep(1, "abc");
    table.drop(3);
    CHECK(table.known(1));
    CHECK(table.find(1) == std::string_view("abc"));
    CHECK(table.known(3));
    CHECK_FALSE(table.find(3));
    CHECK_FALSE(table.known(2));  // a gap between refs
    CHECK_FALSE(table.find(1'000'000));
}

TEST_CASE("A kept series without labels is found, with empty labels")
{
    EncodedSeriesTable table;
    table.keep(5, "");
    REQUIRE(table.find(5));
    CHECK(table.find(5)->empty());
}

TEST_CASE("Views handed out stay valid and unchanged while many more series are added")
{
    // Shards hold the views while the reader keeps adding: the bytes must never move.
    EncodedSeriesTable table;
    std::vector<std::string_view> views;
    for (std::uint64_t ref = 1; ref <= 20'000; ++ref) {
        const std::string bytes = "series-" + std::to_string(ref) + std::string(ref % 300, 'x');
        table.keep(ref, bytes);
        views.push_back(*table.find(ref));
    }
    table.keep(20'001, std::string(50'000, 'g'));
    table.keep(20'002, "after");
    for (std::uint64_t ref = 1; ref <= 20'000; ++ref) {
        const std::string want = "series-" + std::to_string(ref) + std::string(ref % 300, 'x');
        REQUIRE(views[ref - 1] == want);
        REQUIRE(table.find(ref)->data() == views[ref - 1].data());
    }
    CHECK(table.find(20'001)->size() == 50'000);
    CHECK(table.find(20'002) == std::string_view("after"));
}

TEST_CASE("A series referring to stable bytes hands out those bytes, not a copy")
{
    const std::string wal_key = "labels as the WAL keeps them";
    EncodedSeriesTable table;
    table.refer(3, wal_key);
    table.refer(4, "");
    REQUIRE(table.find(3));
    CHECK(table.find(3)->data() == wal_key.data());
    CHECK(*table.find(3) == wal_key);
    REQUIRE(table.find(4));  // known, with no labels, like keep(ref, "")
    CHECK(table.find(4)->empty());
}

TEST_CASE("A forgotten series is unknown again and no longer counted, whether kept, referred or dropped")
{
    const std::string wal_key = "wal key";
    EncodedSeriesTable table;
    table.keep(1, "copy");
    table.refer(2, wal_key);
    table.drop(3);
    table.keep(4, "stays");
    CHECK(table.size() == 4);
    for (std::uint64_t ref = 1; ref <= 3; ++ref) {
        table.forget(ref);
        CHECK_FALSE(table.known(ref));
        CHECK_FALSE(table.find(ref));
    }
    table.forget(99);  // never known: nothing happens
    CHECK(table.size() == 1);
    CHECK(table.find(4) == std::string_view("stays"));
    CHECK(wal_key == "wal key");  // a referred series' bytes are the WAL's, never freed here
}

TEST_CASE("A slot's next generation replaces the forgotten one, whose ref finds nothing any more")
{
    using autoscrape::storage::make_ref;
    EncodedSeriesTable table;
    const auto old_ref = make_ref(7, 0);
    const auto new_ref = make_ref(7, 1);
    table.keep(old_ref, "old labels");
    table.keep(new_ref, "new labels");  // the endpoint read the new series before it was told of the old one's end
    CHECK_FALSE(table.known(old_ref));
    CHECK_FALSE(table.find(old_ref));
    CHECK(table.find(new_ref) == std::string_view("new labels"));
    table.forget(old_ref);  // told late: the slot's new series stays
    CHECK(table.find(new_ref) == std::string_view("new labels"));
    CHECK(table.size() == 1);
    table.forget(new_ref);
    CHECK_FALSE(table.known(new_ref));
    CHECK(table.size() == 0);
}
