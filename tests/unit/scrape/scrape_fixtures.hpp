// Fixtures for the scrape loop tests: a loopback HTTP server whose replies a test scripts (delays,
// slow bodies, gzip, status codes, closing connections), and an Appender that records what it is
// given instead of writing a WAL.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "agent/storage/appender.hpp"

namespace autoscrape::scrape::testing {

struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain; version=0.0.4";
    bool gzip = false;
    bool chunked = false;                   // send the body in chunks of 64 KiB
    std::chrono::milliseconds delay{0};     // before the headers
    std::chrono::milliseconds stall{0};     // after the first chunk (chunked) or the headers
    bool close = false;                     // Connection: close
    std::string content_length;             // override the Content-Length header
};

class TestServer {
public:
    // Listens on 127.0.0.1:port, by default a free port.
    explicit TestServer(unsigned short port = 0);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    void set_reply(Reply reply);
    unsigned short port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    int connections() const { return connections_; }
    int requests() const { return requests_; }
    // The headers of the last request, by lower-case name.
    std::map<std::string, std::string> last_headers() const;
    // Closes every open connection server-side (the keep-alive peer went away).
    void drop_connections();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    unsigned short port_ = 0;
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
    friend struct Impl;
};

struct Recorded {
    std::mutex mutex;
    std::map<storage::Labels, storage::SeriesRef> refs;
    std::vector<storage::Labels> labels;  // by ref - 1
    std::vector<storage::Sample> committed;
    int rollbacks = 0;

    // Refs forgotten as the WAL forgets idle series: commit() throws UnknownSeriesError for their
    // samples (stale markers left out), and series() gives their labels a new ref.
    std::set<storage::SeriesRef> forgotten;

    // Committed samples of series whose __name__ is `name` (all of them, in order).
    std::vector<storage::Sample> samples(const std::string& name);
    const storage::Labels& labels_of(storage::SeriesRef ref);
    // Forgets every ref handed out so far; returns how many.
    std::size_t forget_all();
    bool was_forgotten(storage::SeriesRef ref);
    std::atomic<int> unknown_series_errors{0};
};

class RecordingAppender : public storage::Appender {
public:
    explicit RecordingAppender(std::shared_ptr<Recorded> recorded) : rec_(std::move(recorded)) {}
    storage::SeriesRef series(storage::Labels labels) override;
    void append(storage::SeriesRef ref, std::int64_t timestamp_ms, double value) override;
    void commit() override;
    void rollback() override;

private:
    std::shared_ptr<Recorded> rec_;
    std::vector<storage::Sample> pending_;
};

std::string gzip(const std::string& text);

}  // namespace autoscrape::scrape::testing
