// SelfMetrics and the standard self routes, served over loopback by a real HttpServer.
#include <atomic>
#include <catch2/catch.hpp>
#include <prometheus/counter.h>
#include <regex>
#include <sstream>

#include "agent/self_metrics.hpp"
#include "http_test_support.hpp"

namespace autoscrape::agent::test {
namespace {

// Every line of `text` is a comment (# HELP / # TYPE) or a sample `name{labels} value`.
bool is_text_format(const std::string& text) {
    static const std::regex comment(R"(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*)");
    static const std::regex sample(
        R"([a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? )"
        R"(([-+]?[0-9.eE+-]+|[-+]?Inf|NaN)( -?[0-9]+)?)");
    std::istringstream lines(text);
    std::string line;
    int samples = 0;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        if (line.starts_with('#')) {
            if (!std::regex_match(line, comment)) return false;
        } else {
            if (!std::regex_match(line, sample)) return false;
            ++samples;
        }
    }
    return samples > 0;
}

// The value of the sample line that starts with `series` (name plus labels as rendered).
std::optional<double> sample_value(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
    }
    return std::nullopt;
}

struct SelfRoutes {
    SelfMetrics metrics;
    std::atomic<bool> ready{false};
    std::atomic<bool> reload_fails{false};

    void install(HttpServer& server) {
        install_standard_routes(server, metrics, [this] { return ready.load(); }, [this] {
            return reload_fails ? ReloadResult{false, "line 3: unknown field \"scrape_intervall\""} : ReloadResult{true, ""};
        });
    }
};

}  // namespace

TEST_CASE("GET /metrics serves build info and process metrics in text format 0.0.4", "[self]") {
    SelfRoutes self;
    ServerFixture fixture(loopback_config(), [&](HttpServer& server, ServerFixture&) { self.install(server); });
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const auto response = client.get("/metrics");
    REQUIRE(response.result() == http::status::ok);
    CHECK(response[http::field::content_type] == kMetricsContentType);
    const auto& body = response.body();
    CHECK(is_text_format(body));
    CHECK(body.find("# TYPE autoscrape_build_info gauge") != std::string::npos);
    for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                             "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
        INFO(name);
        CHECK(sample_value(body, name).has_value());
    }
}

TEST_CASE("autoscrape_build_info is 1 and labelled with version, revision and compiler", "[self]") {
    SelfMetrics metrics;
    const auto info = build_info();
    CHECK_FALSE(info.version.empty());
    CHECK_FALSE(info.revision.empty());
    CHECK_FALSE(info.compiler.empty());
    const auto series = "autoscrape_build_info{compiler=\"" + info.compiler + "\",revision=\"" + info.revision +
                        "\",version=\"" + info.version + "\"}";
    CHECK(sample_value(metrics.render(), series) == 1.0);
}

TEST_CASE("A successful reload sets last_reload_successful and its timestamp", "[self]") {
    SelfMetrics metrics;
    CHECK(sample_value(metrics.render(), "autoscrape_config_last_reload_successful") == 0.0);
    metrics.set_reload_result(true, std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
    const auto text = metrics.render();
    CHECK(sample_value(text, "autoscrape_config_last_reload_successful") == 1.0);
    CHECK(sample_value(text, "autoscrape_config_last_reload_success_timestamp_seconds") == 1700000000.0);
}

TEST_CASE("A failed reload clears last_reload_successful and keeps the last success timestamp", "[self]") {
    SelfMetrics metrics;
    metrics.set_reload_result(true, std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)));
    metrics.set_reload_result(false, std::chrono::system_clock::time_point(std::chrono::seconds(1800000000)));
    const auto text = metrics.render();
    CHECK(sample_value(text, "autoscrape_config_last_reload_successful") == 0.0);
    CHECK(sample_value(text, "autoscrape_config_last_reload_success_timestamp_seconds") == 1700000000.0);
}

TEST_CASE("An added collectable is rendered while it lives and skipped once it is gone", "[self]") {
    SelfMetrics metrics;
    auto stage = std::make_shared<prometheus::Registry>();
    prometheus::BuildCounter().Name("autoscrape_test_events_total").Help("Test events.").Register(*stage).Add({}).Increment(3);
    metrics.add_collectable(stage);
    CHECK(sample_value(metrics.render(), "autoscrape_test_events_total") == 3.0);
    stage.reset();
    CHECK_FALSE(sample_value(metrics.render(), "autoscrape_test_events_total").has_value());
    CHECK(is_text_format(metrics.render()));
}

TEST_CASE("GET /-/healthy answers 200", "[self]") {
    SelfRoutes self;
    ServerFixture fixture(loopback_config(), [&](HttpServer& server, ServerFixture&) { self.install(server); });
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const auto response = client.get("/-/healthy");
    CHECK(response.result() == http::status::ok);
    CHECK(response.body() == "autoscrape is Healthy.\n");
}

TEST_CASE("GET /-/ready answers 503 until ready() holds, then 200", "[self]") {
    SelfRoutes self;
    ServerFixture fixture(loopback_config(), [&](HttpServer& server, ServerFixture&) { self.install(server); });
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    CHECK(client.get("/-/ready").result() == http::status::service_unavailable);
    self.ready = true;
    CHECK(client.get("/-/ready").result() == http::status::ok);
    self.ready = false;
    CHECK(client.get("/-/ready").result() == http::status::service_unavailable);
}

TEST_CASE("POST /-/reload answers 200 on success and 500 with the error on failure", "[self]") {
    SelfRoutes self;
    ServerFixture fixture(loopback_config(), [&](HttpServer& server, ServerFixture&) { self.install(server); });
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    Response response;
    REQUIRE_FALSE(client.send(make_request(http::verb::post, "/-/reload")));
    REQUIRE_FALSE(client.read(response));
    CHECK(response.result() == http::status::ok);

    self.reload_fails = true;
    REQUIRE_FALSE(client.send(make_request(http::verb::post, "/-/reload")));
    REQUIRE_FALSE(client.read(response));
    CHECK(response.result() == http::status::internal_server_error);
    CHECK(response.body().find("unknown field \"scrape_intervall\"") != std::string::npos);
}

TEST_CASE("GET /-/reload is refused with 405 so a stray GET cannot trigger a reload", "[self]") {
    SelfRoutes self;
    ServerFixture fixture(loopback_config(), [&](HttpServer& server, ServerFixture&) { self.install(server); });
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const auto response = client.get("/-/reload");
    CHECK(response.result() == http::status::method_not_allowed);
    CHECK(response[http::field::allow] == "POST");
}

}  // namespace autoscrape::agent::test
