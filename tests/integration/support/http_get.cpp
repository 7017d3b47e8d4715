#include "tests/integration/support/http_get.hpp"

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace autoscrape::testing {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

HttpReply http_request(const std::string& method, const std::string& host, unsigned short port,
                       const std::string& target, const std::string& body, std::chrono::milliseconds timeout) {
    HttpReply reply;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, host);
    request.body() = body;
    request.prepare_payload();
    http::response<http::string_body> response;
    beast::flat_buffer buffer;
    stream.expires_after(timeout);
    tcp::resolver resolver(ioc);
    resolver.async_resolve(host, std::to_string(port), [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return void(reply.error = ec.message());
        stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
            if (ec) return void(reply.error = ec.message());
            http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
                if (ec) return void(reply.error = ec.message());
                http::async_read(stream, buffer, response, [&](beast::error_code ec, std::size_t) {
                    if (ec) return void(reply.error = ec.message());
                    reply.status = static_cast<int>(response.result_int());
                    reply.body = response.body();
                });
            });
        });
    });
    ioc.run();
    return reply;
}

bool wait_for_status(const std::string& host, unsigned short port, const std::string& target, int status,
                     std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (http_request("GET", host, port, target, {}, std::chrono::seconds(1)).status == status) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace autoscrape::testing
