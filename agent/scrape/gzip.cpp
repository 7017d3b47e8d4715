#include "agent/scrape/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace autoscrape::scrape {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

// Owns a z_stream so every exit path releases zlib's state.
class Inflater {
public:
    Inflater() { ok_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK; }  // 16: gzip wrapper only
    ~Inflater() {
        if (ok_) inflateEnd(&stream_);
    }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
    bool ok() const { return ok_; }
    z_stream& stream() { return stream_; }

private:
    z_stream stream_{};
    bool ok_ = false;
};

}  // namespace

Decompressed decompress_gzip(std::string_view compressed, std::size_t limit) {
    Decompressed result;
    Inflater inflater;
    if (!inflater.ok()) {
        result.error = "gzip: cannot initialise zlib";
        return result;
    }
    if (compressed.empty()) {
        result.error = "gzip: empty body";
        return result;
    }
    // Never hand zlib more than it can count; larger bodies are fed in pieces.
    constexpr std::size_t kMaxIn = std::numeric_limits<uInt>::max();
    z_stream& zs = inflater.stream();
    const auto* in = reinterpret_cast<const Bytef*>(compressed.data());
    std::size_t in_left = compressed.size();
    const std::size_t cap = limit == 0 ? std::numeric_limits<std::size_t>::max() : limit;

    for (;;) {
        if (zs.avail_in == 0 && in_left > 0) {
            zs.next_in = const_cast<Bytef*>(in);
            zs.avail_in = static_cast<uInt>(std::min(in_left, kMaxIn));
            in += zs.avail_in;
            in_left -= zs.avail_in;
        }
        const std::size_t used = result.body.size();
        const std::size_t room = std::min(kChunk, cap - used);
        result.body.resize(used + room);
        zs.next_out = reinterpret_cast<Bytef*>(result.body.data() + used);
        zs.avail_out = static_cast<uInt>(room);
        const int rc = inflate(&zs, Z_NO_FLUSH);
        result.body.resize(used + room - zs.avail_out);
        if (limit != 0 && result.body.size() >= limit) {
            result.body.clear();
            result.error = fmt::format("gzip: body size limit of {} bytes exceeded", limit);
            return result;
        }
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0 && in_left == 0) return result;
            inflateReset(&zs);  // another gzip member follows, as Go's multistream reader allows
            continue;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0) {
            result.error = "gzip: unexpected end of compressed data";
            return result;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            result.error = fmt::format("gzip: {}", zs.msg != nullptr ? zs.msg : "corrupt data");
            return result;
        }
    }
}

}  // namespace autoscrape::scrape
