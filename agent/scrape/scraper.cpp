#include "agent/scrape/scraper.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "agent/scrape/gzip.hpp"

// GCC 12 flags Asio's coroutine frame deallocation in Scraper::scrape as mismatched new/delete;
// the frame is allocated and freed by Asio's own pair (GCC PR 109224, as in probes/meson.build).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace autoscrape::scrape {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 64 << 10;
// Beast reads at most the buffer's free capacity (at least 512 bytes): without room reserved, a
// large body arrives in 512-byte reads, each a syscall and a timer update.
constexpr std::size_t kReadChunk = 64 << 10;

struct HostPort {
    std::string host;  // without brackets
    std::string port;
};

std::optional<HostPort> split_address(std::string_view address) {
    std::size_t colon;
    HostPort out;
    if (address.starts_with('[')) {
        const auto close = address.find(']');
        if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':')
            return std::nullopt;
        out.host = address.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = address.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        out.host = address.substr(0, colon);
    }
    out.port = address.substr(colon + 1);
    if (out.host.empty() || out.port.empty()) return std::nullopt;
    return out;
}

// A body on its way in: read whole into `buffer`, or, when `sink` is set and the response is a 200
// that is not compressed, handed to the sink in pieces that end at line breaks. Then the bytes up
// to a read's last line break go to the sink straight from the read buffer; only a line cut by the
// read's end is copied into `buffer`, until the next read completes it.
struct BodyRoute {
    explicit BodyRoute(BodyBuffer& whole_or_line) : buffer(&whole_or_line) {}

    BodyBuffer* buffer;
    BodySink* sink = nullptr;
    bool streaming = false;
    bool wanted = false;           // the sink still takes pieces
    std::exception_ptr failure;    // thrown by the sink, rethrown once the read is over

    // For a new scrape, to `to` (may be null).
    void reset(BodySink* to) {
        sink = to;
        streaming = wanted = false;
        failure = nullptr;
    }

    void start(const http::response_header<>& header) {
        buffer->clear();
        const auto encoding = header[http::field::content_encoding];
        streaming = sink != nullptr && header.result() == http::status::ok &&
                    (encoding.empty() || beast::iequals(encoding, "identity"));
        wanted = streaming;
        if (streaming) sink->begin(format_from_content_type(header[http::field::content_type]));
    }

    void take(std::string_view data) {
        if (!wanted) return;
        if (!buffer->view().empty()) {
            const auto nl = data.find('\n');
            append(data.substr(0, nl == std::string_view::npos ? data.size() : nl + 1));
            if (nl == std::string_view::npos) return;
            data.remove_prefix(nl + 1);
            if (!send(buffer->view(), false)) return;
            buffer->clear();
        }
        const auto nl = data.rfind('\n');
        if (nl != std::string_view::npos) {
            if (!send(data.substr(0, nl + 1), false)) return;
            data.remove_prefix(nl + 1);
        }
        append(data);
    }

    void finish() {
        if (wanted) send(buffer->view(), true);
        buffer->clear();
    }

    void append(std::string_view data) {
        if (!data.empty()) std::memcpy(buffer->append(data.size()), data.data(), data.size());
    }

    bool send(std::string_view piece, bool last) {
        try {
            wanted = sink->piece(piece, last) && !last;
        } catch (...) {
            failure = std::current_exception();
            wanted = false;
        }
        return wanted;
    }
};

// A Beast Body that reads into the BodyRoute its message points at.
struct BufferBody {
    using value_type = BodyRoute*;

    class reader {
    public:
        // Made with the parser, before the header is read: init() is called once it is.
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>& header, value_type& route) : header_(header), route_(route) {
            static_assert(!isRequest, "a scrape reads responses");
        }

        void init(const boost::optional<std::uint64_t>& content_length, error_code& ec) {
            route_->start(header_);
            // Beast has already refused a Content-Length over body_limit.
            if (content_length && !route_->streaming) route_->buffer->reserve(static_cast<std::size_t>(*content_length));
            ec = {};
        }

