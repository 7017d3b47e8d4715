// tcp, tls, postgres and bolt probers against loopback servers made here. No Neo4j is packaged
// on this machine, so the Bolt server follows the published handshake (neo4j.com/docs/bolt,
// "Bolt Protocol handshake specification"); PostgreSQL itself is exercised in integration_probes.
#include "probe_test_support.hpp"
#include "probes/tcp_probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <ctime>

using namespace autoscrape::probes;
using namespace autoscrape::probes::testing;
using Prober = autoscrape::config::ProbeModule::Prober;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

// Reads `request_size` bytes, records them, answers `reply`.
Session fixed_reply(std::size_t request_size, std::vector<std::uint8_t> reply,
                    std::shared_ptr<std::vector<std::uint8_t>> seen = nullptr) {
    return [=](tcp::socket socket) -> asio::awaitable<void> {
        std::vector<std::uint8_t> request(request_size);
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(request), kAsTuple);
        if (ec) co_return;
        if (seen) *seen = request;
        co_await asio::async_write(socket, asio::buffer(reply), kAsTuple);
    };
}

// A Bolt server per the handshake spec: checks the magic, picks the first proposal whose range
// holds one of `supported` (major, minor) and answers it, or 00 00 00 00.
Session bolt_server(std::vector<std::pair<int, int>> supported) {
    return [=](tcp::socket socket) -> asio::awaitable<void> {
        std::array<std::uint8_t, 20> hello{};
        auto [ec, n] = co_await asio::async_read(socket, asio::buffer(hello), kAsTuple);
        if (ec || hello[0] != 0x60 || hello[1] != 0x60 || hello[2] != 0xb0 || hello[3] != 0x17) co_return;
        std::array<std::uint8_t, 4> answer{};
        for (std::size_t slot = 4; slot < 20 && answer[3] == 0; slot += 4) {
            int range = hello[slot + 1], minor = hello[slot + 2], major = hello[slot + 3];
            for (auto [smajor, sminor] : supported) {
                if (smajor == major && sminor <= minor && sminor >= minor - range) {
                    answer = {0, 0, static_cast<std::uint8_t>(sminor), static_cast<std::uint8_t>(smajor)};
                    break;
                }
            }
        }
        co_await asio::async_write(socket, asio::buffer(answer), kAsTuple);
    };
}

Session silent() {
    return [](tcp::socket socket) -> asio::awaitable<void> {
        std::array<char, 64> buffer{};
        co_await asio::async_read(socket, asio::buffer(buffer), kAsTuple);
    };
}

}  // namespace

TEST_CASE("A tcp probe of a listening port succeeds over IPv4 with blackbox's tcp gauges") {
    LoopbackServer server(silent());
    auto r = probe_now(tcp_module(), server.address());
    CHECK(r.success());
    CHECK(r.value("probe_ip_protocol") == 4);
    CHECK(r.value("probe_failed_due_to_regex") == 0);
    CHECK(r.value("probe_ip_addr_hash") == 3668918509.0);  // blackbox_exporter's value for 127.0.0.1
    CHECK(r.value("probe_dns_lookup_time_seconds") >= 0);
    CHECK(r.value("probe_duration_seconds") > 0);
    CHECK_FALSE(r.has("probe_ssl_earliest_cert_expiry"));
}

TEST_CASE("A tcp probe of a closed port fails with connection refused") {
    auto r = probe_now(tcp_module(), "127.0.0.1:" + std::to_string(refused_port()));
    CHECK_FALSE(r.success());
    CHECK(r.value("probe_success") == 0);
    CHECK(r.error().find("refused") != std::string::npos);
}

TEST_CASE("A tcp target without a port fails before dialling") {
    auto r = probe_now(tcp_module(), "127.0.0.1");
    CHECK_FALSE(r.success());
    CHECK_FALSE(r.has("probe_ip_protocol"));
}

TEST_CASE("A tls tcp probe verifies the server against the test CA and reports the certificate expiry") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, [](const std::string&) { return http_response(200, ""); }));
    auto module = tcp_module();
    module.tcp.tls = true;
    module.tcp.tls_config = tls_with_ca(pki.ca_cert);
    auto r = probe_now(module, server.address());
    INFO(r.error());
    REQUIRE(r.success());
    double expected = static_cast<double>(std::time(nullptr)) + 2 * 86400;
    CHECK(r.value("probe_ssl_earliest_cert_expiry") == Approx(expected).margin(120));
    CHECK(r.value("probe_ssl_last_chain_expiry_timestamp_seconds") == r.value("probe_ssl_earliest_cert_expiry"));
    CHECK(r.value("probe_tls_version_info", {{"version", "TLS 1.3"}}) == 1);
    const auto* info = r.find("probe_ssl_last_chain_info");
    REQUIRE(info != nullptr);
    REQUIRE(info->samples.size() == 1);
    CHECK(info->samples[0].labels[1] == std::pair<std::string, std::string>{"issuer", "CN=autoscrape-test-ca"});
    CHECK(info->samples[0].labels[2] == std::pair<std::string, std::string>{"subject", "CN=localhost"});
    CHECK(info->samples[0].labels[3] == std::pair<std::string, std::string>{"subjectalternative", "localhost"});
}

