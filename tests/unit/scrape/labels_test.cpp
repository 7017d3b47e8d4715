// LabelSet: the sorted label container relabelling works on.
#include <catch2/catch.hpp>

#include "agent/scrape/labels.hpp"

using namespace autoscrape::scrape;

TEST_CASE("A label set keeps its labels sorted by name whatever the insertion order") {
    LabelSet set;
    set.set("job", "node");
    set.set("__name__", "up");
    set.set("instance", "a:1");
    REQUIRE(set.size() == 3);
    CHECK(set[0].name == "__name__");
    CHECK(set[1].name == "instance");
    CHECK(set[2].name == "job");
    CHECK(set.get("instance") == "a:1");
    CHECK(set.get("missing").empty());
    CHECK_FALSE(set.has("missing"));
}

TEST_CASE("Setting an existing label replaces its value and an empty value deletes it") {
    LabelSet set{{"a", "1"}, {"b", "2"}};
    set.set("a", "3");
    CHECK(set == LabelSet{{"a", "3"}, {"b", "2"}});
    set.set("b", "");
    CHECK(set == LabelSet{{"a", "3"}});
    set.del("a");
    CHECK(set.empty());
}

TEST_CASE("A label set prints with quoted, escaped values") {
    const LabelSet set{{"b", "x\"y\\z\n"}, {"a", "1"}};
    CHECK(set.to_string() == "{a=\"1\", b=\"x\\\"y\\\\z\\n\"}");
}

TEST_CASE("Label names follow Prometheus' classic rule") {
    CHECK(is_valid_label_name("__meta_docker_container_id"));
    CHECK(is_valid_label_name("_1"));
    CHECK_FALSE(is_valid_label_name(""));
    CHECK_FALSE(is_valid_label_name("1a"));
    CHECK_FALSE(is_valid_label_name("a-b"));
    CHECK_FALSE(is_valid_label_name("a:b"));
}
