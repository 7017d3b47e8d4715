// The agent's own HTTP endpoint: /metrics, health, readiness, reload, and later /targets and /probe.
//
// Every request is untrusted input, so each connection runs under the limits of config::WebConfig:
// a cap on header and body size (431, 413), one deadline for the whole request (a client that
// trickles bytes is cut off at the deadline, not kept alive by each byte), and a cap on open
// connections. A connection over the cap is accepted, answered 503 at once without reading its
// request, and closed: a flood costs one small write per connection and never takes a slot or a
// read from a client already being served, and the flooding client learns why instead of hanging
// in the listen backlog. At most max_connections such 503s are in flight (each lingers up to a
// second for the client to close); beyond that, new connections are closed without an answer, so
// a flood cannot exhaust the process' descriptors.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace autoscrape::agent {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
// Call exactly once, from any thread, before the io_context is destroyed. A responder dropped
// without being called answers 500, so a buggy handler cannot leave a client waiting forever.
using Responder = std::function<void(Response)>;
// The request is valid only during the call; an async handler copies what it needs.
using Handler = std::function<void(const Request&, Responder)>;
using SyncHandler = std::function<Response(const Request&)>;

inline constexpr const char* kTextPlain = "text/plain; charset=utf-8";

// The value of the Server header: "autoscrape/<version>".
std::string server_header();

// A response to `request` with its HTTP version and keep-alive wish, the body, Content-Type and
// Content-Length set.
Response make_response(const Request& request, http::status status, std::string body,
                       std::string content_type = kTextPlain);

class HttpServer {
public:
    HttpServer(boost::asio::io_context& ioc, const config::WebConfig& config);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Routes match the path exactly (the query string is ignored). Register them before start():
    // the table is read without a lock once connections arrive. A GET route also answers HEAD.
    void handle(http::verb method, std::string path, Handler handler);
    void handle_sync(http::verb method, std::string path, SyncHandler handler);

    // Binds and listens on config.listen_address ("host:port", "[v6]:port", ":port" for all
    // interfaces; port 0 picks a free one). Throws std::system_error naming the address.
    void start();
    // Closes the listener and every open connection; the closes run on the io_context's threads.
    // Safe to call twice, and from any thread.
    void stop();

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    // Connections counted against max_connections (rejected ones are not).
    std::size_t open_connections() const;

private:
    struct State;
    class Listener;
    class Session;

    boost::asio::io_context& ioc_;
    std::shared_ptr<State> state_;
    std::shared_ptr<Listener> listener_;
    boost::asio::ip::tcp::endpoint endpoint_;
};

}  // namespace autoscrape::agent
