#include "scrape_fixtures.hpp"

#include <algorithm>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <zlib.h>

#include "agent/storage/series.hpp"
#include "agent/storage/stale.hpp"

namespace autoscrape::scrape::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct TestServer::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;
    mutable std::mutex mutex;
    Reply reply;
    std::map<std::string, std::string> headers;
    std::set<std::shared_ptr<tcp::socket>> sockets;

    asio::awaitable<void> sleep(std::chrono::milliseconds d) {
        asio::steady_timer t(io, d);
        co_await t.async_wait(kTuple);
    }

    asio::awaitable<void> serve(TestServer& owner, std::shared_ptr<tcp::socket> socket) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(*socket, buffer, req, kTuple);
            if (ec) break;
            ++owner.requests_;
            Reply r;
            {
                std::lock_guard lock(mutex);
                r = reply;
                headers.clear();
                for (const auto& f : req) {
                    std::string name(f.name_string());
                    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
                    headers[name] = std::string(f.value());
                }
            }
            if (r.delay.count() > 0) co_await sleep(r.delay);
            const std::string body = r.gzip ? gzip(r.body) : r.body;
            std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", r.status,
                                           std::string_view(http::obsolete_reason(http::int_to_status(r.status))),
                                           r.content_type);
            if (r.gzip) head += "Content-Encoding: gzip\r\n";
            if (r.close) head += "Connection: close\r\n";
            if (r.chunked)
                head += "Transfer-Encoding: chunked\r\n";
            else
                head += "Content-Length: " + (r.content_length.empty() ? std::to_string(body.size()) : r.content_length) + "\r\n";
            head += "\r\n";
            std::tie(ec, n) = co_await asio::async_write(*socket, asio::buffer(head), kTuple);
            if (ec) break;
            if (r.chunked) {
                constexpr std::size_t kChunk = 64 << 10;
                for (std::size_t off = 0; off < body.size() && !ec; off += kChunk) {
                    const auto piece = std::string_view(body).substr(off, kChunk);
                    const std::string chunk = fmt::format("{:x}\r\n{}\r\n", piece.size(), piece);
                    std::tie(ec, n) = co_await asio::async_write(*socket, asio::buffer(chunk), kTuple);
                    if (off == 0 && r.stall.count() > 0) co_await sleep(r.stall);
                }
                if (!ec) std::tie(ec, n) = co_await asio::async_write(*socket, asio::buffer("0\r\n\r\n", 5), kTuple);
            } else {
                if (r.stall.count() > 0) co_await sleep(r.stall);
                std::tie(ec, n) = co_await asio::async_write(*socket, asio::buffer(body), kTuple);
            }
            if (ec || r.close) break;
        }
        boost::system::error_code ignored;
        socket->close(ignored);
        std::lock_guard lock(mutex);
        sockets.erase(socket);
    }

    asio::awaitable<void> listen(TestServer& owner) {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(io);
            auto [ec] = co_await acceptor.async_accept(*socket, kTuple);
            if (ec) co_return;
            ++owner.connections_;
            {
                std::lock_guard lock(mutex);
                sockets.insert(socket);
            }
            asio::co_spawn(io, serve(owner, socket), asio::detached);
        }
    }
};

TestServer::TestServer(unsigned short port) : impl_(std::make_unique<Impl>()) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    asio::co_spawn(impl_->io, impl_->listen(*this), asio::detached);
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

TestServer::~TestServer() {
    impl_->io.stop();
    impl_->thread.join();
}

void TestServer::set_reply(Reply reply) {
    std::lock_guard lock(impl_->mutex);
    impl_->reply = std::move(reply);
}

std::map<std::string, std::string> TestServer::last_headers() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->headers;
}

void TestServer::drop_connections() {
    asio::post(impl_->io, [this] {
        std::lock_guard lock(impl_->mutex);
        for (const auto& s : impl_->sockets) {
            boost::system::error_code ignored;
            s->close(ignored);
        }
    });
    // Let the server thread run the close before the test goes on.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::vector<storage::Sample> Recorded::samples(const std::string& name) {
    std::lock_guard lock(mutex);
    std::vector<storage::Sample> out;
    for (const auto& s : committed) {
        for (const auto& [n, v] : labels[s.ref - 1])
            if (n == "__name__" && v == name) out.push_back(s);
    }
    return out;
}

const storage::Labels& Recorded::labels_of(storage::SeriesRef ref) {
    std::lock_guard lock(mutex);
    return labels.at(ref - 1);
}

std::size_t Recorded::forget_all() {
    std::lock_guard lock(mutex);
    for (const auto& [_, ref] : refs) forgotten.insert(ref);
    const auto count = refs.size();
    refs.clear();
    return count;
}

bool Recorded::was_forgotten(storage::SeriesRef ref) {
    std::lock_guard lock(mutex);
    return forgotten.contains(ref);
}

storage::SeriesRef RecordingAppender::series(storage::Labels labels) {
    storage::sort_labels(labels);
    std::lock_guard lock(rec_->mutex);
    const auto [it, inserted] = rec_->refs.emplace(labels, rec_->labels.size() + 1);
    if (inserted) rec_->labels.push_back(labels);
    return it->second;
}

void RecordingAppender::append(storage::SeriesRef ref, std::int64_t timestamp_ms, double value) {
    pending_.push_back({ref, timestamp_ms, value});
}

void RecordingAppender::commit() {
    std::lock_guard lock(rec_->mutex);
    const auto unknown = [this](const storage::Sample& s) { return rec_->forgotten.contains(s.ref); };
    if (std::any_of(pending_.begin(), pending_.end(),
                    [&](const storage::Sample& s) { return unknown(s) && !storage::is_stale_nan(s.value); })) {
        pending_.clear();
        ++rec_->unknown_series_errors;
        throw storage::UnknownSeriesError("recording appender: sample for a forgotten ref");
    }
    std::erase_if(pending_, unknown);
    rec_->committed.insert(rec_->committed.end(), pending_.begin(), pending_.end());
    pending_.clear();
}

void RecordingAppender::rollback() {
    std::lock_guard lock(rec_->mutex);
    pending_.clear();
    ++rec_->rollbacks;
}

std::string gzip(const std::string& text) {
    z_stream zs{};
    deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, text.size()) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    zs.avail_in = static_cast<uInt>(text.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

}  // namespace autoscrape::scrape::testing
