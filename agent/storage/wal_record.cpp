#include "agent/storage/wal_record.hpp"

#include <cstring>
#include <stdexcept>
#include <utility>

#include "agent/storage/crc32c.hpp"
#include "agent/storage/label_encoding.hpp"
#include "agent/storage/protobuf_wire.hpp"

namespace autoscrape::storage {

namespace {

void put_varint(std::string& out, std::uint64_t v)
{
    char bytes[10];
    out.append(bytes, wire::put_varint(bytes, v));
}

std::uint64_t zigzag(std::int64_t v)
{
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v)
{
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

void put_u32(std::string& out, std::size_t at, std::uint32_t v)
{
    std::memcpy(out.data() + at, &v, 4);
}

void put_string(std::string& out, std::string_view s)
{
    put_varint(out, s.size());
    out.append(s);
}

// Reserves the header, lets `body` append the payload, then fills length and checksum in.
template <typename Body>
void frame(std::string& out, RecordType type, Body&& body)
{
    const std::size_t start = out.size();
    out.resize(start + kRecordHeaderSize);
    out[start] = static_cast<char>(type);
    body();
    const auto len = static_cast<std::uint32_t>(out.size() - start - kRecordHeaderSize);
    put_u32(out, start + 1, len);
    std::uint32_t crc = crc32c(0, out.data() + start, 1);
    crc = crc32c(crc, out.data() + start + kRecordHeaderSize, len);
    put_u32(out, start + 5, crc);
}

// A bounds-checked cursor over a payload; every read fails cleanly on truncated input.
class Cursor {
public:
    explicit Cursor(std::string_view data) : data_(data) {}

    bool varint(std::uint64_t& v) { return wire::get_varint(data_, pos_, v); }

    bool string(std::string& s)
    {
        std::uint64_t n = 0;
        if (!varint(n) || n > data_.size() - pos_) {
            return false;
        }
        s.assign(data_.substr(pos_, n));
        pos_ += n;
        return true;
    }

    bool f64(double& v)
    {
        if (data_.size() - pos_ < 8) {
            return false;
        }
        std::memcpy(&v, data_.data() + pos_, 8);
        pos_ += 8;
        return true;
    }

    std::size_t remaining() const { return data_.size() - pos_; }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

void put_series(std::string& out, SeriesRef ref, const Labels& labels)
{
    put_varint(out, ref);
    put_varint(out, labels.size());
    for (const auto& [name, value] : labels) {
        put_string(out, name);
        put_string(out, value);
    }
}

}  // namespace

void encode_series_record(std::string& out, SeriesRef ref, const Labels& labels)
{
    frame(out, RecordType::Series, [&] {
        put_varint(out, 1);
        put_series(out, ref, labels);
    });
}

void encode_series_record(std::string& out, std::span<const SeriesRef> refs,
                          const std::function<std::string_view(std::size_t)>& encoded_labels)
{
    thread_local std::vector<std::pair<std::string_view, std::string_view>> labels;
    frame(out, RecordType::Series, [&] {
        put_varint(out, refs.size());
        for (std::size_t i = 0; i < refs.size(); ++i) {
            decode_label_views(encoded_labels(i), labels);
            put_varint(out, refs[i]);
            put_varint(out, labels.size());
            for (const auto& [name, value] : labels) {
                put_string(out, name);
                put_string(out, value);
            }
        }
    });
}

void encode_samples_record(std::string& out, std::span<const Sample> samples)
{
    // Sized for the worst case (two ten-byte varints and eight value bytes a sample), written
    // through a pointer and trimmed: three string appends a sample cost more than the encoding.
    constexpr std::size_t kMaxSampleSize = 10 + 10 + 8;
    frame(out, RecordType::Samples, [&] {
        const std::size_t start = out.size();
        out.resize(start + 10 + samples.size() * kMaxSampleSize);
        char* p = wire::put_varint(out.data() + start, samples.size());
        SeriesRef prev_ref = 0;
        std::int64_t prev_ts = 0;
        for (const auto& s : samples) {
            p = wire::put_varint(p, zigzag(static_cast<std::int64_t>(s.ref - prev_ref)));
            p = wire::put_varint(p, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(s.timestamp_ms) -
                                                                     static_cast<std::uint64_t>(prev_ts))));
            std::memcpy(p, &s.value, 8);
            p += 8;
            prev_ref = s.ref;
            prev_ts = s.timestamp_ms;
        }
        out.resize(static_cast<std::size_t>(p - out.data()));
    });
}

FrameStatus parse_frame(std::string_view buf, Frame& f)
{
    if (buf.size() < kRecordHeaderSize) {
        return FrameStatus::Incomplete;
    }
    const auto type = static_cast<std::uint8_t>(buf[0]);
    std::uint32_t len = 0;
    std::uint32_t crc = 0;
    std::memcpy(&len, buf.data() + 1, 4);
    std::memcpy(&crc, buf.data() + 5, 4);
    if (type != static_cast<std::uint8_t>(RecordType::Series) &&
        type != static_cast<std::uint8_t>(RecordType::Samples)) {
        return FrameStatus::Corrupt;
    }
    if (len > kMaxRecordPayload) {
        return FrameStatus::Corrupt;
    }
    if (buf.size() - kRecordHeaderSize < len) {
        return FrameStatus::Incomplete;
    }
    const std::string_view payload = buf.substr(kRecordHeaderSize, len);
    if (crc32c(crc32c(0, buf.data(), 1), payload.data(), payload.size()) != crc) {
        return FrameStatus::Corrupt;
    }
    f.type = static_cast<RecordType>(type);
    f.payload = payload;
    f.size = kRecordHeaderSize + len;
    return FrameStatus::Ok;
}

bool decode_series(std::string_view payload, std::vector<SeriesEntry>& out)
{
    out.clear();
    Cursor c(payload);
    std::uint64_t count = 0;
    if (!c.varint(count)) {
        return false;
    }
    for (std::uint64_t i = 0; i < count; ++i) {
        SeriesEntry e;
        std::uint64_t nlabels = 0;
        // Each label takes at least two bytes, so a count beyond that is a lie; refuse it before
        // reserving memory for it.
        if (!c.varint(e.ref) || !c.varint(nlabels) || nlabels > c.remaining() / 2) {
            return false;
        }
        e.labels.resize(nlabels);
        for (auto& [name, value] : e.labels) {
            if (!c.string(name) || !c.string(value)) {
                return false;
            }
        }
        out.push_back(std::move(e));
    }
    return c.remaining() == 0;
}

bool decode_samples(std::string_view payload, std::vector<Sample>& out)
{
    out.clear();
    Cursor c(payload);
    std::uint64_t count = 0;
    if (!c.varint(count) || count > c.remaining() / 10) {  // >= 10 bytes per sample
        return false;
    }
    out.reserve(count);
    SeriesRef ref = 0;
    std::uint64_t ts = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint64_t dref = 0;
        std::uint64_t dts = 0;
        double v = 0;
        if (!c.varint(dref) || !c.varint(dts) || !c.f64(v)) {
            return false;
        }
        ref += static_cast<std::uint64_t>(unzigzag(dref));
        ts += static_cast<std::uint64_t>(unzigzag(dts));
        out.push_back(Sample{ref, static_cast<std::int64_t>(ts), v});
    }
    return c.remaining() == 0;
}

std::uint64_t samples_in_payload(std::string_view payload)
{
    std::uint64_t count = 0;
    return Cursor(payload).varint(count) ? count : 0;
}

}  // namespace autoscrape::storage
