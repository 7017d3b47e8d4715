// The http prober against loopback HTTP and HTTPS servers made here.
#include "probe_test_support.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <mutex>

using namespace autoscrape::probes;
using namespace autoscrape::probes::testing;
namespace asio = boost::asio;

namespace {

std::string path_of(const std::string& request) {
    auto sp = request.find(' ');
    return request.substr(sp + 1, request.find(' ', sp + 1) - sp - 1);
}

// Answers by path: /ok 200, /fail 500, /r/<n> redirects n times then lands on /ok, /loop forever.
std::string route(const std::string& request) {
    std::string path = path_of(request);
    if (path == "/ok" || path == "/") return http_response(200, "all good: ready");
    if (path == "/fail") return http_response(500, "boom");
    if (path == "/loop") return http_response(302, "", "Location: /loop\r\n");
    if (path.starts_with("/r/")) {
        int n = std::stoi(path.substr(3));
        return http_response(302, "", "Location: " + (n > 1 ? "/r/" + std::to_string(n - 1) : "/ok") + "\r\n");
    }
    return http_response(404, "");
}

}  // namespace

TEST_CASE("An http probe of a 200 answer succeeds with status, length, version and phases") {
    LoopbackServer server(http_session(route));
    auto r = probe_now(http_module(), server.address() + "/ok");
    REQUIRE(r.success());
    CHECK(r.value("probe_http_status_code") == 200);
    CHECK(r.value("probe_http_content_length") == 15);
    CHECK(r.value("probe_http_uncompressed_body_length") == 15);
    CHECK(r.value("probe_http_version") == 1.1);
    CHECK(r.value("probe_http_ssl") == 0);
    CHECK(r.value("probe_http_redirects") == 0);
    CHECK(r.value("probe_ip_protocol") == 4);
    CHECK(r.value("probe_http_duration_seconds", {{"phase", "tls"}}) == 0);
    CHECK(r.value("probe_http_duration_seconds", {{"phase", "processing"}}) > 0);
    CHECK(r.find("probe_http_duration_seconds")->samples.size() == 5);
    CHECK_FALSE(r.has("probe_ssl_earliest_cert_expiry"));
}

TEST_CASE("An http probe of a 500 answer fails unless valid_status_codes lists it") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    auto r = probe_now(module, server.address() + "/fail");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_http_status_code") == 500);
    module.http.valid_status_codes = {500};
    CHECK(probe_now(module, server.address() + "/fail").success());
    module.http.valid_status_codes = {201, 204};
    CHECK_FALSE(probe_now(module, server.address() + "/ok").success());
}

TEST_CASE("An http target without a path uses the module's path") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    module.http.path = "/fail";
    CHECK(probe_now(module, server.address()).value("probe_http_status_code") == 500);
}

TEST_CASE("Redirects are followed and counted") {
    LoopbackServer server(http_session(route));
    auto r = probe_now(http_module(), "http://" + server.address() + "/r/3");
    CHECK(r.success());
    CHECK(r.value("probe_http_redirects") == 3);
    CHECK(r.value("probe_http_status_code") == 200);
}

TEST_CASE("With no_follow_redirects the redirect itself is the answer") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    module.http.no_follow_redirects = true;
    auto r = probe_now(module, server.address() + "/r/3");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_http_status_code") == 302);
    CHECK(r.value("probe_http_redirects") == 1);
    module.http.valid_status_codes = {302};
    CHECK(probe_now(module, server.address() + "/r/3").success());
}

TEST_CASE("A redirect loop stops after 10 redirects and fails") {
    std::atomic<int> requests{0};
    LoopbackServer server(http_session([&](const std::string& request) {
        ++requests;
        return route(request);
    }));
    auto r = probe_now(http_module(), server.address() + "/loop");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_http_redirects") == 11);
    CHECK(requests == 11);
}

TEST_CASE("The module's method and headers are sent") {
    std::mutex mutex;
    std::string seen;
    LoopbackServer server(http_session([&](const std::string& request) {
        std::lock_guard lock(mutex);
        seen = request;
        return http_response(200, "");
    }));
    auto module = http_module();
    module.http.method = "POST";
    module.http.headers = {{"X-Probe", "yes"}, {"Host", "example.test"}};
    REQUIRE(probe_now(module, server.address() + "/submit").success());
    std::lock_guard lock(mutex);
    CHECK(seen.starts_with("POST /submit HTTP/1.1\r\n"));
    CHECK(seen.find("X-Probe: yes\r\n") != std::string::npos);
    CHECK(seen.find("Host: example.test\r\n") != std::string::npos);
    CHECK(seen.find("Content-Length: 0\r\n") != std::string::npos);
}

