#include "discovery/docker_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fmt/format.h>

#include <openssl/err.h>

#include <cctype>
#include <charconv>
#include <variant>

namespace autoscrape::discovery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using boost::system::error_code;

namespace {

constexpr std::size_t kMaxVersionBytes = 64 << 10;
constexpr std::string_view kUserAgent = "autoscrape/0.1";

using UnixStream = beast::basic_stream<asio::local::stream_protocol>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

auto with_ec(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// "1.41" -> {1, 41}; {-1, -1} when malformed.
std::pair<int, int> parse_api_version(std::string_view v) {
    int major = -1, minor = -1;
    auto dot = v.find('.');
    if (dot == std::string_view::npos) return {-1, -1};
    auto r1 = std::from_chars(v.data(), v.data() + dot, major);
    auto r2 = std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
    if (r1.ec != std::errc{} || r1.ptr != v.data() + dot || r2.ec != std::errc{} || r2.ptr != v.data() + v.size())
        return {-1, -1};
    return {major, minor};
}

Result<Ok> split_host_port(std::string_view hostport, std::string_view default_port, DockerHost& out) {
    if (auto slash = hostport.find('/'); slash != std::string_view::npos) hostport = hostport.substr(0, slash);
    std::string_view host = hostport, port = default_port;
    if (hostport.starts_with('[')) {
        auto close = hostport.find(']');
        if (close == std::string_view::npos) return Error{"unterminated [ in docker host"};
        host = hostport.substr(1, close - 1);
        if (close + 1 < hostport.size()) {
            if (hostport[close + 1] != ':') return Error{"garbage after ] in docker host"};
            port = hostport.substr(close + 2);
        }
    } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
    }
    if (host.empty() || port.empty()) return Error{"docker host needs host and port"};
    out.host = std::string(host);
    out.port = std::string(port);
    return Ok{};
}

std::string env_or(const Getenv& getenv, const char* name, std::string fallback) {
    const char* v = getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

template <class Stream>
void close_stream(Stream& s) {
    error_code ec;
    beast::get_lowest_layer(s).socket().close(ec);
}

// Engine error bodies are {"message": "..."}; keep a short, printable excerpt in our errors.
std::string excerpt(std::string_view body) {
    std::string out(body.substr(0, 200));
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return out;
}

}  // namespace

// One HTTP connection to the engine over whichever transport DockerHost names.
class DockerClient::Connection {
public:
    using Stream = std::variant<UnixStream, beast::tcp_stream, TlsStream>;

    Connection(DockerClient& owner, Stream stream) : owner_(owner), stream_(std::move(stream)) {
        it_ = owner_.open_.insert(owner_.open_.end(), this);
    }
    ~Connection() {
        close();
        owner_.open_.erase(it_);
    }

    void close() {
        std::visit([](auto& s) { close_stream(s); }, stream_);
    }