        template <typename ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
            const std::size_t n = asio::buffer_size(buffers);
            if (route_->streaming) {
                for (const auto b : beast::buffers_range_ref(buffers))
                    route_->take({static_cast<const char*>(b.data()), b.size()});
            } else {
                char* out = route_->buffer->append(n);
                for (const auto b : beast::buffers_range_ref(buffers)) {
                    std::memcpy(out, b.data(), b.size());
                    out += b.size();
                }
            }
            ec = route_->failure ? make_error_code(beast::errc::operation_canceled) : error_code{};
            return n;
        }

        void finish(error_code& ec) {
            if (route_->streaming) route_->finish();
            ec = route_->failure ? make_error_code(beast::errc::operation_canceled) : error_code{};
        }

    private:
        const http::response_header<>& header_;
        value_type& route_;  // the message's pointer, set after the parser is made
    };
};

std::string seconds_text(std::chrono::milliseconds d) {
    return fmt::format("{}", static_cast<double>(d.count()) / 1000.0);
}

bool is_stale_connection_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe;
}

}  // namespace

BodyBuffer::BodyBuffer(BodyBuffer&& other) noexcept
    : data_(std::move(other.data_)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

BodyBuffer& BodyBuffer::operator=(BodyBuffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
}

void BodyBuffer::reserve(std::size_t n) {
    if (n <= capacity_) return;
    auto grown = std::make_unique_for_overwrite<char[]>(n);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = n;
}

char* BodyBuffer::append(std::size_t n) {
    if (size_ + n > capacity_) reserve(std::max(size_ + n, capacity_ * 2));
    char* at = data_.get() + size_;
    size_ += n;
    return at;
}

const std::string& scrape_user_agent() {
    static const std::string agent = std::string("autoscrape/") + AUTOSCRAPE_SCRAPE_VERSION;
    return agent;
}

struct Scraper::Impl {
    explicit Impl(asio::any_io_executor ex) : executor(std::move(ex)) {}

    asio::any_io_executor executor;
    std::optional<asio::ssl::context> tls_context;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    std::string connected_to;  // scheme://address of the open connection
    beast::flat_buffer buffer;
    // The response being read, handed to the ScrapeResponse; or, when it streams, a line the last
    // read cut short (kept, with its capacity, from scrape to scrape).
    BodyBuffer body;
    BodyRoute route{body};
    std::uint64_t opened = 0;

    void close() {
        error_code ignored;
        if (plain) plain->socket().close(ignored);
        if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
        plain.reset();
        tls.reset();
        connected_to.clear();
        buffer.clear();
    }

    // Closes the socket but keeps the stream objects: an operation in flight completes with
    // operation_aborted and its coroutine still finds the stream it was using.
    void cancel() {
        error_code ignored;
        if (plain) plain->socket().close(ignored);
        if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
        connected_to.clear();
    }

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

    // One deadline for a whole request/response exchange. Beast's stream timeout arms and cancels
    // a timer around every read and write, and each change of the reactor's earliest deadline is a
    // timerfd_settime: at 100k samples/s (64 KiB reads) that was 16% of the scrape thread's CPU.
    asio::steady_timer exchange_timer{executor};
    std::uint64_t exchanges = 0;
    bool timed_out = false;

    void arm(std::chrono::steady_clock::time_point deadline) {
        lowest().expires_never();
        timed_out = false;
        exchange_timer.expires_at(deadline);
        exchange_timer.async_wait([this, exchange = ++exchanges](error_code ec) {
            // Cancelled (also by the scraper's destruction: then nothing of it may be touched), or
            // it fired just as that exchange ended.
            if (ec || exchange != exchanges) return;
            timed_out = true;
            cancel();
        });
    }

    void disarm() {
        exchange_timer.cancel();
        ++exchanges;
    }

    asio::awaitable<std::pair<error_code, tcp::resolver::results_type>> resolve(const HostPort& hp,
                                                                                 std::chrono::milliseconds timeout) {
        using namespace asio::experimental::awaitable_operators;
        tcp::resolver resolver(executor);
        asio::steady_timer timer(executor, timeout);
        auto result = co_await (resolver.async_resolve(hp.host, hp.port, kTuple) || timer.async_wait(kTuple));
        if (result.index() == 1) co_return std::pair{error_code(asio::error::timed_out), tcp::resolver::results_type{}};
        auto [ec, results] = std::get<0>(std::move(result));
        co_return std::pair{ec, std::move(results)};
    }

    asio::awaitable<error_code> connect(const ScrapeRequest& req, const HostPort& hp,
                                        std::chrono::steady_clock::time_point deadline) {
        close();
        error_code ec;
        tcp::resolver::results_type endpoints;
        const auto ip = asio::ip::make_address(hp.host, ec);
        unsigned port = 0;
        for (const char c : hp.port) port = c >= '0' && c <= '9' && port < 65536 ? port * 10 + (c - '0') : 65536;
        if (port == 0 || port > 65535) co_return asio::error::invalid_argument;
        if (!ec) {
            endpoints = tcp::resolver::results_type::create(tcp::endpoint(ip, static_cast<std::uint16_t>(port)),
                                                            hp.host, hp.port);
        } else {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            std::tie(ec, endpoints) = co_await resolve(hp, left);
            if (ec) co_return ec;
        }
        if (req.scheme == "https") {
            if (!tls_context) {
                tls_context.emplace(asio::ssl::context::tls_client);
                tls_context->set_default_verify_paths();
                tls_context->set_verify_mode(asio::ssl::verify_peer);
            }
            tls.emplace(executor, *tls_context);
            if (!SSL_set_tlsext_host_name(tls->native_handle(), hp.host.c_str())) co_return asio::error::invalid_argument;
            tls->set_verify_callback(asio::ssl::host_name_verification(hp.host));
        } else {
            plain.emplace(executor);
        }
        lowest().expires_at(deadline);
        std::tie(ec, std::ignore) = co_await lowest().async_connect(endpoints, kTuple);
        if (!ec && tls) std::tie(ec) = co_await tls->async_handshake(asio::ssl::stream_base::client, kTuple);
        if (ec) {
            close();
            co_return ec;
        }
        ++opened;
        connected_to = req.scheme + "://" + req.address;
        co_return error_code{};
    }

    // The request's bytes, made once per target and reused: Beast's serializer walked the fields
    // and formatted the timeout again at every scrape.
    std::string request_text;
    std::string request_address;
    std::string request_target;
    std::chrono::milliseconds request_timeout{-1};

    const std::string& request_for(const ScrapeRequest& req) {
        if (req.address == request_address && req.target == request_target && req.timeout == request_timeout)
            return request_text;
        request_address = req.address;
        request_target = req.target;
        request_timeout = req.timeout;
        // Prometheus asks for gzip; our targets are containers on this host, where the transfer is
        // a memory copy and inflating costs the agent ~165 ns/sample (3x parsing it) and the
        // exporter more to deflate. So, as Prometheus with enable_compression: false, we ask for
        // identity; a server that compresses anyway is still decoded. HTTP/1.1 keeps the
        // connection alive unless a side says otherwise.
        request_text = fmt::format(
            "GET {} HTTP/1.1\r\nHost: {}\r\nAccept: {}\r\nAccept-Encoding: identity\r\nUser-Agent: {}\r\n"
            "X-Prometheus-Scrape-Timeout-Seconds: {}\r\n\r\n",
            req.target, req.address, kAcceptHeader, scrape_user_agent(), seconds_text(req.timeout));
        return request_text;
    }

    template <typename Stream>
    asio::awaitable<error_code> exchange(Stream& stream, const std::string& request,
                                         http::response_parser<BufferBody>& parser) {
        auto [wec, written] = co_await asio::async_write(stream, asio::buffer(request), kTuple);
        if (wec) co_return wec;
        buffer.reserve(kReadChunk);
        auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
        co_return rec;
    }
};

Scraper::Scraper(asio::any_io_executor executor) : impl_(std::make_unique<Impl>(std::move(executor))) {}
Scraper::~Scraper() { impl_->close(); }
void Scraper::close() { impl_->cancel(); }
std::uint64_t Scraper::connections_opened() const { return impl_->opened; }

asio::awaitable<ScrapeResponse> Scraper::scrape(const ScrapeRequest& req, BodySink* sink) {
    ScrapeResponse out;
    const auto fail = [&](std::string what) {
        impl_->close();
        out.raw.clear();
        out.error = fmt::format("Get \"{}://{}{}\": {}", req.scheme, req.address, req.target, what);
        return std::move(out);
    };
    const auto hp = split_address(req.address);
    if (!hp || (req.scheme != "http" && req.scheme != "https")) co_return fail("invalid address or scheme");
    const auto deadline = std::chrono::steady_clock::now() + req.timeout;

    const std::string& request = impl_->request_for(req);

    std::optional<http::response_parser<BufferBody>> parser;
    BodyRoute& route = impl_->route;
    route.reset(sink);
    for (int attempt = 0; attempt < 2; ++attempt) {
        // A kept-alive connection the server has closed meanwhile fails at once with nothing read:
        // that, and only that, is worth one retry on a fresh connection.
        const bool reused = impl_->connected_to == req.scheme + "://" + req.address;
        if (!reused) {
            if (const auto ec = co_await impl_->connect(req, *hp, deadline)) {
                if (ec == beast::error::timeout || ec == asio::error::timed_out)
                    co_return fail("context deadline exceeded");
                out.refused = ec == asio::error::connection_refused;
                co_return fail(fmt::format("dial tcp {}: connect: {}", req.address, ec.message()));
            }
        }
        impl_->arm(deadline);
        parser.emplace();
        parser->get().body() = &route;
        parser->header_limit(kHeaderLimit);
        // Prometheus fails a body of body_size_limit bytes or more; Beast's limit is inclusive.
        if (req.body_size_limit > 0)
            parser->body_limit(req.body_size_limit - 1);
        else
            parser->body_limit(boost::none);
        const error_code ec = impl_->tls ? co_await impl_->exchange(*impl_->tls, request, *parser)
                                         : co_await impl_->exchange(*impl_->plain, request, *parser);
        impl_->disarm();
        if (route.failure) {
            impl_->close();
            std::rethrow_exception(route.failure);
        }
        if (!ec) break;
        if (impl_->timed_out) co_return fail("context deadline exceeded");
        if (reused && attempt == 0 && !parser->got_some() && is_stale_connection_error(ec)) {
            impl_->close();
            continue;
        }
        if (ec == beast::error::timeout) co_return fail("context deadline exceeded");
        if (ec == http::error::body_limit) co_return fail("body size limit exceeded");
        co_return fail(ec.message());
    }

    auto response = parser->release();
    if (!response.keep_alive()) impl_->close();
    if (response.result() != http::status::ok) {
        out.error = fmt::format("server returned HTTP status {} {}", response.result_int(),
                                std::string_view(response.reason()));
        co_return out;
    }
    out.format = format_from_content_type(response[http::field::content_type]);
    out.streamed = route.streaming;
    if (out.streamed) co_return out;
    out.raw = std::move(impl_->body);
    if (beast::iequals(response[http::field::content_encoding], "gzip")) {
        auto decoded = decompress_gzip(out.raw.view(), req.body_size_limit);
        if (!decoded.ok()) {
            out.error = decoded.error;
            co_return out;
        }
        out.inflated = std::move(decoded.body);
        out.gzipped = true;
    }
    co_return out;
}

}  // namespace autoscrape::scrape
