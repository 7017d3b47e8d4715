// The WAL's on-disk record format: framing, checksums and the two record bodies.
//
// Frame: type (1 byte) | payload length (u32 LE) | CRC32C of type+payload (u32 LE) | payload.
// A record never spans two segments, so every segment (and the checkpoint) can be read alone and a
// torn tail is always the end of one file.
//   series  payload: count, then per series: ref, label count, (name, value) as length+bytes
//   samples payload: count, first ref and timestamp, then zigzag deltas; values as raw 8 bytes so
//                    the StaleNaN bit pattern survives.
// All integers are LEB128 varints unless said otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/storage/series.hpp"

namespace autoscrape::storage {

enum class RecordType : std::uint8_t { Series = 1, Samples = 2 };

inline constexpr std::size_t kRecordHeaderSize = 9;
// Larger lengths are garbage from a torn header; no real record comes close.
inline constexpr std::uint32_t kMaxRecordPayload = 1U << 30;

struct SeriesEntry {
    SeriesRef ref = 0;
    Labels labels;
};

// Appends one framed record to `out`.
void encode_series_record(std::string& out, SeriesRef ref, const Labels& labels);
// The same for series whose labels are at hand as encode_labels() bytes, as in the series index:
// `encoded_labels(i)` gives those of refs[i], valid until its next call. No label set is built.
// Throws std::invalid_argument when such bytes are damaged.
void encode_series_record(std::string& out, std::span<const SeriesRef> refs,
                          const std::function<std::string_view(std::size_t)>& encoded_labels);
void encode_samples_record(std::string& out, std::span<const Sample> samples);

enum class FrameStatus {
    Ok,
    Incomplete,  // the buffer ends inside the frame (a torn tail, or more data still to read)
    Corrupt,     // checksum mismatch, unknown type or impossible length
};

struct Frame {
    RecordType type = RecordType::Series;
    std::string_view payload;
    std::size_t size = 0;  // header + payload
};

// Parses the frame at the start of `buf`. The payload view points into `buf`.
FrameStatus parse_frame(std::string_view buf, Frame& frame);

// Decode a payload into `out` (cleared first). False: the payload is malformed.
bool decode_series(std::string_view payload, std::vector<SeriesEntry>& out);
bool decode_samples(std::string_view payload, std::vector<Sample>& out);

// Number of samples a samples payload announces, without decoding it (for drop accounting).
std::uint64_t samples_in_payload(std::string_view payload);

}  // namespace autoscrape::storage