TEST_CASE("fail_if_body_matches_regexp fails a probe whose body matches") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    module.http.fail_if_body_matches_regexp = {"good:\\s+\\w+"};
    auto r = probe_now(module, server.address() + "/ok");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_failed_due_to_regex") == 1);
    module.http.fail_if_body_matches_regexp = {"maintenance"};
    r = probe_now(module, server.address() + "/ok");
    CHECK(r.success());
    CHECK(r.value("probe_failed_due_to_regex") == 0);
}

TEST_CASE("fail_if_body_not_matches_regexp fails a probe whose body lacks the pattern") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    module.http.fail_if_body_not_matches_regexp = {"ready$"};
    CHECK(probe_now(module, server.address() + "/ok").success());
    module.http.fail_if_body_not_matches_regexp = {"ready$", "^healthy"};
    auto r = probe_now(module, server.address() + "/ok");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_failed_due_to_regex") == 1);
}

TEST_CASE("An invalid body regexp fails the probe with the reason") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    module.http.fail_if_body_matches_regexp = {"(unclosed"};
    auto r = probe_now(module, server.address() + "/ok");
    CHECK_FALSE(r.success());
    CHECK(r.error().find("invalid regexp") != std::string::npos);
}

TEST_CASE("fail_if_not_ssl fails a plain http probe") {
    LoopbackServer server(http_session(route));
    auto module = http_module();
    module.http.fail_if_not_ssl = true;
    CHECK_FALSE(probe_now(module, server.address() + "/ok").success());
}

TEST_CASE("An http probe of a closed port fails with status code 0") {
    auto r = probe_now(http_module(), "127.0.0.1:" + std::to_string(refused_port()));
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_http_status_code") == 0);
    CHECK(r.value("probe_ip_protocol") == 4);
}

TEST_CASE("A slow server is cut off at the module timeout") {
    LoopbackServer server(http_session(route, 3000));
    auto r = probe_now(http_module(500), server.address() + "/ok");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_duration_seconds") == Approx(0.5).margin(0.2));
    CHECK(r.error().find("timeout") != std::string::npos);
}

TEST_CASE("An http probe of a listener that never accepts times out within 200 ms of the deadline") {
    asio::io_context ioc;
    asio::ip::tcp::acceptor blackhole(ioc, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    auto r = probe_now(http_module(800), "127.0.0.1:" + std::to_string(blackhole.local_endpoint().port()));
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_duration_seconds") == Approx(0.8).margin(0.2));
}

TEST_CASE("An https probe verified by the test CA reports SSL, TLS version and certificate expiry") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, route));
    auto module = http_module();
    module.http.tls_config = tls_with_ca(pki.ca_cert);
    auto r = probe_now(module, "https://" + server.address() + "/ok");
    INFO(r.error());
    REQUIRE(r.success());
    CHECK(r.value("probe_http_ssl") == 1);
    CHECK(r.value("probe_http_status_code") == 200);
    CHECK(r.value("probe_tls_version_info", {{"version", "TLS 1.3"}}) == 1);
    double expected = static_cast<double>(std::time(nullptr)) + 2 * 86400;
    CHECK(r.value("probe_ssl_earliest_cert_expiry") == Approx(expected).margin(120));
    CHECK(r.value("probe_http_duration_seconds", {{"phase", "tls"}}) > 0);
}

TEST_CASE("An https probe fails verification against the wrong name and passes with server_name") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, route));
    auto module = http_module();
    module.http.tls_config = tls_with_ca(pki.ca_cert, "other.test");
    CHECK_FALSE(probe_now(module, "https://" + server.address() + "/ok").success());
    module.http.tls_config->server_name = "localhost";
    CHECK(probe_now(module, "https://" + server.address() + "/ok").success());
}

TEST_CASE("An https probe without the CA fails and insecure_skip_verify makes it pass") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, route));
    auto module = http_module();
    CHECK_FALSE(probe_now(module, "https://" + server.address() + "/ok").success());
    module.http.tls_config = tls_insecure();
    CHECK(probe_now(module, "https://" + server.address() + "/ok").success());
}

TEST_CASE("fail_if_ssl fails an https probe") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, route));
    auto module = http_module();
    module.http.tls_config = tls_with_ca(pki.ca_cert);
    module.http.fail_if_ssl = true;
    auto r = probe_now(module, "https://" + server.address() + "/ok");
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_http_ssl") == 1);
}
