#include "agent/remote/write_client.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "agent/remote/headers.hpp"
#include "config/remote_headers.hpp"

namespace autoscrape::remote {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxErrorText = 256;
// Receivers answer with short bodies; a longer one is read up to this and then treated as an error.
constexpr std::uint64_t kMaxResponseBody = 64 * 1024;

bool valid_port(std::string_view port)
{
    return port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Url {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target;
};

Url parse_url(const std::string& url)
{
    Url u;
    std::string_view rest = url;
    if (rest.starts_with("https://")) {
        u.tls = true;
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else {
        throw std::invalid_argument("remote_write url must start with http:// or https://: " + url);
    }
    const auto slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    std::string_view port;
    if (authority.starts_with('[')) {  // [ipv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            throw std::invalid_argument("remote_write url has an unterminated IPv6 address: " + url);
        }
        u.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size() && authority[close + 1] == ':') {
            port = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (u.host.empty() || !valid_port(port)) {
        throw std::invalid_argument("remote_write url has no valid host[:port]: " + url);
    }
    u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
    return u;
}

std::string base64(std::string_view in)
{
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string truncated(std::string_view s)
{
    return std::string(s.substr(0, kMaxErrorText));
}

}  // namespace

struct WriteClient::Impl {
    explicit Impl(const config::RemoteWriteConfig& config);

    WriteResult send_once(std::string_view body, std::chrono::steady_clock::time_point deadline, bool& reused);
    void drive(const std::function<void()>& abort);
    beast::error_code connect(std::chrono::steady_clock::time_point deadline);
    template <class Stream>
    beast::error_code exchange(Stream& stream, std::chrono::steady_clock::time_point deadline);
    void close();
    void add_header(std::string_view name, std::string_view value);

    Url url;
    std::chrono::milliseconds timeout;
    std::string tls_server_name;
    bool tls_verify = true;
    asio::io_context ioc;
    std::optional<asio::ssl::context> ssl_ctx;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    // The request line and every header but Content-Length, made once: Beast's serializer walked
    // the fields, and the body was copied into the request, at every send.
    std::string head;
    std::string length_line;   // "Content-Length: n" and the blank line that ends the head
    std::string_view payload;  // the body being sent
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::function<bool()> cancelled;
};

// Runs the queued operations to completion, closing the connection (which completes them with
// operation_aborted) as soon as the caller cancels.
void WriteClient::Impl::drive(const std::function<void()>& abort)
{
    ioc.restart();
    bool aborted = false;
    while (!ioc.stopped()) {
        ioc.run_for(std::chrono::milliseconds(50));
        if (!aborted && !ioc.stopped() && cancelled && cancelled()) {
            abort();
            aborted = true;
        }
    }
}

WriteClient::Impl::Impl(const config::RemoteWriteConfig& config)
    : url(parse_url(config.url)), timeout(config.remote_timeout)
{
    const bool default_port = url.port == (url.tls ? "443" : "80");
    const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    head = "POST " + url.target + " HTTP/1.1\r\n";
    add_header("Host", default_port ? host : host + ":" + url.port);
    for (const auto& h : remote_write_headers()) {
        add_header(h.name, h.value);
    }
    for (const auto& [name, value] : config.headers) {
        if (config::is_reserved_header(name)) {
            throw std::invalid_argument("remote_write header '" + name + "' is reserved and cannot be set");
        }
        add_header(name, value);
    }
    if (config.basic_auth) {
        add_header("Authorization",
                   "Basic " + base64(config.basic_auth->username + ":" + config.basic_auth->password.reveal()));
    } else if (config.authorization) {
        add_header("Authorization", config.authorization->type + " " + config.authorization->credentials.reveal());
    }
    if (!url.tls) {
        return;
    }
    ssl_ctx.emplace(asio::ssl::context::tls_client);
    const config::TlsConfig tls = config.tls_config.value_or(config::TlsConfig{});
    tls_server_name = tls.server_name.empty() ? url.host : tls.server_name;
    tls_verify = !tls.insecure_skip_verify;
    try {
        if (tls.ca_file.empty()) {
            ssl_ctx->set_default_verify_paths();
        } else {
            ssl_ctx->load_verify_file(tls.ca_file);
        }
        if (!tls.cert_file.empty()) {
            ssl_ctx->use_certificate_chain_file(tls.cert_file);
            ssl_ctx->use_private_key_file(tls.key_file, asio::ssl::context::pem);
        }
    } catch (const boost::system::system_error& e) {
        throw std::invalid_argument("remote_write tls_config: " + std::string(e.what()));
    }
    ssl_ctx->set_verify_mode(tls_verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
}

void WriteClient::Impl::add_header(std::string_view name, std::string_view value)
{
    if (config::breaks_header_line(name, value)) {
        throw std::invalid_argument("remote_write header '" + std::string(name) + "' has a line break or colon in its name, or a line break in its value");
    }
    head.append(name).append(": ").append(value).append("\r\n");
}

void WriteClient::Impl::close()
{
    beast::error_code ignored;
    if (plain) {
        plain->socket().close(ignored);
        plain.reset();
    }
    if (secure) {
        beast::get_lowest_layer(*secure).socket().close(ignored);
        secure.reset();
    }
    buffer.clear();
}

beast::error_code WriteClient::Impl::connect(std::chrono::steady_clock::time_point deadline)
{
    beast::error_code result;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(deadline - std::chrono::steady_clock::now());
    resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) {
            result = ec;
            return;
        }
        stream.async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) { result = ec2; });
    });
    drive([&] {
        resolver.cancel();
        stream.close();
    });
    if (result) {
        return result;
    }
    stream.socket().set_option(tcp::no_delay(true));
    if (!url.tls) {
        plain.emplace(std::move(stream));
        return {};
    }
    secure.emplace(std::move(stream), *ssl_ctx);
    if (!SSL_set_tlsext_host_name(secure->native_handle(), tls_server_name.c_str())) {
        return beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    }
    if (tls_verify) {
        secure->set_verify_callback(asio::ssl::host_name_verification(tls_server_name));
    }
    beast::get_lowest_layer(*secure).expires_after(deadline - std::chrono::steady_clock::now());
    secure->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec) { result = ec; });
    drive([&] { beast::get_lowest_layer(*secure).close(); });
    return result;
}

