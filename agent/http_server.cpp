#include "agent/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <spdlog/spdlog.h>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace autoscrape::agent {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;

namespace {

// After an error response the client may still be sending; reading (and discarding) until it
// closes keeps our kernel from answering with a reset that can destroy the response in flight.
constexpr std::chrono::milliseconds kLingerTime{1'000};
// Accept fails when the process is out of descriptors; retrying at once would spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

// "host:port", "[v6]:port" or ":port" (every interface); throws naming the address when the
// port is missing or not a number.
std::pair<std::string, std::uint16_t> parse_listen_address(const std::string& address) {
    const auto colon = address.rfind(':');
    const auto port = colon == std::string::npos ? std::string_view{} : std::string_view(address).substr(colon + 1);
    std::uint16_t value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size()) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "listen address \"" + address + "\" has no valid port");
    }
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host, value};
}

std::string current_exception_text() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "non-standard exception";
    }
}

}  // namespace

std::string server_header() {
    return std::string("autoscrape/") + AUTOSCRAPE_VERSION;
}

Response make_response(const Request& request, http::status status, std::string body,
                       std::string content_type) {
    Response response{status, request.version()};
    response.set(http::field::server, server_header());
    response.set(http::field::content_type, std::move(content_type));
    response.keep_alive(request.keep_alive());
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

// Shared by the server and its sessions, so a session that outlives the server stays valid.
struct HttpServer::State {
    explicit State(const config::WebConfig& c) : config(c) {}

    const config::WebConfig config;
    std::map<std::string, std::map<http::verb, Handler>, std::less<>> routes;

    mutable std::mutex mutex;
    std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
    std::uint64_t next_id = 0;
    std::size_t served = 0;    // sessions counted against max_connections
    std::size_t rejecting = 0;  // sessions sending their 503
    bool stopped = false;
};

class HttpServer::Session : public std::enable_shared_from_this<Session> {
public:
    enum class Role { Serve, Reject };

    Session(tcp::socket&& socket, std::shared_ptr<State> state, std::uint64_t id, Role role)
        : stream_(std::move(socket)), state_(std::move(state)), id_(id), role_(role) {}

    ~Session() {
        const std::lock_guard lock(state_->mutex);
        state_->sessions.erase(id_);
        --(role_ == Role::Serve ? state_->served : state_->rejecting);
    }

    void run() {
        auto step = role_ == Role::Serve ? &Session::do_read : &Session::reject;
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(step, shared_from_this()));
    }

    void close() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
            self->stream_.close();
        });
    }

    // Delivers a handler's response on the session's strand, whichever thread it comes from.
    void deliver(Response response) {
        net::post(stream_.get_executor(),
                  [self = shared_from_this(), r = std::move(response)]() mutable { self->send(std::move(r)); });
    }

    // Like deliver(), for an answer the server makes up: it is built on the strand, where the
    // request it answers may be read safely.
    void deliver_error(http::status status, std::string body) {
        net::post(stream_.get_executor(), [self = shared_from_this(), status, b = std::move(body)]() mutable {
            self->send(make_response(self->request_, status, std::move(b)));
        });
    }

