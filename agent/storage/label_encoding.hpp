// A series' labels as remote write 1.0 carries them: the `repeated Label labels = 1` fields of a
// TimeSeries (Label{string name = 1; string value = 2}), in canonical order (sort_labels).
//
// The WAL logs series records in these bytes, and remote write copies them into every request that
// carries the series. In memory both keep them split into interned label pairs (LabelPairs), each
// pair being one `Label` field of this encoding, so writing a series out is a copy of its pairs.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/storage/series.hpp"

namespace autoscrape::storage {

// Appends the encoding of `labels` to `out`: in canonical order (sort_labels), labels with an empty
// value left out. `labels` need not be sorted. Different label sets never encode alike (every name
// and value is length-prefixed), so the bytes are a key for the set.
void encode_labels(const Labels& labels, std::string& out);

// The label set back from encode_labels' bytes; throws std::invalid_argument on damaged bytes.
Labels decode_labels(std::string_view encoded);

// The same as views into `encoded`, into `out` (cleared first): no allocation once `out` has grown.
void decode_label_views(std::string_view encoded, std::vector<std::pair<std::string_view, std::string_view>>& out);

}  // namespace autoscrape::storage