template <class Stream>
beast::error_code WriteClient::Impl::exchange(Stream& stream, std::chrono::steady_clock::time_point deadline)
{
    beast::error_code result;
    beast::get_lowest_layer(stream).expires_after(deadline - std::chrono::steady_clock::now());
    parser.emplace();
    parser->body_limit(kMaxResponseBody);
    const std::array<asio::const_buffer, 3> request{asio::buffer(head), asio::buffer(length_line),
                                                    asio::buffer(payload)};
    asio::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            result = ec;
            return;
        }
        http::async_read(stream, buffer, *parser, [&](beast::error_code ec2, std::size_t) { result = ec2; });
    });
    drive([&] { beast::get_lowest_layer(stream).close(); });
    return result;
}

WriteResult WriteClient::Impl::send_once(std::string_view body, std::chrono::steady_clock::time_point deadline,
                                         bool& reused)
{
    WriteResult out;
    reused = plain.has_value() || secure.has_value();
    if (!reused) {
        if (const auto ec = connect(deadline)) {
            close();
            out.error = "connect: " + ec.message();
            return out;
        }
    }
    length_line.assign("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    payload = body;
    const auto ec = plain ? exchange(*plain, deadline) : exchange(*secure, deadline);
    if (ec) {
        close();
        out.error = ec.message();
        return out;
    }
    const auto& res = parser->get();
    out.status = static_cast<int>(res.result_int());
    if (const auto it = res.find(http::field::retry_after); it != res.end()) {
        out.retry_after = std::string(it->value());
    }
    if (out.status < 200 || out.status >= 300) {
        out.error = truncated(res.body());
    }
    if (!res.keep_alive()) {
        close();
    }
    reused = false;  // a response arrived: nothing to retry
    return out;
}

WriteClient::WriteClient(const config::RemoteWriteConfig& config) : impl_(std::make_unique<Impl>(config)) {}

WriteClient::~WriteClient()
{
    impl_->close();
}

WriteResult WriteClient::send(std::string_view body, std::chrono::steady_clock::time_point deadline,
                              const std::function<bool()>& cancelled)
{
    impl_->cancelled = cancelled;
    deadline = std::min(deadline, std::chrono::steady_clock::now() + impl_->timeout);
    bool reused = false;
    auto result = impl_->send_once(body, deadline, reused);
    if (result.status == 0 && reused && std::chrono::steady_clock::now() < deadline &&
        !(cancelled && cancelled())) {
        // The server may have closed the idle connection just as we reused it; Go's transport
        // retries that case too. A second failure on a fresh connection is real.
        result = impl_->send_once(body, deadline, reused);
    }
    return result;
}

}  // namespace autoscrape::remote