private:
    // Shared by every copy of one request's Responder: the first call wins, and a responder
    // dropped uncalled still answers the client.
    struct Reply {
        explicit Reply(std::shared_ptr<Session> s) : session(std::move(s)) {}
        ~Reply() {
            if (!used.load()) session->deliver_error(http::status::internal_server_error, "handler did not respond\n");
        }
        void respond(Response response) {
            if (!used.exchange(true)) session->deliver(std::move(response));
        }
        std::shared_ptr<Session> session;
        std::atomic<bool> used{false};
    };

    void reject() {
        respond_error(http::status::service_unavailable, "too many open connections\n");
    }

    void do_read() {
        const auto& config = state_->config;
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(
            std::min<std::uint64_t>(config.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
        parser_->body_limit(config.max_body_bytes);
        // One deadline for the whole request: reads that each bring a byte do not extend it.
        stream_.expires_after(config.read_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (!ec) return dispatch_request();
        if (ec == http::error::header_limit) {
            return respond_error(http::status::request_header_fields_too_large, "request header too large\n");
        }
        if (ec == http::error::body_limit) return respond_error(http::status::payload_too_large, "request body too large\n");
        const bool parse_error = ec.category() == http::make_error_code(http::error::bad_method).category() &&
                                 ec != http::error::end_of_stream && ec != http::error::partial_message;
        if (parse_error) return respond_error(http::status::bad_request, "malformed request\n");
        // Closed by the client, by the deadline (the stream is already closed) or by stop().
        if (ec == http::error::end_of_stream) shutdown_send();
    }

    void dispatch_request() {
        request_ = parser_->release();
        const std::string_view path = path_of(request_.target());
        const auto route = state_->routes.find(path);
        if (route == state_->routes.end()) return send(make_response(request_, http::status::not_found, "not found\n"));

        const auto& methods = route->second;
        auto handler = methods.find(request_.method());
        if (handler == methods.end() && request_.method() == http::verb::head) handler = methods.find(http::verb::get);
        if (handler == methods.end()) return send(method_not_allowed(methods));

        auto reply = std::make_shared<Reply>(shared_from_this());
        try {
            handler->second(request_, [reply](Response response) { reply->respond(std::move(response)); });
        } catch (...) {
            spdlog::error("http handler for {} {} failed: {}", std::string(http::to_string(handler->first)),
                          route->first, current_exception_text());
            reply->respond(make_response(request_, http::status::internal_server_error, "internal server error\n"));
        }
    }

    Response method_not_allowed(const std::map<http::verb, Handler>& methods) const {
        std::string allow;
        for (const auto& [verb, handler] : methods) {
            if (!allow.empty()) allow += ", ";
            allow += std::string(http::to_string(verb));
            if (verb == http::verb::get && !methods.contains(http::verb::head)) allow += ", HEAD";
        }
        auto response = make_response(request_, http::status::method_not_allowed, "method not allowed\n");
        response.set(http::field::allow, allow);
        return response;
    }

    // An answer to a request we could not read whole: the rest of the stream is unusable.
    void respond_error(http::status status, std::string body) {
        request_ = {};
        auto response = make_response(request_, status, std::move(body));
        response.keep_alive(false);
        send(std::move(response));
    }

    void send(Response response) {
        response.version(request_.version() == 10 ? 10 : 11);
        response.set(http::field::server, server_header());
        if (!request_.keep_alive()) response.keep_alive(false);
        response.prepare_payload();
        if (request_.method() == http::verb::head) {
            const auto length = response.body().size();
            response.body().clear();
            response.content_length(length);
        }
        response_ = std::move(response);
        stream_.expires_after(state_->config.read_timeout);
        http::async_write(stream_, response_, beast::bind_front_handler(&Session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return;
        if (response_.need_eof()) return shutdown_send();
        do_read();
    }

    void shutdown_send() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return;
        stream_.expires_after(std::min<std::chrono::milliseconds>(state_->config.read_timeout, kLingerTime));
        drain();
    }

    void drain() {
        buffer_.consume(buffer_.size());
        stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec) self->drain();
        });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    Request request_;
    Response response_;  // owned here while async_write runs
    std::shared_ptr<State> state_;
    const std::uint64_t id_;
    const Role role_;
};

class HttpServer::Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(net::io_context& ioc, std::shared_ptr<State> state)
        : ioc_(ioc), acceptor_(net::make_strand(ioc)), retry_(acceptor_.get_executor()), state_(std::move(state)) {}

    tcp::endpoint listen(const std::string& address) {
        const auto [host, port] = parse_listen_address(address);
        const auto check = [&](const beast::error_code& ec) {
            if (ec) throw std::system_error(ec, "cannot listen on " + address);
        };
        beast::error_code ec;
        tcp::endpoint endpoint;
        if (host.empty()) {
            // ":port" means every interface: one dual-stack socket, or IPv4 where IPv6 is off.
            endpoint = tcp::endpoint(tcp::v6(), port);
            acceptor_.open(tcp::v6(), ec);
            if (!ec) acceptor_.set_option(net::ip::v6_only(false), ec);
            if (ec) {
                beast::error_code ignored;
                acceptor_.close(ignored);
                endpoint = tcp::endpoint(tcp::v4(), endpoint.port());
                acceptor_.open(tcp::v4(), ec);
            }
        } else {
            tcp::resolver resolver(ioc_);
            const auto results =
                resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
            check(ec);
            endpoint = results.begin()->endpoint();
            acceptor_.open(endpoint.protocol(), ec);
        }
        check(ec);
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
        check(ec);
        acceptor_.bind(endpoint, ec);
        check(ec);
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
        check(ec);
        const auto bound = acceptor_.local_endpoint(ec);
        check(ec);
        return bound;
    }

    void run() {
        net::dispatch(acceptor_.get_executor(), beast::bind_front_handler(&Listener::do_accept, shared_from_this()));
    }

    void stop() {
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->acceptor_.close(ec);
            self->retry_.cancel();
        });
    }

private:
    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {
            spdlog::warn("http accept failed: {}", ec.message());
            retry_.expires_after(kAcceptRetryDelay);
            retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec) self->do_accept();
            });
            return;
        }
        start_session(std::move(socket));
        do_accept();
    }

    void start_session(tcp::socket socket) {
        std::shared_ptr<Session> session;
        {
            const std::lock_guard lock(state_->mutex);
            if (state_->stopped) return;
            const auto cap = state_->config.max_connections;
            auto role = Session::Role::Serve;
            if (state_->served < cap) {
                ++state_->served;
            } else if (state_->rejecting < cap) {
                role = Session::Role::Reject;
                ++state_->rejecting;
            } else {
                return;  // even the 503s are at the cap: closing at once keeps descriptors bounded
            }
            const auto id = state_->next_id++;
            session = std::make_shared<Session>(std::move(socket), state_, id, role);
            state_->sessions.emplace(id, session);
        }
        session->run();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
    std::shared_ptr<State> state_;
};

HttpServer::HttpServer(net::io_context& ioc, const config::WebConfig& config)
    : ioc_(ioc), state_(std::make_shared<State>(config)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::handle(http::verb method, std::string path, Handler handler) {
    state_->routes[std::move(path)][method] = std::move(handler);
}

void HttpServer::handle_sync(http::verb method, std::string path, SyncHandler handler) {
    handle(method, std::move(path), [h = std::move(handler)](const Request& request, const Responder& respond) {
        respond(h(request));
    });
}

void HttpServer::start() {
    auto listener = std::make_shared<Listener>(ioc_, state_);
    endpoint_ = listener->listen(state_->config.listen_address);
    listener_ = std::move(listener);
    listener_->run();
}

void HttpServer::stop() {
    std::vector<std::shared_ptr<Session>> open;
    {
        const std::lock_guard lock(state_->mutex);
        if (state_->stopped) return;
        state_->stopped = true;
        for (const auto& [id, weak] : state_->sessions) {
            if (auto session = weak.lock()) open.push_back(std::move(session));
        }
    }
    if (listener_) listener_->stop();
    for (const auto& session : open) session->close();
}

tcp::endpoint HttpServer::local_endpoint() const { return endpoint_; }

std::size_t HttpServer::open_connections() const {
    const std::lock_guard lock(state_->mutex);
    return state_->served;
}

}  // namespace autoscrape::agent