TEST_CASE("A tls tcp probe fails when the certificate is not signed by a trusted CA") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, [](const std::string&) { return http_response(200, ""); }));
    auto module = tcp_module();
    module.tcp.tls = true;
    auto r = probe_now(module, server.address());
    CHECK_FALSE(r.success());
    CHECK_FALSE(r.has("probe_ssl_earliest_cert_expiry"));
}

TEST_CASE("A tls tcp probe with insecure_skip_verify succeeds and reports no verified chain") {
    TestPki pki(2);
    LoopbackServer server(https_session(pki, [](const std::string&) { return http_response(200, ""); }));
    auto module = tcp_module();
    module.tcp.tls = true;
    module.tcp.tls_config = tls_insecure();
    auto r = probe_now(module, server.address());
    CHECK(r.success());
    CHECK(r.value("probe_ssl_last_chain_expiry_timestamp_seconds") == -62135596800.0);
}

TEST_CASE("A postgres probe sends the 8-byte SSLRequest and accepts an 'N' answer") {
    auto seen = std::make_shared<std::vector<std::uint8_t>>();
    LoopbackServer server(fixed_reply(8, {'N'}, seen));
    auto r = probe_now(tcp_module(Prober::Postgres), server.address());
    CHECK(r.success());
    CHECK(*seen == std::vector<std::uint8_t>(kPostgresSslRequest.begin(), kPostgresSslRequest.end()));
}

TEST_CASE("A postgres probe accepts an 'S' answer") {
    LoopbackServer server(fixed_reply(8, {'S'}));
    CHECK(probe_now(tcp_module(Prober::Postgres), server.address()).success());
}

TEST_CASE("A postgres probe of a server that answers something else fails") {
    LoopbackServer server(fixed_reply(8, {'H', 'T', 'T', 'P'}));
    auto r = probe_now(tcp_module(Prober::Postgres), server.address());
    CHECK_FALSE(r.success());
    CHECK(r.error().find("not a PostgreSQL server") != std::string::npos);
}

TEST_CASE("A postgres probe of a server that closes without answering fails") {
    LoopbackServer server(fixed_reply(8, {}));
    CHECK_FALSE(probe_now(tcp_module(Prober::Postgres), server.address()).success());
}

TEST_CASE("A bolt probe succeeds when the server picks a proposed version") {
    LoopbackServer v44(bolt_server({{4, 4}}));
    CHECK(probe_now(tcp_module(Prober::Bolt), v44.address()).success());
    LoopbackServer v52(bolt_server({{5, 2}}));
    CHECK(probe_now(tcp_module(Prober::Bolt), v52.address()).success());
    LoopbackServer v30(bolt_server({{3, 0}}));
    CHECK(probe_now(tcp_module(Prober::Bolt), v30.address()).success());
}

TEST_CASE("A bolt probe fails when the server supports none of the proposals") {
    LoopbackServer server(bolt_server({{2, 0}}));
    auto r = probe_now(tcp_module(Prober::Bolt), server.address());
    CHECK_FALSE(r.success());
    CHECK(r.error().find("none of the proposed versions") != std::string::npos);
}

TEST_CASE("A bolt probe of an HTTP server fails") {
    LoopbackServer server(fixed_reply(20, {'H', 'T', 'T', 'P'}));
    auto r = probe_now(tcp_module(Prober::Bolt), server.address());
    CHECK_FALSE(r.success());
    CHECK(r.error().find("not a Bolt server") != std::string::npos);
}

TEST_CASE("Only versions inside a proposal's range count as a Bolt answer") {
    CHECK(bolt_version_offered({0, 0, 4, 5}));
    CHECK(bolt_version_offered({0, 0, 0, 5}));
    CHECK(bolt_version_offered({0, 0, 2, 4}));
    CHECK(bolt_version_offered({0, 0, 0, 4}));
    CHECK_FALSE(bolt_version_offered({0, 0, 5, 5}));
    CHECK_FALSE(bolt_version_offered({0, 0, 1, 3}));
    CHECK_FALSE(bolt_version_offered({1, 0, 4, 4}));
}

TEST_CASE("A handshake probe against a peer that never answers ends at the module timeout") {
    // A listening socket nobody accepts from: the kernel completes the TCP handshake, then silence.
    asio::io_context ioc;
    tcp::acceptor blackhole(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::string target = "127.0.0.1:" + std::to_string(blackhole.local_endpoint().port());
    for (auto prober : {Prober::Postgres, Prober::Bolt}) {
        auto r = probe_now(tcp_module(prober, 700), target);
        CHECK_FALSE(r.success());
        CHECK(r.value("probe_duration_seconds") == Approx(0.7).margin(0.2));
        CHECK(r.error().find("timeout") != std::string::npos);
    }
}
