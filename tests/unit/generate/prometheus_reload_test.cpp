// POST /-/reload against a one-shot loopback server: the request line, success on 2xx, the status
// and body on anything else, and bounded failures for closed ports and unsupported URLs.
#include <catch2/catch.hpp>

#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "agent/generate/prometheus_reload.hpp"

using autoscrape::generate::reload_prometheus;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Accepts one connection, records its request head and answers with `response`; gives up after
// 5 s, so a client that never connects fails the test instead of hanging it.
class OneShotServer {
public:
    explicit OneShotServer(std::string response)
        : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), response_(std::move(response)) {
        acceptor_.async_accept(socket_, [this](boost::system::error_code error) {
            if (error) return;
            asio::async_read_until(socket_, buffer_, "\r\n\r\n", [this](boost::system::error_code error, std::size_t) {
                if (error) return;
                head_.assign(asio::buffers_begin(buffer_.data()), asio::buffers_end(buffer_.data()));
                asio::async_write(socket_, asio::buffer(response_), [this](boost::system::error_code, std::size_t) {
                    socket_.close();
                });
            });
        });
        thread_ = std::thread([this] { io_.run_for(5s); });
    }
    ~OneShotServer() {
        if (thread_.joinable()) thread_.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    std::string head() {
        thread_.join();
        return head_;
    }

private:
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::socket socket_{io_};
    asio::streambuf buffer_;
    std::string response_;
    std::string head_;
    std::thread thread_;
};

}  // namespace

TEST_CASE("a 200 answer to POST <url>/-/reload is success") {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    const auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/prom/";
    CHECK(reload_prometheus(url, 5s).empty());
    CHECK(server.head().starts_with("POST /prom/-/reload HTTP/1.1\r\n"));
}

TEST_CASE("another status is reported with the server's words") {
    OneShotServer server("HTTP/1.1 403 Forbidden\r\nContent-Length: 22\r\nConnection: close\r\n\r\nLifecycle API disabled");
    const auto error = reload_prometheus("http://127.0.0.1:" + std::to_string(server.port()), 5s);
    CHECK(error == "HTTP 403: Lifecycle API disabled");
}

TEST_CASE("a closed port and an https URL are errors, not hangs") {
    unsigned short port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        port = acceptor.local_endpoint().port();
    }
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(reload_prometheus("http://127.0.0.1:" + std::to_string(port), 2s).empty());
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK_THAT(reload_prometheus("https://prometheus:9090", 2s), Catch::Contains("only http://"));
}
