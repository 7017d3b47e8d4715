#include <catch2/catch.hpp>

#include "helpers.hpp"

using autoscrape::config::test::errors_of;

TEST_CASE("A malformed duration is reported at its value", "[errors]") {
    CHECK(errors_of("global:\n  scrape_interval: abc\n") ==
          "test.yaml:2:20: global.scrape_interval: expected a duration like 15s or 1m30s, got 'abc'");
}

TEST_CASE("A malformed size is reported at its value", "[errors]") {
    CHECK(errors_of("wal:\n  max_size: 1kB\n") ==
          "test.yaml:2:13: wal.max_size: expected a size like 512MiB or 1GB, got '1kB'");
}

TEST_CASE("A wrong node kind is reported with what was found", "[errors]") {
    CHECK(errors_of("global: [1, 2]\n") == "test.yaml:1:9: global: expected a mapping, got a list");
    CHECK(errors_of("relabel_configs: {a: b}\n") == "test.yaml:1:18: relabel_configs: expected a list, got a mapping");
    CHECK(errors_of("global:\n  scrape_interval: {a: 1}\n") ==
          "test.yaml:2:20: global.scrape_interval: expected a single value, got a mapping");
    CHECK(errors_of("- a\n") == "test.yaml:1:1: expected a mapping, got a list");
}

TEST_CASE("Booleans and integers are checked with their ranges", "[errors]") {
    CHECK(errors_of("global: {honor_labels: yes}") ==
          "test.yaml:1:24: global.honor_labels: expected true or false, got 'yes'");
    CHECK(errors_of("docker: {port: 70000}") ==
          "test.yaml:1:16: docker.port: expected an integer from 0 to 65535, got '70000'");
    CHECK(errors_of("global: {sample_limit: -1}") ==
          "test.yaml:1:24: global.sample_limit: expected an integer from 0 to 9223372036854775807, got '-1'");
}

TEST_CASE("An unknown field suggests the closest valid field", "[errors]") {
    CHECK(errors_of("global:\n  scrape_intervall: 15s\n") ==
          "test.yaml:2:3: unknown field 'scrape_intervall' in global; did you mean 'scrape_interval'?");
    CHECK(errors_of("remote_writes: []\n") ==
          "test.yaml:1:1: unknown field 'remote_writes' at the top level; did you mean 'remote_write'?");
    CHECK(errors_of("wal: {nonsense: 1}") == "test.yaml:1:7: unknown field 'nonsense' in wal");
}

TEST_CASE("All errors of a document are reported in document order", "[errors]") {
    CHECK(errors_of("log:\n  level: loud\nglobal:\n  scrape_interval: x\n  bogus: 1\n") ==
          "test.yaml:2:10: log.level: expected one of trace, debug, info, warn, error; got 'loud'\n"
          "test.yaml:4:20: global.scrape_interval: expected a duration like 15s or 1m30s, got 'x'\n"
          "test.yaml:5:3: unknown field 'bogus' in global");
}

TEST_CASE("Duplicate fields are rejected", "[errors]") {
    CHECK(errors_of("wal:\n  dir: a\n  dir: b\n") == "test.yaml:3:3: wal.dir: duplicate field (first set on line 2)");
}

TEST_CASE("Invalid YAML syntax is reported with the parser's position", "[errors]") {
    const auto text = errors_of("global:\n  scrape_interval: [15s\n");
    CHECK(text.rfind("test.yaml:", 0) == 0);
    CHECK(text.find("invalid YAML") != std::string::npos);
}

TEST_CASE("More than one YAML document is rejected", "[errors]") {
    CHECK(errors_of("global: {}\n---\nwal: {}\n") == "test.yaml:2:1: expected one YAML document, found more");
}

TEST_CASE("A stray top-level comma is an error, not a hang in yaml-cpp", "[errors]") {
    CHECK(errors_of(",") == "test.yaml:1:1: invalid YAML: unexpected ',' outside a [list] or {mapping}");
    CHECK(errors_of("[a],") == "test.yaml:1:4: invalid YAML: unexpected ',' outside a [list] or {mapping}");
}

TEST_CASE("scrape_timeout may not exceed scrape_interval", "[errors]") {
    CHECK(errors_of("global:\n  scrape_interval: 10s\n  scrape_timeout: 20s\n") ==
          "test.yaml:3:19: global.scrape_timeout: must not be greater than scrape_interval (20s > 10s)");
}

TEST_CASE("An invalid relabel regex reports RE2's message at the regex", "[errors]") {
    CHECK(errors_of("relabel_configs:\n  - regex: 'a(b'\n    action: keep\n") ==
          "test.yaml:2:12: relabel_configs[0].regex: invalid regular expression: missing ): a(b");
}

TEST_CASE("Relabel actions are validated like Prometheus' relabel.Config.Validate", "[errors]") {
    CHECK(errors_of("relabel_configs: [{action: hashmod, target_label: t}]") ==
          "test.yaml:1:19: relabel_configs[0].modulus: relabel configuration for hashmod requires non-zero modulus");
    CHECK(errors_of("relabel_configs: [{source_labels: [a]}]") ==
          "test.yaml:1:19: relabel_configs[0].target_label: relabel configuration for replace action requires "
          "'target_label' value");
    CHECK(errors_of("relabel_configs: [{target_label: 'a-b'}]") ==
          "test.yaml:1:34: relabel_configs[0].target_label: 'a-b' is invalid 'target_label' for replace action");
    CHECK(errors_of("relabel_configs: [{action: labeldrop, regex: x, target_label: y}]") ==
          "test.yaml:1:28: relabel_configs[0].action: labeldrop action requires only 'regex', and no other fields");
    CHECK(errors_of("relabel_configs: [{action: lowercase, target_label: y, replacement: z}]") ==
          "test.yaml:1:69: relabel_configs[0].replacement: 'replacement' can not be set for lowercase action");
    CHECK(errors_of("relabel_configs: [{action: explode}]") ==
          "test.yaml:1:28: relabel_configs[0].action: unknown relabel action 'explode'");
    CHECK(errors_of("relabel_configs: [{target_label: '$1_x', source_labels: ['1bad']}]") ==
          "test.yaml:1:57: relabel_configs[0].source_labels: '1bad' is not a valid label name");
}

