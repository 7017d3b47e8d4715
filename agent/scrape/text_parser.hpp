// Streaming parser for scrape bodies: Prometheus text format 0.0.4 and OpenMetrics 1.0 text.
//
// Modelled on Prometheus' promparse.go and openmetricsparse.go: a pull parser over one body that
// hands out views into that body and copies nothing it does not keep. Only label values and help
// texts that contain escapes are unescaped, into a scratch buffer the parser reuses, so once its
// buffers have grown a parser allocates nothing per sample. Every view stays valid until the next
// call to next() or reset(); views into the body live as long as the body.
//
// A body may also come in pieces as it arrives (reset() with the first, continue_with() with the
// others), each ending at a line break but the last: a line never spans two pieces, and a line
// break always ends a line in both formats, so a piece parses as it would within the whole body.
//
// Input is untrusted: the parser never reads outside the body, and rejects the first malformed
// line with its 1-based line and column and what it expected there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/scrape/format.hpp"

namespace autoscrape::scrape {

// More: the piece is used up and it was not the last; continue_with() the next one.
enum class Entry { Series, Type, Help, Unit, Comment, Eof, Error, More };

enum class MetricType { Unknown, Counter, Gauge, Histogram, GaugeHistogram, Summary, Info, StateSet };

struct ParseError {
    std::size_t line = 0;    // 1-based
    std::size_t column = 0;  // 1-based, in bytes
    std::string message;     // e.g. "expected '=' after label name, got '}'"
    // "line 3, column 17: expected '=' after label name, got '}'"
    std::string to_string() const;
};

struct LabelView {
    std::string_view name;
    std::string_view value;  // unescaped
};

// Prometheus' canonical NaN: every NaN sample becomes this, so an exporter cannot inject the
// staleness marker (0x7ff0000000000002) by sending its bit pattern.
inline constexpr std::uint64_t kNormalNaN = 0x7ff8000000000001ULL;

class TextParser {
public:
    TextParser() = default;
    TextParser(std::string_view body, Format format) { reset(body, format); }

    // Starts over on a new body, keeping the buffers grown so far; `last` = false when `body` is
    // only its first piece.
    void reset(std::string_view body, Format format, bool last = true);

    // The next piece of the body, after next() returned More, or Eof for an OpenMetrics piece that
    // was not the last: then any further content is an error, as after '# EOF' in one body. Line
    // numbers in errors count from the start of the body.
    void continue_with(std::string_view piece, bool last);

    // Advances to the next entry. Eof and Error are final: every later call returns them again.
    // Blank lines (text 0.0.4) and exemplars (OpenMetrics) produce no entry.
    Entry next() { return next({}); }

    // As next(), but when the next line is a series whose name and label block are exactly `known`
    // (a series() this parser returned before, in the same format), only its value, timestamp and
    // exemplar are parsed: known_match() is then true, series() is set, metric_name() is set only
    // for a series without labels, and there are no labels. Same bytes parse the same way, so the
    // labels need no second look: a scrape cache that predicts the next line (exporters keep their
    // order) skips both label parsing and hashing.
    Entry next(std::string_view known);
    bool known_match() const { return known_match_; }

    // Series, Type, Help and Unit: the metric (family) name.
    std::string_view metric_name() const { return name_; }

    // Series: the name and label block exactly as in the body ("foo{a=\"1\"}"), the key for a
    // scrape cache that finds an unchanged line without building its labels.
    std::string_view series() const { return series_; }
    std::size_t label_count() const { return labels_.size(); }
    LabelView label(std::size_t i) const;
    double value() const { return value_; }
    // Milliseconds since the epoch (OpenMetrics' fractional seconds are converted).
    std::optional<std::int64_t> timestamp_ms() const { return timestamp_; }

    MetricType type() const { return type_; }      // Type
    std::string_view help() const { return text_; }     // Help, unescaped
    std::string_view unit() const { return text_; }     // Unit
    std::string_view comment() const { return text_; }  // Comment, after '#' and blanks

    const ParseError& error() const { return error_; }  // Error

private:
    struct LabelSpan {
        std::string_view name;
        std::size_t value_offset;
        std::size_t value_size;
        bool in_scratch;
    };

    Entry fail(std::size_t at, std::string message);
    Entry fail_expected(std::size_t at, std::string_view expected);
    std::string describe(std::size_t at) const;
    bool is_prom() const { return format_ == Format::PrometheusText; }
    bool at(std::size_t pos, char c) const { return pos < body_.size() && body_[pos] == c; }
    std::size_t skip_blanks(std::size_t pos) const;
    std::size_t token_end(std::size_t pos) const;
    std::size_t name_end(std::size_t pos) const;
    std::size_t line_end(std::size_t pos) const;
    std::size_t plain_value_end(std::size_t pos);
    bool end_line(std::size_t pos);
    bool matches_known(std::size_t pos, std::string_view known) const;

    Entry parse_comment_line();
    Entry parse_prom_comment(std::size_t pos);
    Entry parse_om_comment(std::size_t pos);
    Entry parse_metadata(Entry kind, std::size_t pos);
    Entry parse_series();
    Entry parse_series_tail(std::size_t pos);
    std::optional<Entry> parse_labels(std::size_t& pos, bool keep);
    std::optional<Entry> parse_label_value(std::size_t& pos, bool keep, std::string_view name);
    std::optional<Entry> parse_om_timestamp(std::size_t& pos);
    std::optional<Entry> parse_exemplar(std::size_t& pos);

    std::string_view body_;
    Format format_ = Format::PrometheusText;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
    bool last_piece_ = true;
    bool finished_ = false;
    Entry final_ = Entry::Eof;

    std::string_view name_;
    std::string_view series_;
    std::string_view text_;
    MetricType type_ = MetricType::Unknown;
    double value_ = 0;
    std::optional<std::int64_t> timestamp_;
    bool known_match_ = false;
    std::vector<LabelSpan> labels_;
    std::string scratch_;
    ParseError error_;
};

}  // namespace autoscrape::scrape
