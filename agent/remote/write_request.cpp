#include "agent/remote/write_request.hpp"

#include <algorithm>
#include <cstring>

#include <snappy.h>

#include "agent/storage/label_encoding.hpp"
#include "agent/storage/protobuf_wire.hpp"

namespace autoscrape::remote {

namespace {

using storage::wire::field_size;
using storage::wire::put_varint;
using storage::wire::varint_size;

constexpr char kTimeseriesKey = storage::wire::key(1, 2);
constexpr char kSamplesKey = storage::wire::key(2, 2);
constexpr char kSampleValueKey = storage::wire::key(1, 1);
constexpr char kSampleTimestampKey = storage::wire::key(2, 0);

std::size_t sample_size(const Point& p)
{
    // The timestamp is a proto int64: negative values take the full ten varint bytes.
    return 1 + 8 + 1 + varint_size(static_cast<std::uint64_t>(p.timestamp_ms));
}

}  // namespace

void WriteRequestEncoder::clear()
{
    size_ = 0;
    series_ = 0;
}

char* WriteRequestEncoder::extend(std::size_t n)
{
    if (size_ + n > capacity_) {
        const std::size_t capacity = std::max({capacity_ * 2, size_ + n, std::size_t{4096}});
        auto grown = std::make_unique_for_overwrite<char[]>(capacity);
        if (size_ > 0) {
            std::memcpy(grown.get(), proto_.get(), size_);
        }
        proto_ = std::move(grown);
        capacity_ = capacity;
    }
    char* at = proto_.get() + size_;
    size_ += n;
    return at;
}

void WriteRequestEncoder::add_series(const storage::Labels& labels, std::span<const Point> samples)
{
    labels_.clear();
    storage::encode_labels(labels, labels_);
    add_series(labels_, samples);
}

void WriteRequestEncoder::add_series(std::string_view encoded_labels, std::span<const Point> samples)
{
    if (samples.empty()) {
        return;
    }
    char* p = start_series(encoded_labels.size(), samples);
    std::memcpy(p, encoded_labels.data(), encoded_labels.size());
    put_samples(p + encoded_labels.size(), samples);
}

void WriteRequestEncoder::add_series(const storage::LabelPairs::Reader& pairs, std::string_view key,
                                     std::span<const Point> samples)
{
    if (samples.empty()) {
        return;
    }
    char* p = start_series(storage::LabelPairs::Reader::expanded_size(key), samples);
    put_samples(pairs.expand_to(key, p), samples);
}

char* WriteRequestEncoder::start_series(std::size_t labels_size, std::span<const Point> samples)
{
    // Sizes first, so every length prefix is known before its message is written.
    std::size_t body = labels_size;
    for (const auto& p : samples) {
        body += field_size(sample_size(p));
    }
    char* p = extend(field_size(body));
    *p++ = kTimeseriesKey;
    return put_varint(p, body);
}

void WriteRequestEncoder::put_samples(char* p, std::span<const Point> samples)
{
    for (const auto& s : samples) {
        *p++ = kSamplesKey;
        p = put_varint(p, sample_size(s));
        *p++ = kSampleValueKey;
        std::memcpy(p, &s.value, 8);  // fixed64 is little-endian, as is every host we build for
        p += 8;
        *p++ = kSampleTimestampKey;
        p = put_varint(p, static_cast<std::uint64_t>(s.timestamp_ms));
    }
    ++series_;
}

std::string_view WriteRequestEncoder::compress()
{
    const std::size_t max = snappy::MaxCompressedLength(size_);
    if (compressed_.size() < max) {
        compressed_.resize(max);
    }
    std::size_t len = 0;
    snappy::RawCompress(proto_.get(), size_, compressed_.data(), &len);
    return {compressed_.data(), len};
}

}  // namespace autoscrape::remote
