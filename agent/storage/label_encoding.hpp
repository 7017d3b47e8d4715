// A series' labels as remote write 1.0 carries them: the `repeated Label labels = 1` fields of a
// TimeSeries (Label{string name = 1; string value = 2}), in canonical order (sort_labels).
//
// The WAL keys its series index by these bytes, and remote write copies them into every request
// that carries the series. So an endpoint that sends a series as the WAL logged it points at the
// WAL's key instead of keeping an encoding of its own (Wal::series_key): at 100k series that is
// ~15 MB less, for a key ~3 bytes a label longer than plain length-prefixed strings.
#pragma once

#include <string>
#include <string_view>

#include "agent/storage/series.hpp"

namespace autoscrape::storage {

// Appends the encoding of `labels` to `out`: in canonical order (sort_labels), labels with an empty
// value left out. `labels` need not be sorted. Different label sets never encode alike (every name
// and value is length-prefixed), so the bytes are a key for the set.
void encode_labels(const Labels& labels, std::string& out);

// The label set back from encode_labels' bytes; throws std::invalid_argument on damaged bytes.
Labels decode_labels(std::string_view encoded);

}  // namespace autoscrape::storage
