// Rendering of probe results and parsing of /probe targets and queries: pure functions.
#include "probes/probe_handler.hpp"
#include "probes/probe_result.hpp"
#include "probes/target.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace autoscrape::probes;

TEST_CASE("A probe result renders sorted families with HELP and gauge TYPE lines") {
    ProbeResult r;
    r.set("probe_success", "Displays whether or not the probe was a success", 1);
    r.add("probe_http_duration_seconds", "Duration by phase", {{"phase", "resolve"}}, 0.25);
    r.add("probe_http_duration_seconds", "Duration by phase", {{"phase", "connect"}}, 0.5);
    r.add("probe_http_duration_seconds", "Duration by phase", {{"phase", "connect"}}, 0.25);
    CHECK(render_probe_result(r) ==
          "# HELP probe_http_duration_seconds Duration by phase\n"
          "# TYPE probe_http_duration_seconds gauge\n"
          "probe_http_duration_seconds{phase=\"connect\"} 0.75\n"
          "probe_http_duration_seconds{phase=\"resolve\"} 0.25\n"
          "# HELP probe_success Displays whether or not the probe was a success\n"
          "# TYPE probe_success gauge\n"
          "probe_success 1\n");
}

TEST_CASE("Label values and help text are escaped and special values use Prometheus spelling") {
    ProbeResult r;
    r.set("m", "a\\b\nc", {{"l", "q\"x\\y\nz"}}, std::nan(""));
    r.set("n", "h", -std::numeric_limits<double>::infinity());
    r.set("o", "h", 1.795831336e+09);
    CHECK(render_probe_result(r) ==
          "# HELP m a\\\\b\\nc\n# TYPE m gauge\nm{l=\"q\\\"x\\\\y\\nz\"} NaN\n"
          "# HELP n h\n# TYPE n gauge\nn -Inf\n"
          "# HELP o h\n# TYPE o gauge\no 1795831336\n");
}

TEST_CASE("A value lookup of an absent sample is NaN") {
    ProbeResult r;
    r.set("a", "h", 2);
    CHECK(r.value("a") == 2);
    CHECK(std::isnan(r.value("b")));
    CHECK(std::isnan(r.value("a", {{"x", "y"}})));
}

TEST_CASE("host:port targets parse with IPv6 brackets and reject missing or bad ports") {
    HostPort hp;
    std::string error;
    REQUIRE(parse_host_port("db:5432", hp, error));
    CHECK(hp.host == "db");
    CHECK(hp.port == "5432");
    REQUIRE(parse_host_port("[::1]:7687", hp, error));
    CHECK(hp.host == "::1");
    CHECK_FALSE(parse_host_port("db", hp, error));
    CHECK(error == "missing port in address");
    CHECK_FALSE(parse_host_port("db:99999", hp, error));
    CHECK_FALSE(parse_host_port("::1:80", hp, error));
    CHECK_FALSE(parse_host_port(":80", hp, error));
}

TEST_CASE("An http target without a scheme gets http:// and the module path when it has no path") {
    HttpUrl url;
    std::string error;
    REQUIRE(parse_http_target("grafana:3000", "/api/health", url, error));
    CHECK_FALSE(url.tls);
    CHECK(url.host == "grafana");
    CHECK(url.port == "3000");
    CHECK(url.path_query == "/api/health");
    REQUIRE(parse_http_target("https://minio/x?y=1#frag", "/api/health", url, error));
    CHECK(url.tls);
    CHECK(url.port == "443");
    CHECK(url.authority == "minio");
    CHECK(url.path_query == "/x?y=1");
    CHECK_FALSE(parse_http_target("ftp://x/", "/", url, error));
    CHECK_FALSE(parse_http_target("http://user@x/", "/", url, error));
}

TEST_CASE("Redirect locations resolve against the current URL") {
    HttpUrl base, out;
    std::string error;
    REQUIRE(parse_http_url("http://a:8080/dir/page?q=1", base, error));
    REQUIRE(resolve_location(base, "/abs", out, error));
    CHECK(out.authority == "a:8080");
    CHECK(out.path_query == "/abs");
    REQUIRE(resolve_location(base, "rel?x", out, error));
    CHECK(out.path_query == "/dir/rel?x");
    REQUIRE(resolve_location(base, "https://b/", out, error));
    CHECK(out.tls);
    CHECK(out.host == "b");
    REQUIRE(resolve_location(base, "//c:9/z", out, error));
    CHECK_FALSE(out.tls);
    CHECK(out.port == "9");
}

TEST_CASE("The /probe query is percent-decoded and the first value of a parameter wins") {
    auto q = parse_probe_query("/probe?target=http%3A%2F%2Fa%3A1%2Fx+y&module=http_2xx&target=other");
    CHECK(q.target == "http://a:1/x y");
    CHECK(q.module == "http_2xx");
    auto none = parse_probe_query("/probe");
    CHECK(none.target.empty());
    CHECK(none.module.empty());
    CHECK(parse_probe_query("/probe?target=%zz").target == "%zz");
}
