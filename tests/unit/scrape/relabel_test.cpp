// Relabelling: the cases of Prometheus' model/relabel/relabel_test.go, ported one by one, then
// what is ours to decide (validation, reference expansion, departures).
#include <stdexcept>

#include <catch2/catch.hpp>

#include "agent/scrape/relabel.hpp"

using namespace autoscrape::scrape;
using autoscrape::config::RelabelAction;
using autoscrape::config::RelabelConfig;

namespace {

// The labels after relabelling, or nullopt when the set was dropped.
std::optional<LabelSet> relabel(LabelSet labels, const std::vector<RelabelConfig>& rules) {
    const Relabeler relabeler(rules);
    if (!relabeler.apply(labels)) return std::nullopt;
    return labels;
}

}  // namespace

TEST_CASE("Replace writes the expanded replacement to the target label") {
    const auto out = relabel({{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
                             {{.source_labels = {"a"}, .regex = "f(.*)", .target_label = "d",
                               .replacement = "ch${1}-ch${1}"}});
    CHECK(out == LabelSet{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}});
}

TEST_CASE("Replace joins several source labels and later rules see earlier results") {
    const auto out = relabel({{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
                             {{.source_labels = {"a", "b"}, .regex = "f(.*);(.*)r", .target_label = "a",
                               .replacement = "b${1}${2}m"},
                              {.source_labels = {"c", "a"}, .regex = "(b).*b(.*)ba(.*)", .target_label = "d",
                               .replacement = "$1$2$2$3"}});
    CHECK(out == LabelSet{{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}, {"d", "boooom"}});
}

TEST_CASE("Drop ends relabelling before later rules run") {
    CHECK_FALSE(relabel({{"a", "foo"}}, {{.source_labels = {"a"}, .regex = ".*o.*", .action = RelabelAction::Drop},
                                         {.source_labels = {"a"}, .regex = "f(.*)", .target_label = "d",
                                          .replacement = "ch$1-ch$1"}}));
    CHECK_FALSE(relabel({{"a", "foo"}, {"b", "bar"}},
                        {{.source_labels = {"a"}, .regex = ".*o.*", .action = RelabelAction::Drop}}));
}

TEST_CASE("Replace with a regex matching inside the value takes the group") {
    const auto out = relabel({{"a", "abc"}}, {{.source_labels = {"a"}, .regex = ".*(b).*", .target_label = "d"}});
    CHECK(out == LabelSet{{"a", "abc"}, {"d", "b"}});
}

TEST_CASE("Drop keeps the set when the anchored regex does not match the whole value") {
    CHECK(relabel({{"a", "foo"}}, {{.source_labels = {"a"}, .regex = "no-match", .action = RelabelAction::Drop}}) ==
          LabelSet{{"a", "foo"}});
    CHECK(relabel({{"a", "foo"}}, {{.source_labels = {"a"}, .regex = "f|o", .action = RelabelAction::Drop}}) ==
          LabelSet{{"a", "foo"}});
}

TEST_CASE("Keep drops the set unless the regex matches") {
    CHECK_FALSE(relabel({{"a", "foo"}}, {{.source_labels = {"a"}, .regex = "no-match", .action = RelabelAction::Keep}}));
    CHECK(relabel({{"a", "foo"}}, {{.source_labels = {"a"}, .regex = "f.*", .action = RelabelAction::Keep}}) ==
          LabelSet{{"a", "foo"}});
}

TEST_CASE("Replace without a match changes nothing") {
    CHECK(relabel({{"a", "boo"}}, {{.source_labels = {"a"}, .regex = "f", .target_label = "b", .replacement = "bar"}}) ==
          LabelSet{{"a", "boo"}});
}

TEST_CASE("Hashmod takes the last 8 bytes of the MD5 as Prometheus does") {
    CHECK(relabel({{"a", "foo"}, {"b", "bar"}, {"c", "baz"}},
                  {{.source_labels = {"c"}, .modulus = 1000, .target_label = "d", .action = RelabelAction::HashMod}}) ==
          LabelSet{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}});
    CHECK(relabel({{"a", "foo\nbar"}},
                  {{.source_labels = {"a"}, .modulus = 1000, .target_label = "b", .action = RelabelAction::HashMod}}) ==
          LabelSet{{"a", "foo\nbar"}, {"b", "734"}});
}

TEST_CASE("Labelmap copies matching labels under the expanded name") {
    CHECK(relabel({{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}},
                  {{.regex = "(b.*)", .replacement = "bar_${1}", .action = RelabelAction::LabelMap}}) ==
          LabelSet{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}});
    CHECK(relabel({{"a", "foo"}, {"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"}},
                  {{.regex = "__meta_(my.*)", .replacement = "${1}", .action = RelabelAction::LabelMap}}) ==
          LabelSet{{"a", "foo"}, {"__meta_my_bar", "aaa"}, {"__meta_my_baz", "bbb"}, {"__meta_other", "ccc"},
                   {"my_bar", "aaa"}, {"my_baz", "bbb"}});
}

TEST_CASE("Replace may build the target label name from groups") {
    CHECK(relabel({{"a", "some-name-value"}}, {{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)",
                                                .target_label = "${1}", .replacement = "${2}"}}) ==
          LabelSet{{"a", "some-name-value"}, {"name", "value"}});
}

