// The HTTP side of a scrape: one keep-alive connection per target, reused across scrapes, over TCP
// or TLS, with the request headers Prometheus sends and its limits enforced while reading.
//
// The deadline (scrape_timeout) covers the whole exchange, connecting included. body_size_limit
// is checked by the parser as bytes arrive, so an oversized body is cut off, never buffered; a
// gzip body is then inflated under the same limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "agent/scrape/format.hpp"

namespace autoscrape::scrape {

struct ScrapeRequest {
    std::string scheme = "http";
    std::string address;  // host:port or [v6]:port
    std::string target = "/metrics";  // path and query
    std::chrono::milliseconds timeout{10'000};
    std::uint64_t body_size_limit = 0;  // decoded bytes; 0 = unlimited
};

// Bytes read into storage that is not zero-filled first, as a std::string's would be (Beast's
// string_body resizes before it copies each chunk in: at 10k samples/s that memset was 5% of the
// scrape thread). One allocation a response, freed with it, so idle targets hold no body.
class BodyBuffer {
public:
    BodyBuffer() = default;
    BodyBuffer(BodyBuffer&& other) noexcept;
    BodyBuffer& operator=(BodyBuffer&& other) noexcept;

    void clear() { size_ = 0; }
    void reserve(std::size_t n);
    // Room for n more bytes at the end, not initialised.
    char* append(std::size_t n);
    std::string_view view() const { return {data_.get(), size_}; }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// Takes a body while it arrives, in pieces that end at line breaks (but the last), so no body is
// held whole: at 5,000 series one is ~300 KB, and the targets of a phase answer at once. Only a
// 200 response without Content-Encoding streams; others are read whole into the ScrapeResponse.
class BodySink {
public:
    virtual ~BodySink() = default;
    // The body's format (from Content-Type), before its first piece.
    virtual void begin(Format format) = 0;
    // Returns false when it wants no more pieces (the scrape failed): the rest is read and dropped.
    // An exception ends the scrape: Scraper::scrape rethrows it.
    virtual bool piece(std::string_view lines, bool last) = 0;
};

struct ScrapeResponse {
    bool streamed = false; // the body went to the BodySink, piece by piece; raw is empty
    BodyBuffer raw;        // the body as received
    std::string inflated;  // the body inflated, when it came gzipped
    bool gzipped = false;
    Format format = Format::PrometheusText;
    std::string error;  // empty on success, Prometheus' wording otherwise
    bool refused = false;  // nothing listened at the address: the connection was refused
    bool ok() const { return error.empty(); }
    std::string_view body() const { return gzipped ? std::string_view(inflated) : raw.view(); }
};

// "autoscrape/<version>", the User-Agent of every scrape.
const std::string& scrape_user_agent();

class Scraper {
public:
    explicit Scraper(boost::asio::any_io_executor executor);
    ~Scraper();
    Scraper(const Scraper&) = delete;
    Scraper& operator=(const Scraper&) = delete;

    // With a sink, a 200 response's uncompressed body streams to it (see BodySink).
    boost::asio::awaitable<ScrapeResponse> scrape(const ScrapeRequest& request, BodySink* sink = nullptr);

    // Closes the kept-alive connection (the target went away or moved); a scrape in flight fails.
    void close();

    // Connections opened so far; a scrape that reused one does not count.
    std::uint64_t connections_opened() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace autoscrape::scrape
