// /probe request handling: validation answers like blackbox_exporter, allow-list, text answer.
#include "probe_test_support.hpp"
#include "probes/probe_handler.hpp"

#include <catch2/catch.hpp>

using namespace autoscrape::probes;
using namespace autoscrape::probes::testing;

namespace {

struct Reply {
    int status = 0;
    std::string body;
    int calls = 0;
};

Reply handle(std::string_view target, std::string_view module, const AllowTarget& allowed) {
    autoscrape::config::ProbesConfig config;
    config.modules["tcp_connect"] = tcp_module();
    config.modules["http_2xx"] = http_module();
    boost::asio::io_context ioc;
    Reply reply;
    handle_probe_request(target, module, config, allowed, ioc, [&](int status, std::string body) {
        reply.status = status;
        reply.body = std::move(body);
        ++reply.calls;
    });
    ioc.run();
    return reply;
}

AllowTarget allow_all() {
    return [](const std::string&) { return true; };
}

}  // namespace

TEST_CASE("An unknown module is answered 400 with blackbox's message") {
    auto r = handle("127.0.0.1:1", "nope", allow_all());
    CHECK(r.status == 400);
    CHECK(r.body == "Unknown module \"nope\"\n");
}

TEST_CASE("A missing target is answered 400 with blackbox's message") {
    auto r = handle("", "tcp_connect", allow_all());
    CHECK(r.status == 400);
    CHECK(r.body == "Target parameter is missing\n");
}

TEST_CASE("A target the prober cannot parse is answered 400") {
    auto r = handle("no-port", "tcp_connect", allow_all());
    CHECK(r.status == 400);
    CHECK(r.body.starts_with("Invalid target \"no-port\""));
}

TEST_CASE("A target outside the allow-list is answered 403 without probing") {
    LoopbackServer server(http_session([](const std::string&) { return http_response(200, ""); }));
    auto r = handle(server.address(), "tcp_connect", allow_listed_targets({"127.0.0.1:1"}));
    CHECK(r.status == 403);
    CHECK(r.calls == 1);
}

TEST_CASE("An allowed target is probed and answered in the text format") {
    LoopbackServer server(http_session([](const std::string&) { return http_response(200, "x"); }));
    auto r = handle(server.address(), "tcp_connect", allow_listed_targets({server.address()}));
    CHECK(r.status == 200);
    CHECK(r.calls == 1);
    CHECK(r.body.find("# TYPE probe_success gauge\nprobe_success 1\n") != std::string::npos);
}

TEST_CASE("An empty module means http_2xx and the allow-list sees the URL's host:port") {
    LoopbackServer server(http_session([](const std::string&) { return http_response(200, "x"); }));
    std::string seen;
    auto r = handle("http://" + server.address() + "/health", "", [&](const std::string& host_port) {
        seen = host_port;
        return true;
    });
    CHECK(seen == server.address());
    CHECK(r.status == 200);
    CHECK(r.body.find("probe_http_status_code 200\n") != std::string::npos);
}

TEST_CASE("The destination of an http module target defaults the port by scheme") {
    std::string host_port, error;
    REQUIRE(probe_destination("https://[::1]/x", http_module(), host_port, error));
    CHECK(host_port == "[::1]:443");
    REQUIRE(probe_destination("grafana", http_module(), host_port, error));
    CHECK(host_port == "grafana:80");
}