    template <class F>
    auto visit(F&& f) {
        return std::visit(std::forward<F>(f), stream_);
    }

private:
    DockerClient& owner_;
    Stream stream_;
    std::list<Connection*>::iterator it_;
};

Result<DockerHost> resolve_docker_host(const config::DockerConfig& config, const Getenv& getenv) {
    DockerHost h;
    h.url = !config.host.empty() ? config.host : env_or(getenv, "DOCKER_HOST", "unix:///var/run/docker.sock");
    std::string_view url = h.url;
    if (url.starts_with("unix://")) {
        h.kind = DockerHost::Kind::Unix;
        h.path = std::string(url.substr(7));
        if (h.path.empty()) return Error{fmt::format("docker host {}: empty socket path", h.url)};
        return h;
    }
    h.kind = DockerHost::Kind::Tcp;
    const bool env_tls = getenv("DOCKER_TLS_VERIFY") != nullptr && *getenv("DOCKER_TLS_VERIFY") != '\0';
    const bool env_tls_noverify = getenv("DOCKER_TLS") != nullptr && *getenv("DOCKER_TLS") != '\0';
    std::string_view rest;
    if (url.starts_with("tcp://")) rest = url.substr(6);
    else if (url.starts_with("http://")) rest = url.substr(7);
    else if (url.starts_with("https://")) {
        rest = url.substr(8);
        h.tls = true;
    } else {
        return Error{fmt::format("docker host {}: unsupported scheme, use unix:// or tcp://", h.url)};
    }
    if (config.tls_config) {
        h.tls = true;
        h.tls_verify = !config.tls_config->insecure_skip_verify;
        h.ca_file = config.tls_config->ca_file;
        h.cert_file = config.tls_config->cert_file;
        h.key_file = config.tls_config->key_file;
        h.server_name = config.tls_config->server_name;
    } else if (env_tls || env_tls_noverify) {
        h.tls = true;
        h.tls_verify = env_tls;
        const std::string dir = env_or(getenv, "DOCKER_CERT_PATH", env_or(getenv, "HOME", "") + "/.docker");
        h.ca_file = dir + "/ca.pem";
        h.cert_file = dir + "/cert.pem";
        h.key_file = dir + "/key.pem";
    }
    auto split = split_host_port(rest, h.tls ? "2376" : "2375", h);
    if (!split) return Error{fmt::format("docker host {}: {}", h.url, split.error().message)};
    if (h.server_name.empty()) h.server_name = h.host;
    return h;
}

Result<std::string> negotiate_api_version(const VersionInfo& engine) {
    const auto ours = parse_api_version(kMaxApiVersion);
    const auto theirs = parse_api_version(engine.api_version);
    if (theirs.first < 0) return Error{fmt::format("engine reports a malformed API version '{}'", engine.api_version)};
    const auto chosen = std::min(ours, theirs);
    if (chosen < parse_api_version(kMinApiVersion))
        return Error{fmt::format("engine API {} is older than the oldest we support ({})", engine.api_version,
                                 kMinApiVersion)};
    if (const auto engine_min = parse_api_version(engine.min_api_version); engine_min.first >= 0 && chosen < engine_min)
        return Error{fmt::format("engine needs API >= {}, we speak up to {}", engine.min_api_version, kMaxApiVersion)};
    return fmt::format("{}.{}", chosen.first, chosen.second);
}

std::string percent_encode(std::string_view value) {
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

DockerClient::DockerClient(asio::any_io_executor executor, DockerHost host, std::chrono::milliseconds timeout)
    : executor_(std::move(executor)), host_(std::move(host)), timeout_(timeout) {}

DockerClient::~DockerClient() = default;

void DockerClient::cancel() {
    cancelled_ = true;
    for (Connection* c : open_) c->close();
}

awaitable<Result<std::unique_ptr<DockerClient::Connection>>> DockerClient::connect() {
    if (cancelled_) co_return Error{"docker client stopped"};
    error_code ec;
    if (host_.kind == DockerHost::Kind::Unix) {
        auto conn = std::make_unique<Connection>(*this, Connection::Stream(std::in_place_type<UnixStream>, executor_));
        co_await conn->visit([&](auto& s) -> awaitable<void> {
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, UnixStream>) {
                s.expires_after(timeout_);
                co_await s.async_connect(asio::local::stream_protocol::endpoint(host_.path), with_ec(ec));
            }
            co_return;
        });
        if (ec == asio::error::access_denied)
            co_return Error{fmt::format("cannot connect to {}: {} (this user needs read-write access to the socket, "
                                        "usually membership of the docker group)",
                                        host_.url, ec.message())};
        if (ec) co_return Error{fmt::format("cannot connect to {}: {}", host_.url, ec.message())};
        co_return conn;
    }

    asio::ip::tcp::resolver resolver(executor_);
    auto endpoints = co_await resolver.async_resolve(host_.host, host_.port, with_ec(ec));
    if (ec) co_return Error{fmt::format("cannot resolve {}: {}", host_.url, ec.message())};
    if (!host_.tls) {
        auto conn = std::make_unique<Connection>(*this, Connection::Stream(std::in_place_type<beast::tcp_stream>, executor_));
        co_await conn->visit([&](auto& s) -> awaitable<void> {
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, beast::tcp_stream>) {
                s.expires_after(timeout_);
                co_await s.async_connect(endpoints, with_ec(ec));
                if (!ec) s.socket().set_option(asio::socket_base::keep_alive(true), ec);
            }
            co_return;
        });
        if (ec) co_return Error{fmt::format("cannot connect to {}: {}", host_.url, ec.message())};
        co_return conn;
    }

    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_verify_mode(host_.tls_verify ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
    if (!ec) host_.ca_file.empty() ? ctx.set_default_verify_paths(ec) : ctx.load_verify_file(host_.ca_file, ec);
    if (!ec && !host_.cert_file.empty()) ctx.use_certificate_chain_file(host_.cert_file, ec);
    if (!ec && !host_.key_file.empty()) ctx.use_private_key_file(host_.key_file, asio::ssl::context::pem, ec);
    if (ec) co_return Error{fmt::format("TLS setup for {}: {}", host_.url, ec.message())};
    auto conn = std::make_unique<Connection>(*this, Connection::Stream(std::in_place_type<TlsStream>, executor_, ctx));
    co_await conn->visit([&](auto& s) -> awaitable<void> {
        if constexpr (std::is_same_v<std::decay_t<decltype(s)>, TlsStream>) {
            auto& tcp = beast::get_lowest_layer(s);
            tcp.expires_after(timeout_);
            co_await tcp.async_connect(endpoints, with_ec(ec));
            if (ec) co_return;
            tcp.socket().set_option(asio::socket_base::keep_alive(true), ec);
            if (!SSL_set_tlsext_host_name(s.native_handle(), host_.server_name.c_str())) {
                ec = error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
                co_return;
            }
            if (host_.tls_verify) s.set_verify_callback(asio::ssl::host_name_verification(host_.server_name), ec);
            if (!ec) co_await s.async_handshake(asio::ssl::stream_base::client, with_ec(ec));
        }
        co_return;
    });
    if (ec) co_return Error{fmt::format("cannot connect to {}: {}", host_.url, ec.message())};
    co_return conn;
}

namespace {

http::request<http::empty_body> make_get(const DockerHost& host, std::string target) {
    http::request<http::empty_body> req{http::verb::get, std::move(target), 11};
    req.set(http::field::host, host.kind == DockerHost::Kind::Unix ? std::string("docker") : host.host);
    req.set(http::field::user_agent, kUserAgent);
    return req;
}

// One request/response with a deadline covering connect, write and read.
template <class Stream>
awaitable<Result<std::string>> exchange(Stream& s, const http::request<http::empty_body>& req, std::size_t max_body,
                                        std::chrono::milliseconds timeout) {
    error_code ec;
    beast::get_lowest_layer(s).expires_after(timeout);
    co_await http::async_write(s, req, with_ec(ec));
    if (ec) co_return Error{fmt::format("GET {}: send failed: {}", req.target(), ec.message())};
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    co_await http::async_read(s, buffer, parser, with_ec(ec));
    if (ec == http::error::body_limit)
        co_return Error{fmt::format("GET {}: response larger than {} bytes", req.target(), max_body)};
    if (ec) co_return Error{fmt::format("GET {}: {}", req.target(), ec.message())};
    auto& res = parser.get();
    if (res.result() != http::status::ok)
        co_return Error{fmt::format("GET {}: HTTP {}: {}", req.target(), res.result_int(), excerpt(res.body()))};
    co_return std::move(res.body());
}

template <class Stream>
awaitable<Result<Ok>> stream_events(Stream& s, const http::request<http::empty_body>& req,
                                    std::chrono::milliseconds timeout, const std::function<void()>& on_subscribed,
                                    const std::function<void(std::string_view)>& on_event, std::size_t max_event) {
    error_code ec;
    beast::get_lowest_layer(s).expires_after(timeout);
    co_await http::async_write(s, req, with_ec(ec));
    if (ec) co_return Error{fmt::format("GET {}: send failed: {}", req.target(), ec.message())};
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    co_await http::async_read_header(s, buffer, parser, with_ec(ec));
    if (ec) co_return Error{fmt::format("GET {}: {}", req.target(), ec.message())};
    if (parser.get().result() != http::status::ok)
        co_return Error{fmt::format("GET {}: HTTP {}", req.target(), parser.get().result_int())};
    // Events are rare; an idle stream is healthy. A dead engine closes the socket, and TCP
    // keepalive covers a vanished remote host.
    beast::get_lowest_layer(s).expires_never();
    on_subscribed();

    std::string pending;
    char chunk[16 * 1024];
    while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        co_await http::async_read_some(s, buffer, parser, with_ec(ec));
        if (ec == http::error::need_buffer) ec = {};
        if (ec) co_return Error{fmt::format("event stream: {}", ec.message())};
        pending.append(chunk, sizeof chunk - parser.get().body().size);
        std::size_t start = 0;
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
            if (nl > start) on_event(std::string_view(pending).substr(start, nl - start));
            start = nl + 1;
        }
        pending.erase(0, start);
        if (pending.size() > max_event)
            co_return Error{fmt::format("event stream: an event exceeds {} bytes", max_event)};
    }
    co_return Error{"event stream: the engine ended the stream"};
}

}  // namespace

