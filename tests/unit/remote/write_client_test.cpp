#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "agent/remote/write_client.hpp"
#include "agent/remote/write_request.hpp"
#include "tests/unit/probes/probe_test_support.hpp"
#include "tests/unit/remote/queue_test_support.hpp"
#include "tests/unit/remote/test_receiver.hpp"

using namespace autoscrape;
using remote::WriteClient;
using remote::test::Reply;
using remote::test::TestReceiver;
using Clock = std::chrono::steady_clock;

namespace {

std::string one_sample_body()
{
    static remote::WriteRequestEncoder enc;
    enc.clear();
    const remote::Point p{1'700'000'000'000, 1.5};
    enc.add_series({{"__name__", "up"}, {"job", "a"}}, std::span(&p, 1));
    return std::string(enc.compress());
}

Clock::time_point in(std::chrono::milliseconds d)
{
    return Clock::now() + d;
}

}  // namespace

TEST_CASE("A write carries the remote-write 1.0 headers and a decodable body")
{
    TestReceiver rx;
    WriteClient client(remote::test::endpoint("a", rx.url()));
    const auto result = client.send(one_sample_body(), in(std::chrono::seconds(5)));
    CHECK(result.status == 200);
    const auto got = rx.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].headers.at("content-encoding") == "snappy");
    CHECK(got[0].headers.at("content-type") == "application/x-protobuf");
    CHECK(got[0].headers.at("x-prometheus-remote-write-version") == "0.1.0");
    CHECK(got[0].headers.at("user-agent").starts_with("autoscrape/"));
    CHECK(got[0].headers.at("host") == rx.url().substr(7, rx.url().find('/', 7) - 7));
    REQUIRE(got[0].request.timeseries_size() == 1);
    CHECK(got[0].request.timeseries(0).samples(0).value() == 1.5);
}

TEST_CASE("Basic auth is sent as a base64 Authorization header")
{
    TestReceiver rx;
    auto cfg = remote::test::endpoint("a", rx.url());
    cfg.basic_auth = config::BasicAuth{"user", config::Secret("pass")};
    WriteClient client(cfg);
    REQUIRE(client.send(one_sample_body(), in(std::chrono::seconds(5))).status == 200);
    CHECK(rx.received().at(0).headers.at("authorization") == "Basic dXNlcjpwYXNz");
}

TEST_CASE("Authorization type and credentials are sent, and custom headers pass through")
{
    TestReceiver rx;
    auto cfg = remote::test::endpoint("a", rx.url());
    cfg.authorization = config::Authorization{"Bearer", config::Secret("tok")};
    cfg.headers = {{"X-Scope-OrgID", "tenant-1"}};
    WriteClient client(cfg);
    REQUIRE(client.send(one_sample_body(), in(std::chrono::seconds(5))).status == 200);
    const auto headers = rx.received().at(0).headers;
    CHECK(headers.at("authorization") == "Bearer tok");
    CHECK(headers.at("x-scope-orgid") == "tenant-1");
}

TEST_CASE("A custom header that would override a protocol header is rejected")
{
    auto cfg = remote::test::endpoint("a", "http://127.0.0.1:1/write");
    cfg.headers = {{"content-encoding", "gzip"}};
    CHECK_THROWS_AS(WriteClient(cfg), std::invalid_argument);
    cfg.headers = {{"X-Prometheus-Remote-Write-Version", "2.0"}};
    CHECK_THROWS_AS(WriteClient(cfg), std::invalid_argument);
}

TEST_CASE("A header with a line break is rejected: it would smuggle in headers of its own")
{
    auto cfg = remote::test::endpoint("a", "http://127.0.0.1:1/write");
    cfg.headers = {{"X-Scope-OrgID", "a\r\nContent-Length: 0"}};
    CHECK_THROWS_AS(WriteClient(cfg), std::invalid_argument);
    cfg.headers = {{"X-A\nX-B", "v"}};
    CHECK_THROWS_AS(WriteClient(cfg), std::invalid_argument);
    cfg.headers = {};
    cfg.authorization = config::Authorization{"Bearer", config::Secret("tok\n")};
    CHECK_THROWS_AS(WriteClient(cfg), std::invalid_argument);
}

TEST_CASE("A url that is not http or https is rejected")
{
    CHECK_THROWS_AS(WriteClient(remote::test::endpoint("a", "ftp://host/x")), std::invalid_argument);
    CHECK_THROWS_AS(WriteClient(remote::test::endpoint("a", "http://:80/x")), std::invalid_argument);
    CHECK_THROWS_AS(WriteClient(remote::test::endpoint("a", "http://host:http/x")), std::invalid_argument);
}

TEST_CASE("An error status comes back with Retry-After and the body cut to 256 bytes")
{
    TestReceiver rx([](std::size_t) { return Reply{503, "7", std::string(1000, 'x')}; });
    WriteClient client(remote::test::endpoint("a", rx.url()));
    const auto result = client.send(one_sample_body(), in(std::chrono::seconds(5)));
    CHECK(result.status == 503);
    CHECK(result.retry_after == "7");
    CHECK(result.error == std::string(256, 'x'));
}