TEST_CASE("Replace whose replacement expands to nothing deletes, and to an invalid name skips") {
    CHECK(relabel({{"a", "some-name-value"}}, {{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)",
                                                .target_label = "${1}", .replacement = "${3}"}}) ==
          LabelSet{{"a", "some-name-value"}});
    const RelabelConfig bad_target{.source_labels = {"a"}, .regex = "some-([^-]+)-([^,]+)", .target_label = "${3}",
                                   .replacement = "${1}"};
    const RelabelConfig bad_target2{.source_labels = {"a"}, .regex = "some-([^-]+)(-[^,]+)", .target_label = "${3}",
                                    .replacement = "${1}"};
    CHECK(relabel({{"a", "some-name-0"}}, {bad_target, bad_target, bad_target2}) == LabelSet{{"a", "some-name-0"}});
}

TEST_CASE("A real-life chain of replace rules extracts several labels from one tag list") {
    const auto out = relabel(
        {{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"}},
        {{.source_labels = {"__meta_sd_tags"}, .regex = "(?:.+,|^)path:(/[^,]+).*", .target_label = "__metrics_path__",
          .replacement = "${1}"},
         {.source_labels = {"__meta_sd_tags"}, .regex = "(?:.+,|^)job:([^,]+).*", .target_label = "job",
          .replacement = "${1}"},
         {.source_labels = {"__meta_sd_tags"}, .regex = "(?:.+,|^)label:([^=]+)=([^,]+).*", .target_label = "${1}",
          .replacement = "${2}"}});
    CHECK(out == LabelSet{{"__meta_sd_tags", "path:/secret,job:some-job,label:foo=bar"},
                          {"__metrics_path__", "/secret"}, {"job", "some-job"}, {"foo", "bar"}});
}

TEST_CASE("A label dropped by labeldrop can be set again by a later rule (prometheus#12283)") {
    const auto out = relabel(
        {{"__meta_kubernetes_pod_container_port_name", "foo"}, {"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"}},
        {{.regex = "^__meta_kubernetes_pod_container_port_name$", .action = RelabelAction::LabelDrop},
         {.source_labels = {"__meta_kubernetes_pod_annotation_XXX_metrics_port"}, .regex = "(.+)",
          .target_label = "__meta_kubernetes_pod_container_port_name", .replacement = "metrics"},
         {.source_labels = {"__meta_kubernetes_pod_container_port_name"}, .regex = "^metrics$",
          .action = RelabelAction::Keep}});
    CHECK(out == LabelSet{{"__meta_kubernetes_pod_annotation_XXX_metrics_port", "9091"},
                          {"__meta_kubernetes_pod_container_port_name", "metrics"}});
}

TEST_CASE("Labelkeep and labeldrop select labels by name") {
    const LabelSet in{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}};
    CHECK(relabel(in, {{.regex = "(b.*)", .action = RelabelAction::LabelKeep}}) == LabelSet{{"b1", "bar"}, {"b2", "baz"}});
    CHECK(relabel(in, {{.regex = "(b.*)", .action = RelabelAction::LabelDrop}}) == LabelSet{{"a", "foo"}});
}

TEST_CASE("Uppercase and lowercase write the changed value to the target") {
    CHECK(relabel({{"foo", "bAr123Foo"}},
                  {{.source_labels = {"foo"}, .target_label = "foo_uppercase", .action = RelabelAction::Uppercase},
                   {.source_labels = {"foo"}, .target_label = "foo_lowercase", .action = RelabelAction::Lowercase}}) ==
          LabelSet{{"foo", "bAr123Foo"}, {"foo_lowercase", "bar123foo"}, {"foo_uppercase", "BAR123FOO"}});
}

TEST_CASE("Keepequal and dropequal compare the source value with the target label's") {
    const LabelSet in{{"__tmp_port", "1234"}, {"__port1", "1234"}, {"__port2", "5678"}};
    const auto rule = [](RelabelAction action, std::string target) {
        return RelabelConfig{.source_labels = {"__tmp_port"}, .target_label = std::move(target), .action = action};
    };
    CHECK(relabel(in, {rule(RelabelAction::KeepEqual, "__port1")}) == in);
    CHECK_FALSE(relabel(in, {rule(RelabelAction::DropEqual, "__port1")}));
    CHECK(relabel(in, {rule(RelabelAction::DropEqual, "__port2")}) == in);
    CHECK_FALSE(relabel(in, {rule(RelabelAction::KeepEqual, "__port2")}));
}

TEST_CASE("Replace of an empty source with the default regex sets the literal replacement") {
    CHECK(relabel({{"a", "1"}}, {{.source_labels = {"missing"}, .target_label = "job", .replacement = "node"}}) ==
          LabelSet{{"a", "1"}, {"job", "node"}});
    CHECK(relabel({{"job", "x"}}, {{.source_labels = {"missing"}, .target_label = "job"}}) == LabelSet{});
}

TEST_CASE("References expand like Go's regexp.Expand") {
    const auto expand = [](std::string replacement) {
        const auto out = relabel({{"a", "foo-bar"}}, {{.source_labels = {"a"}, .regex = "(?P<first>[a-z]+)-(\\w+)",
                                                       .target_label = "t", .replacement = std::move(replacement)}});
        return std::string(out->get("t"));
    };
    CHECK(expand("$$1") == "$1");
    CHECK(expand("${first}/$2") == "foo/bar");
    CHECK(expand("$first") == "foo");
    CHECK(expand("x$1x") == "x");       // "$1x" names group "1x", which does not exist
    CHECK(expand("${1}x") == "foox");
    CHECK(expand("$0") == "foo-bar");
    CHECK(expand("$01") == "");          // leading zero: a name, not a number
    CHECK(expand("$9") == "");           // out of range
    CHECK(expand("a$-b${") == "a$-b${");  // malformed references stay as written
}

TEST_CASE("Labelmap skips a resulting name that is not a valid label name") {
    CHECK(relabel({{"a_b", "1"}}, {{.regex = "a_(.*)", .replacement = "9${1}", .action = RelabelAction::LabelMap}}) ==
          LabelSet{{"a_b", "1"}});
}

TEST_CASE("Invalid rules are rejected with the rule's index and reason") {
    CHECK_THROWS_WITH(Relabeler({{.target_label = "ok"}, {.regex = "(", .target_label = "x"}}),
                      "relabel rule 1 (replace): invalid regex \"(\": missing ): (");
    CHECK_THROWS_WITH(Relabeler({{.target_label = "t", .action = RelabelAction::HashMod}}),
                      "relabel rule 0 (hashmod): hashmod requires a non-zero modulus");
    CHECK_THROWS_WITH(Relabeler({{.action = RelabelAction::Lowercase}}),
                      "relabel rule 0 (lowercase): requires 'target_label'");
    CHECK_THROWS_WITH(Relabeler({{.target_label = "0${1}x-"}, {.target_label = "-bad"}}),
                      "relabel rule 1 (replace): \"-bad\" is an invalid 'target_label'");
}

TEST_CASE("The regex is anchored even when the user's pattern has alternation") {
    CHECK(relabel({{"a", "xfoo"}}, {{.source_labels = {"a"}, .regex = "x|xfoo", .action = RelabelAction::Keep}}));
    CHECK_FALSE(relabel({{"a", "xfoo"}}, {{.source_labels = {"a"}, .regex = "foo|x", .action = RelabelAction::Keep}}));
}
