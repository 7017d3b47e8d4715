// Remote-write 1.0 request encoding: a hand-written protobuf `WriteRequest` plus snappy block
// compression, the body of every POST to a remote-write endpoint.
//
// Wire shape (prompb): WriteRequest{repeated TimeSeries timeseries = 1},
// TimeSeries{repeated Label labels = 1; repeated Sample samples = 2},
// Label{string name = 1; string value = 2}, Sample{double value = 1; int64 timestamp = 2}.
// Hand-written so a batch is encoded straight into one reused buffer: no message objects, and no
// allocation once the buffers have grown to the batch size.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

    // Appends one TimeSeries. Labels go out __name__ first, then by name, and labels with an empty
    // value are left out (an empty value means "no such label"; receivers must not get them). The
    // labels need not be pre-sorted. A series without samples is not sent at all.
    void add_series(const storage::Labels& labels, std::span<const Point> samples);

    std::size_t series_count() const { return series_; }

    // The serialized WriteRequest so far.
    std::string_view protobuf() const { return proto_; }

    // protobuf() in snappy block format; valid until the next call on this encoder.
    std::string_view compress();

private:
    using Label = std::pair<std::string, std::string>;

    std::vector<const Label*> order_;
    std::string proto_;
    std::vector<char> compressed_;
    std::size_t series_ = 0;
};

}  // namespace autoscrape::remote
