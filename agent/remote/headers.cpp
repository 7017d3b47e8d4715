#include "agent/remote/headers.hpp"

namespace autoscrape::remote {

HttpHeaders remote_write_headers()
{
    // AUTOSCRAPE_VERSION comes from the meson project version (see meson.build).
    return {{
        {"Content-Encoding", "snappy"},
        {"Content-Type", "application/x-protobuf"},
        {"X-Prometheus-Remote-Write-Version", "0.1.0"},
        {"User-Agent", "autoscrape/" AUTOSCRAPE_VERSION},
    }};
}

}  // namespace autoscrape::remote
