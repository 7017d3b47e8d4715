#include "tests/integration/support/http_get.hpp"

#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

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

HostPort parse_loopback_url(const std::string& url) {
    const auto start = url.find("://");
    const auto rest = url.substr(start == std::string::npos ? 0 : start + 3);
    const auto colon = rest.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("no port in URL " + url);
    return {rest.substr(0, colon), static_cast<unsigned short>(std::stoi(rest.substr(colon + 1)))};
}

std::string url_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

unsigned short free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

}  // namespace autoscrape::testing
