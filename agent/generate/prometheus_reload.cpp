#include "agent/generate/prometheus_reload.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace autoscrape::generate {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

struct Endpoint {
    std::string host;
    std::string port = "80";
    std::string base_path;  // without the trailing slash
};

// http://host[:port][/path]; "" host when the URL is not one.
Endpoint parse_http_url(const std::string& url) {
    constexpr std::string_view kScheme = "http://";
    Endpoint out;
    if (!url.starts_with(kScheme)) return out;
    const std::string rest = url.substr(kScheme.size());
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) out.base_path = rest.substr(slash);
    while (out.base_path.ends_with('/')) out.base_path.pop_back();
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
        out.port = authority.substr(colon + 1);
        authority.resize(colon);
    }
    if (authority.starts_with('[') && authority.ends_with(']')) authority = authority.substr(1, authority.size() - 2);
    out.host = authority;
    return out;
}

asio::awaitable<std::string> post_reload(const Endpoint& endpoint, std::chrono::milliseconds timeout) {
    auto executor = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(executor);
    beast::tcp_stream stream(executor);
    const auto addresses = co_await resolver.async_resolve(endpoint.host, endpoint.port, asio::use_awaitable);
    stream.expires_after(timeout);
    co_await stream.async_connect(addresses, asio::use_awaitable);
    http::request<http::empty_body> request(http::verb::post, endpoint.base_path + "/-/reload", 11);
    request.set(http::field::host, endpoint.host);
    request.set(http::field::user_agent, "autoscrape");
    request.prepare_payload();  // Content-Length: 0, as a POST without a body should say
    co_await http::async_write(stream, request, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
    const auto& response = parser.get();
    if (response.result_int() / 100 == 2) co_return std::string();
    co_return "HTTP " + std::to_string(response.result_int()) + ": " + response.body().substr(0, 200);
}

}  // namespace

std::string reload_prometheus(const std::string& url, std::chrono::milliseconds timeout) {
    const Endpoint endpoint = parse_http_url(url);
    if (endpoint.host.empty()) return "only http:// URLs can be reloaded, not '" + url + "'";
    asio::io_context io;
    std::string outcome = "timed out after " + std::to_string(timeout.count()) + " ms";
    asio::co_spawn(io, post_reload(endpoint, timeout), [&](std::exception_ptr error, std::string result) {
        if (!error) {
            outcome = std::move(result);
            return;
        }
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& e) {
            outcome = e.what();
        }
    });
    // The stream's expiry bounds connect and I/O; this bounds name resolution as well.
    io.run_for(timeout);
    return outcome;
}

}  // namespace autoscrape::generate
