// Loopback plumbing for the agent tests: a server running on its own threads, and a Beast client
// whose every operation is bounded by a deadline, so no test can hang on a misbehaving server.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/http_server.hpp"

namespace autoscrape::agent::test {

using namespace std::chrono_literals;
using Milliseconds = std::chrono::milliseconds;

// A loopback listener on a free port, with test-sized limits.
config::WebConfig loopback_config();

// Runs an HttpServer on `threads` io threads. Routes are added by `routes` before start().
class ServerFixture {
public:
    explicit ServerFixture(const config::WebConfig& config = loopback_config(),
                           const std::function<void(HttpServer&, ServerFixture&)>& routes = {}, int threads = 1);
    ~ServerFixture();

    boost::asio::ip::tcp::endpoint endpoint() const { return server.local_endpoint(); }
    // Runs `work` on a helper thread that the fixture joins before it stops the server.
    void spawn(std::function<void()> work);
    // Polls (bounded by `timeout`) until the server counts `count` open connections.
    bool wait_for_open_connections(std::size_t count, Milliseconds timeout = 2s) const;

    boost::asio::io_context ioc;
    HttpServer server;

private:
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> io_threads_;
    std::mutex helpers_mutex_;
    std::vector<std::thread> helpers_;
};

class TestClient {
public:
    explicit TestClient(boost::asio::ip::tcp::endpoint endpoint);

    boost::beast::error_code connect(Milliseconds timeout = 2s);
    boost::beast::error_code send_raw(std::string_view bytes, Milliseconds timeout = 2s);
    boost::beast::error_code send(Request request, Milliseconds timeout = 2s);
    // The next response; `head` says it answers a HEAD request (so it has no body).
    boost::beast::error_code read(Response& response, bool head = false, Milliseconds timeout = 2s);
    // Sends a GET (keep-alive) for `target` and reads the answer; throws on any I/O error.
    Response get(const std::string& target);
    // Reads until the server closes; returns end_of_stream/eof/reset when it did, timeout if not.
    boost::beast::error_code wait_closed(Milliseconds timeout = 2s);

private:
    boost::beast::error_code run(Milliseconds timeout, const std::function<void(std::function<void(boost::beast::error_code)>)>& start);

    boost::asio::ip::tcp::endpoint endpoint_;
    boost::asio::io_context ioc_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
};

Request make_request(http::verb method, const std::string& target, std::string body = {});

}  // namespace autoscrape::agent::test
