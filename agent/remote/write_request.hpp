// Remote-write 1.0 request encoding: a hand-written protobuf `WriteRequest` plus snappy block
// compression, the body of every POST to a remote-write endpoint.
//
// Wire shape (prompb): WriteRequest{repeated TimeSeries timeseries = 1},
// TimeSeries{repeated Label labels = 1; repeated Sample samples = 2},
// Label{string name = 1; string value = 2}, Sample{double value = 1; int64 timestamp = 2}.
// Hand-written so a batch is encoded straight into one reused buffer: no message objects, and no
// allocation once the buffers have grown to the batch size. A series' labels are the same bytes in
// every request, so callers that send a series often encode them once (storage::encode_labels)
// and pass the bytes, or intern them (storage::LabelPairs) and pass the key: a sample then costs a
// copy of them, not a sort and an encoding.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/storage/label_pairs.hpp"
#include "agent/storage/series.hpp"

namespace autoscrape::remote {

struct Point {
    std::int64_t timestamp_ms = 0;
    double value = 0;  // written as raw IEEE bits, so StaleNaN stays StaleNaN
};

class WriteRequestEncoder {
public:
    // Starts a new request; the buffers keep their capacity.
    void clear();

    // Appends one TimeSeries with labels encoded by storage::encode_labels. A series without
    // samples is not sent at all.
    void add_series(const storage::Labels& labels, std::span<const Point> samples);

    // The same with labels already encoded by storage::encode_labels.
    void add_series(std::string_view encoded_labels, std::span<const Point> samples);

    // The same with labels as a compact key of interned pairs (storage::LabelPairs).
    void add_series(const storage::LabelPairs::Reader& pairs, std::string_view key, std::span<const Point> samples);

    std::size_t series_count() const { return series_; }

    // The serialized WriteRequest so far.
    std::string_view protobuf() const { return {proto_.get(), size_}; }

    // protobuf() in snappy block format; valid until the next call on this encoder.
    std::string_view compress();

private:
    // Room for `n` more bytes at the end; returns where they go. Grows without zero-filling.
    char* extend(std::size_t n);
    // Writes a TimeSeries' key and length; returns where its `labels_size` bytes of labels go.
    char* start_series(std::size_t labels_size, std::span<const Point> samples);
    // Writes the samples after the labels, which end at `p`.
    void put_samples(char* p, std::span<const Point> samples);

    std::string labels_;  // add_series(Labels)'s encoding
    std::unique_ptr<char[]> proto_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
    std::vector<char> compressed_;
    std::size_t series_ = 0;
};

}  // namespace autoscrape::remote
