// The HTTP side of remote write: POSTs one compressed WriteRequest to one endpoint and reports
// what happened, so the queue manager can decide between done, retry and drop (RetryPolicy).
//
// One client is one keep-alive connection (HTTP/1.1, or HTTPS with tls_config); each shard owns
// its own, as Prometheus does, so shards never wait for each other's connection. send() blocks
// the calling thread on a private io_context with a deadline on the whole exchange.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace autoscrape::remote {

struct WriteResult {
    int status = 0;           // HTTP status; 0 when there was no response (connect, TLS, timeout, reset)
    std::string retry_after;  // the Retry-After header as sent, for RetryPolicy::classify
    std::string error;        // transport error, or the start of a non-2xx body (<= 256 bytes, for logs)
};

class WriteClient {
public:
    // Throws std::invalid_argument for a url that is not http(s)://host[:port][/path], a custom
    // header that would override a protocol or auth header, or TLS files that cannot be loaded.
    explicit WriteClient(const config::RemoteWriteConfig& config);
    ~WriteClient();
    WriteClient(const WriteClient&) = delete;
    WriteClient& operator=(const WriteClient&) = delete;

    // POSTs `body` (a snappy-compressed WriteRequest). The exchange ends by
    // min(now + remote_timeout, deadline); a stale kept-alive connection is retried once on a
    // fresh one before the failure is reported. `cancelled`, polled every 50 ms, aborts the
    // exchange early (a stopping queue must not wait out remote_timeout).
    WriteResult send(std::string_view body, std::chrono::steady_clock::time_point deadline,
                     const std::function<bool()>& cancelled = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace autoscrape::remote
