#include "fake_engine.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <stdexcept>

#include <stdlib.h>

namespace autoscrape::discovery::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using stream_protocol = asio::local::stream_protocol;

namespace {

constexpr std::string_view kVersion = R"({"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"})";
const std::string kNetworkId = std::string(64, 'e');

std::string ok_response(std::string_view body, std::size_t content_length) {
    return fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
                       "Connection: close\r\n\r\n{}",
                       content_length, body);
}

}  // namespace

std::string container_id(int i) { return fmt::format("c{:063d}", i); }

struct FakeEngine::Stream {
    explicit Stream(stream_protocol::socket s) : socket(std::move(s)) {}
    stream_protocol::socket socket;
};

FakeEngine::FakeEngine() : acceptor_(io_) {
    char templ[] = "/tmp/asfake-XXXXXX";
    if (::mkdtemp(templ) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = templ;
    socket_path_ = dir_ + "/docker.sock";
    stream_protocol::endpoint endpoint(socket_path_);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    asio::co_spawn(io_, [this]() -> asio::awaitable<void> {
        for (;;) {
            boost::system::error_code ec;
            auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return;
            serve(std::move(socket));
        }
    }, asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

FakeEngine::~FakeEngine() {
    asio::post(io_, [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
        for (auto& s : streams_) s->socket.close(ec);
        streams_.clear();
        io_.stop();
    });
    thread_.join();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void FakeEngine::set_containers(std::string json) {
    std::lock_guard lock(mutex_);
    containers_ = std::move(json);
}

void FakeEngine::set_networks(std::string json) {
    std::lock_guard lock(mutex_);
    networks_ = std::move(json);
}

void FakeEngine::push_event(std::string line) {
    asio::post(io_, [this, line = std::move(line)] {
        const auto chunk = fmt::format("{:x}\r\n{}\n\r\n", line.size() + 1, line);
        for (auto& s : streams_) {
            boost::system::error_code ec;
            asio::write(s->socket, asio::buffer(chunk), ec);
        }
    });
}

void FakeEngine::close_event_streams() {
    asio::post(io_, [this] {
        for (auto& s : streams_) {
            boost::system::error_code ec;
            s->socket.shutdown(stream_protocol::socket::shutdown_both, ec);
            s->socket.close(ec);
        }
        streams_.clear();
    });
}

std::string FakeEngine::list_answer(const std::string& json) const {
    switch (mode_.load()) {
    case Mode::Healthy: return ok_response(json, json.size());
    case Mode::Garbage: return ok_response("<html>502 Bad Gateway</html>", 29);
    case Mode::TruncatedJson: return ok_response(json.substr(0, json.size() / 2), json.size() / 2);
    case Mode::CutOff: return ok_response(json.substr(0, json.size() / 2), json.size());
    case Mode::NotHttp: return "SSH-2.0-OpenSSH_9.2p1\r\n\r\n";
    }
    return {};
}

void FakeEngine::serve(stream_protocol::socket socket) {
    asio::co_spawn(io_, [this, socket = std::move(socket)]() mutable -> asio::awaitable<void> {
        boost::system::error_code ec;
        boost::beast::flat_buffer buffer;
        http::request<http::empty_body> req;
        co_await http::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        std::string target(req.target());
        if (target.starts_with("/v")) {
            if (auto slash = target.find('/', 1); slash != std::string::npos) target.erase(0, slash);
        }
        std::string answer;
        if (target == "/version" || target == "/") {
            answer = ok_response(kVersion, kVersion.size());
        } else if (target.starts_with("/events")) {
            ++subscriptions_;
            answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            co_await asio::async_write(socket, asio::buffer(answer), asio::redirect_error(asio::use_awaitable, ec));
            if (!ec) streams_.push_back(std::make_shared<Stream>(std::move(socket)));
            co_return;
        } else {
            std::lock_guard lock(mutex_);
            answer = target.starts_with("/networks") ? list_answer(networks_) : list_answer(containers_);
        }
        co_await asio::async_write(socket, asio::buffer(answer), asio::redirect_error(asio::use_awaitable, ec));
        socket.shutdown(stream_protocol::socket::shutdown_both, ec);
    }, asio::detached);
}

std::string network_list_json(const std::string& network) {
    return boost::json::serialize(boost::json::array{
        boost::json::object{{"Id", kNetworkId}, {"Name", network}, {"Scope", "local"}, {"Driver", "bridge"}}});
}

std::string container_list_json(const std::string& network, int count, std::size_t huge_label_bytes) {
    boost::json::array list;
    list.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        boost::json::object labels{{"com.example.index", std::to_string(i)}};
        if (i == 0 && huge_label_bytes > 0) labels["com.example.huge"] = std::string(huge_label_bytes, 'x');
        const auto ip = fmt::format("10.{}.{}.{}", i / 65536, i / 256 % 256, i % 256);
        list.emplace_back(boost::json::object{
            {"Id", container_id(i)},
            {"Names", boost::json::array{fmt::format("/c{}", i)}},
            {"Image", "autoscrape-test/busybox:latest"},
            {"State", "running"},
            {"Labels", labels},
            {"HostConfig", boost::json::object{{"NetworkMode", network}}},
            {"Ports", boost::json::array{}},
            {"NetworkSettings",
             boost::json::object{{"Networks", boost::json::object{{network, boost::json::object{
                                                                               {"NetworkID", kNetworkId},
                                                                               {"IPAddress", ip}}}}}}},
        });
    }
    return boost::json::serialize(list);
}

}  // namespace autoscrape::discovery::test
