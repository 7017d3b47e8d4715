#include "probe_test_support.hpp"

#include "probes/probe.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace autoscrape::probes::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxRequestBytes = 64 << 10;

template <class Stream>
asio::awaitable<void> serve_http(Stream& stream, const std::function<std::string(const std::string&)>& respond,
                                 int delay_ms) {
    std::string request;
    auto [ec, n] = co_await asio::async_read_until(stream, asio::dynamic_buffer(request, kMaxRequestBytes),
                                                   "\r\n\r\n", kAsTuple);
    if (ec) co_return;
    if (delay_ms > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(delay_ms));
        co_await timer.async_wait(kAsTuple);
    }
    std::string response = respond(request.substr(0, n));
    co_await asio::async_write(stream, asio::buffer(response), kAsTuple);
}

void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

LoopbackServer::LoopbackServer(Session session)
    : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(
        ioc_,
        [this, session = std::move(session)]() -> asio::awaitable<void> {
            for (;;) {
                auto [ec, socket] = co_await acceptor_.async_accept(kAsTuple);
                if (ec) co_return;
                asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
            }
        },
        asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
}

LoopbackServer::~LoopbackServer() {
    ioc_.stop();
    thread_.join();
}

std::string http_response(int status, const std::string& body, const std::string& extra_headers) {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

Session http_session(std::function<std::string(const std::string&)> respond, int delay_ms) {
    return [respond = std::move(respond), delay_ms](tcp::socket socket) -> asio::awaitable<void> {
        co_await serve_http(socket, respond, delay_ms);
    };
}

TestPki::TestPki(int days) {
    char pattern[] = "/tmp/probes-pki-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    ca_cert = dir + "/ca.pem";
    leaf_cert = dir + "/leaf.pem";
    leaf_key = dir + "/leaf.key";
    run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir + "/ca.key -out " + ca_cert +
        " -days 30 -subj /CN=autoscrape-test-ca");
    run("openssl req -newkey rsa:2048 -nodes -keyout " + leaf_key + " -out " + dir + "/leaf.csr -subj /CN=localhost");
    std::ofstream(dir + "/ext.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    run("openssl x509 -req -in " + dir + "/leaf.csr -CA " + ca_cert + " -CAkey " + dir +
        "/ca.key -CAcreateserial -out " + leaf_cert + " -days " + std::to_string(days) + " -extfile " + dir +
        "/ext.cnf");
}

TestPki::~TestPki() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

Session https_session(const TestPki& pki, std::function<std::string(const std::string&)> respond) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    context->use_certificate_chain_file(pki.leaf_cert);
    context->use_private_key_file(pki.leaf_key, asio::ssl::context::pem);
    return [context, respond = std::move(respond)](tcp::socket socket) -> asio::awaitable<void> {
        asio::ssl::stream<tcp::socket> stream(std::move(socket), *context);
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kAsTuple);
        if (ec) co_return;
        co_await serve_http(stream, respond, 0);
    };
}

unsigned short refused_port() {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

ProbeResult probe_now(const config::ProbeModule& module, const std::string& target) {
    asio::io_context ioc;
    ProbeResult out;
    spawn_probe(ioc.get_executor(), module, target, [&](ProbeResult r) { out = std::move(r); });
    ioc.run();
    return out;
}

config::TlsConfig tls_with_ca(const std::string& ca_file, const std::string& server_name) {
    config::TlsConfig tls;
    tls.ca_file = ca_file;
    tls.server_name = server_name;
    return tls;
}

config::TlsConfig tls_insecure() {
    config::TlsConfig tls;
    tls.insecure_skip_verify = true;
    return tls;
}

config::ProbeModule http_module(int timeout_ms) {
    config::ProbeModule m;
    m.prober = config::ProbeModule::Prober::Http;
    m.timeout = config::Duration(timeout_ms);
    return m;
}

config::ProbeModule tcp_module(config::ProbeModule::Prober prober, int timeout_ms) {
    config::ProbeModule m;
    m.prober = prober;
    m.timeout = config::Duration(timeout_ms);
    return m;
}

}  // namespace autoscrape::probes::testing
