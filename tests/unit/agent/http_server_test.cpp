// HttpServer over real loopback connections: routing, keep-alive, limits, deadlines, shutdown.
#include <atomic>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <system_error>

#include "http_test_support.hpp"

namespace autoscrape::agent::test {
namespace {

namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

void add_test_routes(HttpServer& server, ServerFixture& fixture) {
    server.handle_sync(http::verb::get, "/hello", [](const Request& request) {
        return make_response(request, http::status::ok, "hello\n");
    });
    server.handle_sync(http::verb::post, "/echo", [](const Request& request) {
        return make_response(request, http::status::ok, request.body());
    });
    server.handle_sync(http::verb::get, "/throw", [](const Request&) -> Response {
        throw std::runtime_error("handler failed on purpose");
    });
    server.handle(http::verb::get, "/async", [&fixture](const Request& request, Responder respond) {
        fixture.spawn([response = make_response(request, http::status::ok, "async\n"), respond]() mutable {
            std::this_thread::sleep_for(20ms);
            respond(std::move(response));
        });
    });
    server.handle(http::verb::get, "/dropped", [](const Request&, const Responder&) {});
    server.handle(http::verb::get, "/twice", [](const Request& request, const Responder& respond) {
        respond(make_response(request, http::status::ok, "first\n"));
        respond(make_response(request, http::status::ok, "second\n"));
    });
}

config::WebConfig config_with(const std::function<void(config::WebConfig&)>& change) {
    auto config = loopback_config();
    change(config);
    return config;
}

bool closed_by_server(const beast::error_code& ec) {
    return ec == beast::http::error::end_of_stream || ec == boost::asio::error::eof ||
           ec == boost::asio::error::connection_reset;
}

}  // namespace

TEST_CASE("A GET route answers 200 with its body, Content-Length and Server header", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const auto response = client.get("/hello");
    CHECK(response.result() == http::status::ok);
    CHECK(response.body() == "hello\n");
    CHECK(response[http::field::content_length] == "6");
    CHECK(response[http::field::server] == server_header());
    CHECK(server_header().starts_with("autoscrape/"));
}

TEST_CASE("An unknown path answers 404", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    CHECK(client.get("/nope").result() == http::status::not_found);
}

TEST_CASE("A known path with the wrong method answers 405 and lists the allowed methods", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE_FALSE(client.send(make_request(http::verb::post, "/hello", "x")));
    Response response;
    REQUIRE_FALSE(client.read(response));
    CHECK(response.result() == http::status::method_not_allowed);
    CHECK(response[http::field::allow] == "GET, HEAD");
}

TEST_CASE("HEAD on a GET route answers the GET headers and no body", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE_FALSE(client.send(make_request(http::verb::head, "/hello")));
    Response head;
    REQUIRE_FALSE(client.read(head, true));
    CHECK(head.result() == http::status::ok);
    CHECK(head[http::field::content_length] == "6");
    // Had the server sent a body, it would now be read in place of the next response.
    CHECK(client.get("/hello").body() == "hello\n");
}

TEST_CASE("The query string does not take part in route matching", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    CHECK(client.get("/hello?target=x&module=y").body() == "hello\n");
}

TEST_CASE("Several requests are served in turn on one keep-alive connection", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    for (int i = 0; i < 5; ++i) {
        const auto response = client.get("/hello");
        REQUIRE(response.result() == http::status::ok);
        CHECK(response.keep_alive());
    }
    CHECK(fixture.server.open_connections() == 1);
}

TEST_CASE("Pipelined requests sent in one write are answered in order", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE_FALSE(client.send_raw("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
                                  "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nping"));
    Response first, second;
    REQUIRE_FALSE(client.read(first));
    REQUIRE_FALSE(client.read(second));
    CHECK(first.body() == "hello\n");
    CHECK(second.body() == "ping");
}

TEST_CASE("An HTTP/1.0 request without keep-alive is answered in 1.0 and the connection closed", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE_FALSE(client.send_raw("GET /hello HTTP/1.0\r\n\r\n"));
    Response response;
    REQUIRE_FALSE(client.read(response));
    CHECK(response.version() == 10);
    CHECK(response.body() == "hello\n");
    CHECK(closed_by_server(client.wait_closed()));
}

TEST_CASE("An HTTP/1.0 client asking for keep-alive keeps its connection", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    for (int i = 0; i < 2; ++i) {
        REQUIRE_FALSE(client.send_raw("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        Response response;
        REQUIRE_FALSE(client.read(response));
        CHECK(response.body() == "hello\n");
        CHECK(response.keep_alive());
    }
}

TEST_CASE("A request header over max_header_bytes is answered 431 and the connection closed", "[http][limits]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    auto request = make_request(http::verb::get, "/hello");
    request.set("X-Padding", std::string(2000, 'a'));
    REQUIRE_FALSE(client.send(request));
    Response response;
    REQUIRE_FALSE(client.read(response));
    CHECK(response.result() == http::status::request_header_fields_too_large);
    CHECK_FALSE(response.keep_alive());
    CHECK(closed_by_server(client.wait_closed()));
}

TEST_CASE("A request body over max_body_bytes is answered 413", "[http][limits]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE_FALSE(client.send(make_request(http::verb::post, "/echo", std::string(1000, 'b'))));
    Response response;
    REQUIRE_FALSE(client.read(response));
    CHECK(response.result() == http::status::payload_too_large);
    CHECK(closed_by_server(client.wait_closed()));
}

TEST_CASE("A request body within max_body_bytes reaches the handler whole", "[http][limits]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const std::string body(256, 'c');
    REQUIRE_FALSE(client.send(make_request(http::verb::post, "/echo", body)));
    Response response;
    REQUIRE_FALSE(client.read(response));
    CHECK(response.body() == body);
}

TEST_CASE("A malformed request is answered 400 and the connection closed", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE_FALSE(client.send_raw("NOT A REQUEST\r\n\r\n"));
    Response response;
    REQUIRE_FALSE(client.read(response));
    CHECK(response.result() == http::status::bad_request);
    CHECK(closed_by_server(client.wait_closed()));
}

TEST_CASE("A client trickling its request is closed at read_timeout while another client is served quickly",
          "[http][limits]") {
    const auto config = config_with([](auto& c) { c.read_timeout = 1000ms; });
    ServerFixture fixture(config, add_test_routes);

    std::atomic<bool> slow_closed{false};
    Milliseconds slow_lifetime{0};
    beast::error_code slow_end;
    std::thread slow([&] {
        TestClient client(fixture.endpoint());
        if (client.connect()) return;
        const auto start = Clock::now();
        const std::string request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(100, 's');
        for (char byte : request) {  // at most ~5 s of trickling, far beyond the deadline
            if (client.send_raw(std::string_view(&byte, 1))) break;
            std::this_thread::sleep_for(50ms);
        }
        slow_end = client.wait_closed(2s);
        slow_lifetime = std::chrono::duration_cast<Milliseconds>(Clock::now() - start);
        slow_closed = true;
    });

    std::this_thread::sleep_for(200ms);  // the slow client is mid-request
    TestClient fast(fixture.endpoint());
    REQUIRE_FALSE(fast.connect());
    for (int i = 0; i < 5; ++i) {
        const auto start = Clock::now();
        CHECK(fast.get("/hello").result() == http::status::ok);
        CHECK(Clock::now() - start < 300ms);
    }
    CHECK_FALSE(slow_closed.load());
    slow.join();

    CHECK(closed_by_server(slow_end));
    CHECK(slow_lifetime >= 900ms);
    CHECK(slow_lifetime < 2500ms);
}

TEST_CASE("An idle keep-alive connection is closed after read_timeout", "[http][limits]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE(client.get("/hello").result() == http::status::ok);
    const auto start = Clock::now();
    CHECK(closed_by_server(client.wait_closed(2s)));
    CHECK(Clock::now() - start >= 250ms);
}

TEST_CASE("Connections over max_connections get 503 and are closed while the ones within are served",
          "[http][limits]") {
    const auto config = config_with([](auto& c) {
        c.max_connections = 2;
        c.read_timeout = 5000ms;
    });
    ServerFixture fixture(config, add_test_routes);
    TestClient first(fixture.endpoint()), second(fixture.endpoint());
    REQUIRE_FALSE(first.connect());
    REQUIRE_FALSE(second.connect());
    REQUIRE(first.get("/hello").result() == http::status::ok);
    REQUIRE(second.get("/hello").result() == http::status::ok);

    for (int i = 0; i < 20; ++i) {
        TestClient extra(fixture.endpoint());
        REQUIRE_FALSE(extra.connect());
        REQUIRE_FALSE(extra.send(make_request(http::verb::get, "/hello")));
        Response response;
        REQUIRE_FALSE(extra.read(response));
        CHECK(response.result() == http::status::service_unavailable);
        CHECK(closed_by_server(extra.wait_closed()));
    }
    const auto start = Clock::now();
    CHECK(first.get("/hello").result() == http::status::ok);
    CHECK(second.get("/hello").result() == http::status::ok);
    CHECK(Clock::now() - start < 300ms);
    CHECK(fixture.server.open_connections() == 2);
}

TEST_CASE("Beyond max_connections 503s in flight, new connections are closed without an answer",
          "[http][limits]") {
    const auto config = config_with([](auto& c) {
        c.max_connections = 1;
        c.read_timeout = 5000ms;
    });
    ServerFixture fixture(config, add_test_routes);
    TestClient served(fixture.endpoint()), rejected(fixture.endpoint()), dropped(fixture.endpoint());
    REQUIRE_FALSE(served.connect());
    REQUIRE(served.get("/hello").result() == http::status::ok);

    // `rejected` reads its 503 but keeps its end open, so the server's 503 slot stays taken.
    REQUIRE_FALSE(rejected.connect());
    Response response;
    REQUIRE_FALSE(rejected.read(response));
    CHECK(response.result() == http::status::service_unavailable);

    REQUIRE_FALSE(dropped.connect());
    CHECK(closed_by_server(dropped.read(response)));
    CHECK(served.get("/hello").result() == http::status::ok);
}

TEST_CASE("A slot freed under max_connections goes to the next client", "[http][limits]") {
    const auto config = config_with([](auto& c) {
        c.max_connections = 1;
        c.read_timeout = 5000ms;
    });
    ServerFixture fixture(config, add_test_routes);
    {
        TestClient first(fixture.endpoint());
        REQUIRE_FALSE(first.connect());
        REQUIRE(first.get("/hello").result() == http::status::ok);
    }
    REQUIRE(fixture.wait_for_open_connections(0));
    TestClient next(fixture.endpoint());
    REQUIRE_FALSE(next.connect());
    CHECK(next.get("/hello").result() == http::status::ok);
}

TEST_CASE("A handler that throws answers 500 and the connection keeps serving", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    CHECK(client.get("/throw").result() == http::status::internal_server_error);
    CHECK(client.get("/hello").body() == "hello\n");
}

TEST_CASE("An async handler can respond from another thread", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes, 2);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const auto response = client.get("/async");
    CHECK(response.result() == http::status::ok);
    CHECK(response.body() == "async\n");
    CHECK(client.get("/hello").body() == "hello\n");
}

TEST_CASE("A responder dropped without being called answers 500", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    const auto response = client.get("/dropped");
    CHECK(response.result() == http::status::internal_server_error);
    CHECK(response.body() == "handler did not respond\n");
}

TEST_CASE("Only the first call of a responder is sent", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    CHECK(client.get("/twice").body() == "first\n");
    CHECK(client.get("/hello").body() == "hello\n");
}

TEST_CASE("stop() closes open connections and the listener, and may be called twice", "[http]") {
    const auto config = config_with([](auto& c) { c.read_timeout = 5000ms; });
    ServerFixture fixture(config, add_test_routes);
    TestClient client(fixture.endpoint());
    REQUIRE_FALSE(client.connect());
    REQUIRE(client.get("/hello").result() == http::status::ok);

    fixture.server.stop();
    fixture.server.stop();
    CHECK(closed_by_server(client.wait_closed(2s)));

    beast::error_code refused;
    for (int attempt = 0; attempt < 40 && refused != boost::asio::error::connection_refused; ++attempt) {
        TestClient late(fixture.endpoint());
        refused = late.connect(200ms);
        if (refused != boost::asio::error::connection_refused) std::this_thread::sleep_for(25ms);
    }
    CHECK(refused == boost::asio::error::connection_refused);
}

TEST_CASE("Binding an address already in use throws std::system_error naming the address", "[http]") {
    ServerFixture fixture(loopback_config(), add_test_routes);
    const std::string taken = "127.0.0.1:" + std::to_string(fixture.endpoint().port());
    auto config = loopback_config();
    config.listen_address = taken;
    boost::asio::io_context ioc;
    HttpServer second(ioc, config);
    CHECK_THROWS_AS(second.start(), std::system_error);
    CHECK_THROWS_WITH(second.start(), Catch::Matchers::Contains(taken));
}

TEST_CASE("A listen address without a valid port throws naming it", "[http]") {
    boost::asio::io_context ioc;
    for (const std::string address : {"localhost", "127.0.0.1:http", "127.0.0.1:70000"}) {
        auto config = loopback_config();
        config.listen_address = address;
        HttpServer server(ioc, config);
        CHECK_THROWS_WITH(server.start(), Catch::Matchers::Contains(address));
    }
}

TEST_CASE("A listen address without a host listens on every interface, IPv4 loopback included", "[http]") {
    const auto config = config_with([](auto& c) { c.listen_address = ":0"; });
    ServerFixture fixture(config, add_test_routes);
    TestClient client({boost::asio::ip::make_address("127.0.0.1"), fixture.endpoint().port()});
    REQUIRE_FALSE(client.connect());
    CHECK(client.get("/hello").body() == "hello\n");
}

}  // namespace autoscrape::agent::test
