#include "http_test_support.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <stdexcept>

namespace autoscrape::agent::test {

namespace net = boost::asio;
namespace beast = boost::beast;

config::WebConfig loopback_config() {
    config::WebConfig config;
    config.listen_address = "127.0.0.1:0";
    config.max_connections = 8;
    config.max_header_bytes = 1024;
    config.max_body_bytes = 256;
    config.read_timeout = 300ms;
    return config;
}

ServerFixture::ServerFixture(const config::WebConfig& config,
                             const std::function<void(HttpServer&, ServerFixture&)>& routes, int threads)
    : server(ioc, config), work_(net::make_work_guard(ioc)) {
    if (routes) routes(server, *this);
    server.start();
    for (int i = 0; i < threads; ++i) io_threads_.emplace_back([this] { ioc.run(); });
}

ServerFixture::~ServerFixture() {
    {
        const std::lock_guard lock(helpers_mutex_);
        for (auto& helper : helpers_) helper.join();
    }
    server.stop();
    work_.reset();
    for (auto& thread : io_threads_) thread.join();
}

void ServerFixture::spawn(std::function<void()> work) {
    const std::lock_guard lock(helpers_mutex_);
    helpers_.emplace_back(std::move(work));
}

bool ServerFixture::wait_for_open_connections(std::size_t count, Milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (server.open_connections() == count) return true;
        std::this_thread::sleep_for(5ms);
    }
    return server.open_connections() == count;
}

TestClient::TestClient(net::ip::tcp::endpoint endpoint) : endpoint_(endpoint), stream_(ioc_) {}

beast::error_code TestClient::run(Milliseconds timeout,
                                  const std::function<void(std::function<void(beast::error_code)>)>& start) {
    beast::error_code result = net::error::would_block;
    stream_.expires_after(timeout);
    start([&result](beast::error_code ec) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
}

beast::error_code TestClient::connect(Milliseconds timeout) {
    return run(timeout, [this](auto done) { stream_.async_connect(endpoint_, [done](beast::error_code ec) { done(ec); }); });
}

beast::error_code TestClient::send_raw(std::string_view bytes, Milliseconds timeout) {
    return run(timeout, [&](auto done) {
        net::async_write(stream_, net::buffer(bytes), [done](beast::error_code ec, std::size_t) { done(ec); });
    });
}

beast::error_code TestClient::send(Request request, Milliseconds timeout) {
    request.prepare_payload();
    return run(timeout, [&](auto done) {
        http::async_write(stream_, request, [done](beast::error_code ec, std::size_t) { done(ec); });
    });
}

beast::error_code TestClient::read(Response& response, bool head, Milliseconds timeout) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    auto ec = run(timeout, [&](auto done) {
        http::async_read(stream_, buffer_, parser, [done](beast::error_code e, std::size_t) { done(e); });
    });
    if (!ec) response = parser.release();
    return ec;
}

Response TestClient::get(const std::string& target) {
    if (auto ec = send(make_request(http::verb::get, target))) throw std::runtime_error("send: " + ec.message());
    Response response;
    if (auto ec = read(response)) throw std::runtime_error("read: " + ec.message());
    return response;
}

beast::error_code TestClient::wait_closed(Milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<Milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) return beast::error::timeout;
        const auto ec = run(left, [&](auto done) {
            stream_.async_read_some(buffer_.prepare(4096), [this, done](beast::error_code e, std::size_t n) {
                buffer_.commit(n);
                done(e);
            });
        });
        if (ec) return ec;
    }
}

Request make_request(http::verb method, const std::string& target, std::string body) {
    Request request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
}

}  // namespace autoscrape::agent::test