TEST_CASE("Consecutive writes reuse one kept-alive connection")
{
    TestReceiver rx;
    WriteClient client(remote::test::endpoint("a", rx.url()));
    for (int i = 0; i < 5; ++i) {
        REQUIRE(client.send(one_sample_body(), in(std::chrono::seconds(5))).status == 200);
    }
    CHECK(rx.connections() == 1);
}

TEST_CASE("A receiver slower than remote_timeout gives no status, within the timeout")
{
    TestReceiver rx([](std::size_t) { return Reply{200, "", "", std::chrono::milliseconds(1'500)}; });
    auto cfg = remote::test::endpoint("a", rx.url());
    cfg.remote_timeout = std::chrono::milliseconds(200);
    WriteClient client(cfg);
    const auto start = Clock::now();
    const auto result = client.send(one_sample_body(), in(std::chrono::seconds(10)));
    const auto took = Clock::now() - start;
    CHECK(result.status == 0);
    CHECK_FALSE(result.error.empty());
    CHECK(took >= std::chrono::milliseconds(180));
    CHECK(took < std::chrono::milliseconds(1'000));
}

TEST_CASE("A connection reset gives no status and the next write reconnects")
{
    TestReceiver rx([](std::size_t n) { return n == 0 ? Reply{0, "", "", {}, true} : Reply{}; });
    WriteClient client(remote::test::endpoint("a", rx.url()));
    CHECK(client.send(one_sample_body(), in(std::chrono::seconds(5))).status == 0);
    CHECK(client.send(one_sample_body(), in(std::chrono::seconds(5))).status == 200);
    CHECK(rx.connections() == 2);
}

TEST_CASE("A closed port gives no status and a connect error")
{
    std::string url;
    {
        TestReceiver gone;
        url = gone.url();
    }
    WriteClient client(remote::test::endpoint("a", url));
    const auto result = client.send(one_sample_body(), in(std::chrono::seconds(5)));
    CHECK(result.status == 0);
    CHECK(result.error.starts_with("connect:"));
}

TEST_CASE("Cancelling aborts a write well before remote_timeout")
{
    TestReceiver rx([](std::size_t) { return Reply{200, "", "", std::chrono::milliseconds(2'000)}; });
    WriteClient client(remote::test::endpoint("a", rx.url()));
    const auto start = Clock::now();
    const auto result = client.send(one_sample_body(), in(std::chrono::seconds(10)),
                                    [start] { return Clock::now() - start > std::chrono::milliseconds(100); });
    CHECK(result.status == 0);
    CHECK(Clock::now() - start < std::chrono::milliseconds(1'000));
}

TEST_CASE("Over HTTPS with tls_config.ca_file each write carries the whole head, also on a new connection")
{
    const probes::testing::TestPki pki(30);
    std::mutex mutex;
    std::vector<std::string> heads;
    probes::testing::LoopbackServer server(probes::testing::https_session(pki, [&](const std::string& head) {
        std::lock_guard lock(mutex);
        heads.push_back(head);
        return probes::testing::http_response(204, "");
    }));
    auto cfg = remote::test::endpoint("a", "https://localhost:" + std::to_string(server.port()) + "/api/v1/write");
    cfg.tls_config = probes::testing::tls_with_ca(pki.ca_cert);
    WriteClient client(cfg);
    const std::string body = one_sample_body();
    // The server answers one request a connection and closes it: the second send reconnects.
    for (int i = 0; i < 2; ++i) {
        const auto result = client.send(body, in(std::chrono::seconds(5)));
        CHECK(result.status == 204);
        CHECK(result.error.empty());
    }
    std::lock_guard lock(mutex);
    REQUIRE(heads.size() == 2);
    CHECK(heads[0].starts_with("POST /api/v1/write HTTP/1.1\r\nHost: localhost:" + std::to_string(server.port()) + "\r\n"));
    CHECK(heads[0].find("\r\nContent-Encoding: snappy\r\n") != std::string::npos);
    CHECK(heads[0].find("\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n") != std::string::npos);
    CHECK(heads[1] == heads[0]);
}

TEST_CASE("Over HTTPS a certificate from an unknown CA is refused before anything is sent")
{
    const probes::testing::TestPki pki(30);
    std::atomic<int> requests{0};
    probes::testing::LoopbackServer server(probes::testing::https_session(pki, [&](const std::string&) {
        ++requests;
        return probes::testing::http_response(204, "");
    }));
    WriteClient client(remote::test::endpoint("a", "https://localhost:" + std::to_string(server.port()) + "/w"));
    const auto result = client.send(one_sample_body(), in(std::chrono::seconds(5)));
    CHECK(result.status == 0);
    CHECK_THAT(result.error, Catch::Contains("certificate verify failed"));
    CHECK(requests == 0);
}
