#include "agent/remote/write_request.hpp"

#include <algorithm>
#include <cstring>

#include <snappy.h>

namespace autoscrape::remote {

namespace {

// Field keys: (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
constexpr char kTimeseriesKey = (1 << 3) | 2;
constexpr char kLabelsKey = (1 << 3) | 2;
constexpr char kSamplesKey = (2 << 3) | 2;
constexpr char kNameKey = (1 << 3) | 2;
constexpr char kValueKey = (2 << 3) | 2;
constexpr char kSampleValueKey = (1 << 3) | 1;
constexpr char kSampleTimestampKey = (2 << 3) | 0;

constexpr std::string_view kNameLabel = "__name__";

std::size_t varint_size(std::uint64_t v)
{
    std::size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

// Writes into space already reserved by the caller; returns the advanced pointer.
char* put_varint(char* p, std::uint64_t v)
{
    while (v >= 0x80) {
        *p++ = static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
}

char* put_bytes(char* p, char key, std::string_view s)
{
    *p++ = key;
    p = put_varint(p, s.size());
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

std::size_t field_size(std::size_t body) { return 1 + varint_size(body) + body; }

std::size_t label_size(std::string_view name, std::string_view value)
{
    return field_size(name.size()) + field_size(value.size());
}

std::size_t sample_size(const Point& p)
{
    // The timestamp is a proto int64: negative values take the full ten varint bytes.
    return 1 + 8 + 1 + varint_size(static_cast<std::uint64_t>(p.timestamp_ms));
}

using Label = std::pair<std::string, std::string>;

bool canonical_less(const Label* a, const Label* b)
{
    const bool a_name = a->first == kNameLabel;
    const bool b_name = b->first == kNameLabel;
    if (a_name != b_name) {
        return a_name;
    }
    return a->first < b->first;
}

}  // namespace

void encode_labels(const storage::Labels& labels, std::string& out)
{
    thread_local std::vector<const Label*> order;
    order.clear();
    for (const auto& l : labels) {
        if (!l.second.empty()) {
            order.push_back(&l);
        }
    }
    if (!std::is_sorted(order.begin(), order.end(), canonical_less)) {
        std::sort(order.begin(), order.end(), canonical_less);
    }
    std::size_t size = 0;
    for (const auto* l : order) {
        size += field_size(label_size(l->first, l->second));
    }
    const std::size_t start = out.size();
    out.resize(start + size);
    char* p = out.data() + start;
    for (const auto* l : order) {
        *p++ = kLabelsKey;
        p = put_varint(p, label_size(l->first, l->second));
        p = put_bytes(p, kNameKey, l->first);
        p = put_bytes(p, kValueKey, l->second);
    }
}

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
    encode_labels(labels, labels_);
    add_series(labels_, samples);
}

void WriteRequestEncoder::add_series(std::string_view encoded_labels, std::span<const Point> samples)
{
    if (samples.empty()) {
        return;
    }
    // Sizes first, so every length prefix is known before its message is written.
    std::size_t body = encoded_labels.size();
    for (const auto& p : samples) {
        body += field_size(sample_size(p));
    }
    char* p = extend(field_size(body));
    *p++ = kTimeseriesKey;
    p = put_varint(p, body);
    std::memcpy(p, encoded_labels.data(), encoded_labels.size());
    p += encoded_labels.size();
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
