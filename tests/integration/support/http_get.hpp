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

struct HostPort {
    std::string host;
    unsigned short port = 0;
};

// host and port of a loopback URL such as http://127.0.0.1:8428 (the receivers' env variables).
HostPort parse_loopback_url(const std::string& url);

// Percent-encodes everything but RFC 3986's unreserved characters (for query strings).
std::string url_encode(const std::string& s);

// A loopback port that was free a moment ago (bound, read, released).
unsigned short free_port();

}  // namespace autoscrape::testing
