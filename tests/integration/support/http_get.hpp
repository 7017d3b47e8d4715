// A small blocking HTTP/1.1 client for integration tests (loopback only), with a deadline on the
// whole exchange so that a hung server fails the test instead of hanging it.
#pragma once

#include <chrono>
#include <string>

namespace autoscrape::testing {

struct HttpReply {
    int status = 0;  // 0 when the connection failed
    std::string body;
    std::string error;  // set when status is 0
};

HttpReply http_request(const std::string& method, const std::string& host, unsigned short port,
                       const std::string& target, const std::string& body = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Retries GET until it answers `status` or the timeout passes (bounded, 50 ms apart).
bool wait_for_status(const std::string& host, unsigned short port, const std::string& target, int status,
                     std::chrono::milliseconds timeout);

}  // namespace autoscrape::testing