TEST_CASE("A templated target_label is allowed for replace", "[errors]") {
    CHECK(errors_of("relabel_configs: [{source_labels: [a], target_label: '${1}_x'}]").empty());
}

TEST_CASE("Remote write needs an http(s) url with a host", "[errors]") {
    CHECK(errors_of("remote_write:\n  - url: ftp://x/y\n") ==
          "test.yaml:2:10: remote_write[0].url: expected an http:// or https:// URL, got 'ftp://x/y'");
    CHECK(errors_of("remote_write:\n  - url: 'http:///x'\n") ==
          "test.yaml:2:10: remote_write[0].url: expected a host after http://, got 'http:///x'");
    CHECK(errors_of("remote_write:\n  - name: a\n") ==
          "test.yaml:2:5: remote_write[0].url: missing; every remote_write needs a url");
}

TEST_CASE("Remote write headers cannot hold line breaks", "[errors]") {
    CHECK(errors_of("remote_write:\n  - url: http://vm/x\n    headers: {X-Org: \"a\\r\\nContent-Length: 0\"}\n") ==
          "test.yaml:3:14: remote_write[0].headers: header 'X-Org': a name cannot hold a line break or a colon, nor a "
          "value a line break");
}

TEST_CASE("Queue shards and backoffs must be ordered", "[errors]") {
    CHECK(errors_of("remote_write:\n  - url: http://vm/x\n    queue_config: {min_shards: 8, max_shards: 4}\n") ==
          "test.yaml:3:32: remote_write[0].queue_config.min_shards: must not be greater than max_shards (8 > 4)");
    CHECK(errors_of("remote_write:\n  - url: http://vm/x\n    queue_config: {min_backoff: 10s, max_backoff: 1s}\n") ==
          "test.yaml:3:33: remote_write[0].queue_config.min_backoff: must not be greater than max_backoff");
}

TEST_CASE("Duplicate remote_write names are rejected", "[errors]") {
    CHECK(errors_of("remote_write:\n  - {url: 'http://a/x', name: vm}\n  - {url: 'http://b/x', name: vm}\n") ==
          "test.yaml:3:5: remote_write[1]: duplicate remote_write name 'vm' (also used by remote_write[0]); set a "
          "distinct 'name'");
}

TEST_CASE("Profiles need a name, a match and known probe modules", "[errors]") {
    CHECK(errors_of("profiles:\n  - job: x\n") ==
          "test.yaml:2:5: profiles[0].name: every profile needs a name\n"
          "test.yaml:2:5: profiles[0].match: needs 'image' or 'labels' (or both)");
    CHECK(errors_of("profiles:\n  - name: p\n    match: {image: x}\n    probes: [{module: http_2x, port: 80}]\n") ==
          "test.yaml:4:23: profiles[0].probes[0].module: unknown probe module 'http_2x'; did you mean 'http_2xx'?");
}

TEST_CASE("Web, docker and wal addresses are checked", "[errors]") {
    CHECK(errors_of("web: {listen_address: localhost}") ==
          "test.yaml:1:23: web.listen_address: expected host:port, got 'localhost'");
    CHECK(errors_of("docker: {host: 'http://x'}") ==
          "test.yaml:1:16: docker.host: expected unix:///path/to/docker.sock or tcp://host:port, got 'http://x'");
    CHECK(errors_of("wal: {dir: ''}") == "test.yaml:1:12: wal.dir: must not be empty");
    CHECK(errors_of("wal:\n  forget_series_after: 0s\n") ==
          "test.yaml:2:24: wal.forget_series_after: must be greater than 0");
}

TEST_CASE("A probe module needs a known prober", "[errors]") {
    CHECK(errors_of("probes:\n  modules:\n    m: {timeout: 1s}\n") ==
          "test.yaml:3:8: probes.modules.m.prober: missing; expected one of http, tcp, postgres, bolt");
    CHECK(errors_of("probes:\n  modules:\n    m: {prober: icmp}\n") ==
          "test.yaml:3:17: probes.modules.m.prober: expected one of http, tcp, postgres, bolt; got 'icmp'");
}

TEST_CASE("An unset environment variable is an error naming it", "[errors]") {
    ::unsetenv("AUTOSCRAPE_TEST_UNSET");
    CHECK(errors_of("wal:\n  dir: /x/${AUTOSCRAPE_TEST_UNSET}\n") ==
          "test.yaml:2:8: wal.dir: environment variable 'AUTOSCRAPE_TEST_UNSET' is not set");
}

TEST_CASE("Label values must be valid UTF-8", "[errors]") {
    CHECK(errors_of("global: {external_labels: {a: 'x\xff'}}") ==
          "test.yaml:1:27: global.external_labels: the value of 'a' is not valid UTF-8");
}
