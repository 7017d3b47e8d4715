// The fixed HTTP headers of every remote-write 1.0 request.
#pragma once

#include <array>
#include <string_view>

namespace autoscrape::remote {

struct HttpHeader {
    std::string_view name;
    std::string_view value;
};

using HttpHeaders = std::array<HttpHeader, 4>;

// Content-Encoding, Content-Type, X-Prometheus-Remote-Write-Version and User-Agent
// (`autoscrape/<version>`); the views point to static storage.
HttpHeaders remote_write_headers();

}  // namespace autoscrape::remote