awaitable<Result<VersionInfo>> DockerClient::negotiate() {
    auto conn = co_await connect();
    if (!conn) co_return conn.error();
    auto req = make_get(host_, "/version");
    auto body = co_await conn.value()->visit(
        [&](auto& s) { return exchange(s, req, kMaxVersionBytes, timeout_); });
    if (!body) co_return body.error();
    auto info = parse_version(body.value());
    if (!info) co_return info.error();
    auto chosen = negotiate_api_version(info.value());
    if (!chosen) co_return chosen.error();
    api_version_ = chosen.value();
    co_return info;
}

awaitable<Result<std::string>> DockerClient::get(std::string target, std::size_t max_body) {
    if (api_version_.empty()) co_return Error{"API version not negotiated"};
    auto conn = co_await connect();
    if (!conn) co_return conn.error();
    auto req = make_get(host_, "/v" + api_version_ + target);
    co_return co_await conn.value()->visit([&](auto& s) { return exchange(s, req, max_body, timeout_); });
}

awaitable<Result<Ok>> DockerClient::follow_events(std::string query, std::function<void()> on_subscribed,
                                                  std::function<void(std::string_view)> on_event,
                                                  std::size_t max_event_bytes) {
    if (api_version_.empty()) co_return Error{"API version not negotiated"};
    auto conn = co_await connect();
    if (!conn) co_return conn.error();
    auto req = make_get(host_, "/v" + api_version_ + "/events" + query);
    co_return co_await conn.value()->visit([&](auto& s) {
        return stream_events(s, req, timeout_, on_subscribed, on_event, max_event_bytes);
    });
}

}  // namespace autoscrape::discovery
