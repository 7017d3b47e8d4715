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

struct ScrapeResponse {
    std::string_view body;  // decoded; in the scraper's buffer, valid until its next scrape()
    Format format = Format::PrometheusText;
    std::string error;  // empty on success, Prometheus' wording otherwise
    bool ok() const { return error.empty(); }
};

// "autoscrape/<version>", the User-Agent of every scrape.
const std::string& scrape_user_agent();

class Scraper {
public:
    explicit Scraper(boost::asio::any_io_executor executor);
    ~Scraper();
    Scraper(const Scraper&) = delete;
    Scraper& operator=(const Scraper&) = delete;

    boost::asio::awaitable<ScrapeResponse> scrape(const ScrapeRequest& request);

    // Closes the kept-alive connection (the target went away or moved); a scrape in flight fails.
    void close();

    // Connections opened so far; a scrape that reused one does not count.
    std::uint64_t connections_opened() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace autoscrape::scrape
