// Decoding of gzip-compressed scrape bodies (Content-Encoding: gzip) under a size limit.
//
// An exporter, or anything pretending to be one, controls the compressed bytes: a small body can
// inflate to gigabytes. The limit is checked while inflating, so memory never grows past it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autoscrape::scrape {

struct Decompressed {
    std::string body;
    std::string error;  // empty on success
    bool ok() const { return error.empty(); }
};

// Inflates one or more concatenated gzip members. `limit` has Prometheus' body_size_limit
// meaning: 0 is unlimited, otherwise a decoded body of `limit` bytes or more is an error.
Decompressed decompress_gzip(std::string_view compressed, std::size_t limit);

}  // namespace autoscrape::scrape
