#include "tests/unit/remote/test_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <snappy.h>

namespace autoscrape::remote::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

TestReceiver::TestReceiver(std::function<Reply(std::size_t)> script) : script_(std::move(script))
{
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("test receiver: cannot listen on loopback");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

TestReceiver::~TestReceiver()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        for (int fd : fds_) {
            ::shutdown(fd, SHUT_RDWR);  // wakes a handler blocked in read
        }
    }
    acceptor_.join();
    for (auto& t : threads_) {
        t.join();
    }
    ::close(listen_fd_);
}

std::string TestReceiver::url() const
{
    return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/write";
}

std::vector<Received> TestReceiver::received() const
{
    std::lock_guard lock(mu_);
    return received_;
}

std::size_t TestReceiver::connections() const
{
    std::lock_guard lock(mu_);
    return connections_;
}

std::size_t TestReceiver::accepted_samples() const
{
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& r : received_) {
        if (r.status >= 200 && r.status < 300) {
            for (const auto& ts : r.request.timeseries()) {
                n += static_cast<std::size_t>(ts.samples_size());
            }
        }
    }
    return n;
}

bool TestReceiver::wait_for_samples(std::size_t n, std::chrono::milliseconds timeout) const
{
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (accepted_samples() < n) {
        if (std::chrono::steady_clock::now() >= until) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void TestReceiver::accept_loop()
{
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) {
                return;
            }
        }
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) {
            continue;
        }
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        std::lock_guard lock(mu_);
        if (stopping_) {
            ::close(fd);
            return;
        }
        ++connections_;
        fds_.push_back(fd);
        threads_.emplace_back([this, fd] { serve(fd); });
    }
}

void TestReceiver::serve(int fd)
{
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.assign(asio::ip::tcp::v4(), fd);
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        beast::error_code ec;
        http::read(socket, buffer, req, ec);
        if (ec) {
            break;
        }
        Received rec;
        rec.at = std::chrono::steady_clock::now();
        rec.body_bytes = req.body().size();
        for (const auto& field : req) {
            std::string name(field.name_string());
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            rec.headers[name] = std::string(field.value());
        }
        std::string raw;
        if (snappy::Uncompress(req.body().data(), req.body().size(), &raw)) {
            rec.request.ParseFromString(raw);
        }
        Reply reply;
        {
            std::lock_guard lock(mu_);
            if (script_) {
                reply = script_(received_.size());
            }
            rec.status = reply.reset ? 0 : reply.status;
            received_.push_back(std::move(rec));
        }
        if (reply.delay.count() > 0) {
            std::this_thread::sleep_for(reply.delay);
        }
        if (reply.reset) {
            socket.set_option(asio::socket_base::linger(true, 0), ec);
            break;
        }
        http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
        if (!reply.retry_after.empty()) {
            res.set(http::field::retry_after, reply.retry_after);
        }
        res.body() = reply.body;
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec || !req.keep_alive()) {
            break;
        }
    }
    // Out of the list before the socket closes it, so the destructor never touches a reused fd.
    std::lock_guard lock(mu_);
    fds_.erase(std::find(fds_.begin(), fds_.end(), fd));
}

}  // namespace autoscrape::remote::test
