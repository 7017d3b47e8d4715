// Loopback servers for the probe tests: each runs its own io_context on its own thread, so the
// probe under test runs on the test's thread exactly as it would in the agent. Every session is
// one exchange with bounded reads; destructors stop and join.
#pragma once

#include "config/config.hpp"
#include "probes/probe_result.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace autoscrape::probes::testing {

using Session = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

class LoopbackServer {
public:
    explicit LoopbackServer(Session session);
    ~LoopbackServer();
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    unsigned short port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    boost::asio::io_context& context() { return ioc_; }

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::thread thread_;
};

// Answers each HTTP request with respond(request head) (a whole raw response), after delay_ms.
Session http_session(std::function<std::string(const std::string& request)> respond, int delay_ms = 0);
// "HTTP/1.1 <status> X\r\n" + extra headers + Content-Length + body.
std::string http_response(int status, const std::string& body, const std::string& extra_headers = {});

// A test CA and a leaf for 127.0.0.1 / localhost valid for `days`, made with the openssl CLI.
struct TestPki {
    explicit TestPki(int days);
    ~TestPki();
    std::string dir, ca_cert, leaf_cert, leaf_key;
};

// Wraps an HTTP session in TLS with the PKI's leaf certificate.
Session https_session(const TestPki& pki, std::function<std::string(const std::string&)> respond);

// A port on 127.0.0.1 that refuses connections (bound, then closed).
unsigned short refused_port();

// Runs the module against target on a fresh io_context on this thread.
ProbeResult probe_now(const config::ProbeModule& module, const std::string& target);

config::TlsConfig tls_with_ca(const std::string& ca_file, const std::string& server_name = {});
config::TlsConfig tls_insecure();

config::ProbeModule http_module(int timeout_ms = 2000);
config::ProbeModule tcp_module(config::ProbeModule::Prober prober = config::ProbeModule::Prober::Tcp,
                               int timeout_ms = 2000);

}  // namespace autoscrape::probes::testing
