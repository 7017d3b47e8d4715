#include "agent/scrape/text_parser.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "agent/scrape/text_values.hpp"

namespace autoscrape::scrape {

namespace {

// kValueStop: where the scan of a quoted label value has to look closer (end, escape, line break,
// a non-ASCII byte that needs UTF-8 validation).
enum CharClass : unsigned char {
    kNameStart = 1, kNameChar = 2, kLabelStart = 4, kLabelChar = 8, kValueStop = 16,
};

constexpr std::array<unsigned char, 256> make_classes() {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 256; ++c) {
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        unsigned char v = 0;
        if (alpha || c == ':') v |= kNameStart | kNameChar;
        if (digit) v |= kNameChar | kLabelChar;
        if (alpha) v |= kLabelStart | kLabelChar;
        if (c == '"' || c == '\\' || c == '\n' || c >= 0x80) v |= kValueStop;
        t[static_cast<std::size_t>(c)] = v;
    }
    return t;
}

constexpr std::array<unsigned char, 256> kClasses = make_classes();

bool has(char c, CharClass cls) { return (kClasses[static_cast<unsigned char>(c)] & cls) != 0; }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::optional<MetricType> metric_type(std::string_view text, Format format) {
    if (text == "counter") return MetricType::Counter;
    if (text == "gauge") return MetricType::Gauge;
    if (text == "histogram") return MetricType::Histogram;
    if (text == "summary") return MetricType::Summary;
    if (format == Format::PrometheusText) {
        if (text == "untyped") return MetricType::Unknown;
        return std::nullopt;
    }
    if (text == "gaugehistogram") return MetricType::GaugeHistogram;
    if (text == "info") return MetricType::Info;
    if (text == "stateset") return MetricType::StateSet;
    if (text == "unknown") return MetricType::Unknown;
    return std::nullopt;
}

}  // namespace

std::string ParseError::to_string() const {
    return fmt::format("line {}, column {}: {}", line, column, message);
}

void TextParser::reset(std::string_view body, Format format, bool last) {
    body_ = body;
    format_ = format;
    pos_ = 0;
    line_ = 1;
    line_start_ = 0;
    last_piece_ = last;
    finished_ = false;
    final_ = Entry::Eof;
    error_ = ParseError{};
}

void TextParser::continue_with(std::string_view piece, bool last) {
    if (finished_ && final_ == Entry::Error) return;
    body_ = piece;
    pos_ = 0;
    line_start_ = 0;
    last_piece_ = last;
    if (finished_ && !piece.empty()) {
        ++line_;  // the line after '# EOF'
        fail(0, "unexpected content after '# EOF'");
    }
}

LabelView TextParser::label(std::size_t i) const {
    const LabelSpan& span = labels_[i];
    const std::string_view source = span.in_scratch ? std::string_view(scratch_) : body_;
    return {span.name, source.substr(span.value_offset, span.value_size)};
}

Entry TextParser::fail(std::size_t at, std::string message) {
    error_.line = line_;
    error_.column = at - line_start_ + 1;
    error_.message = std::move(message);
    finished_ = true;
    final_ = Entry::Error;
    return Entry::Error;
}

Entry TextParser::fail_expected(std::size_t at, std::string_view expected) {
    return fail(at, fmt::format("expected {}, got {}", expected, describe(at)));
}

std::string TextParser::describe(std::size_t at) const {
    if (at >= body_.size()) return "end of input";
    const char c = body_[at];
    if (c == '\n') return "end of line";
    if (c == '\t') return "'\\t'";
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) return fmt::format("byte 0x{:02x}", byte);
    return fmt::format("'{}'", c);
}

// The scanning helpers copy the body's pointer and size into locals: the compiler cannot keep
// members in registers across the stores into labels_, and these loops are the parser's hot path.
inline std::size_t TextParser::skip_blanks(std::size_t pos) const {
    const char* d = body_.data();
    const std::size_t n = body_.size();
    while (pos < n && is_blank(d[pos])) ++pos;
    return pos;
}

inline std::size_t TextParser::token_end(std::size_t pos) const {
    const char* d = body_.data();
    const std::size_t n = body_.size();
    while (pos < n && d[pos] != ' ' && d[pos] != '\t' && d[pos] != '\n') ++pos;
    return pos;
}

inline std::size_t TextParser::name_end(std::size_t pos) const {
    const char* d = body_.data();
    const std::size_t n = body_.size();
    while (pos < n && has(d[pos], kNameChar)) ++pos;
    return pos;
}

inline std::size_t TextParser::line_end(std::size_t pos) const {
    if (pos >= body_.size()) return body_.size();
    const void* nl = std::memchr(body_.data() + pos, '\n', body_.size() - pos);
    return nl == nullptr ? body_.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - body_.data());
}

// The common value, a plain decimal followed by a blank or the line's end, read in one pass into
// value_; returns `pos` unchanged when the value needs parse_float.
inline std::size_t TextParser::plain_value_end(std::size_t pos) {
    const char* const d = body_.data();
    const char* const end = d + body_.size();
    double value = 0;
    const char* p = parse_plain_decimal(d + pos, end, value);
    if (p == nullptr || (p < end && *p != ' ' && *p != '\t' && *p != '\n')) return pos;
    value_ = value;
    return static_cast<std::size_t>(p - d);
}

// Consumes the line break at `pos` (or accepts the end of a text 0.0.4 body) and starts the
// next line.
bool TextParser::end_line(std::size_t pos) {
    if (pos >= body_.size()) {
        if (!is_prom()) return false;
        pos_ = pos;
        return true;
    }
    if (body_[pos] != '\n') return false;
    pos_ = pos + 1;
    ++line_;
    line_start_ = pos_;
    return true;
}

// `known` is a complete series text: a label block ends at its first unquoted '}', a bare name at
// the first byte that is not a name character, so equal bytes up to there are the same series.
bool TextParser::matches_known(std::size_t pos, std::string_view known) const {
    if (body_.size() - pos < known.size() || std::memcmp(body_.data() + pos, known.data(), known.size()) != 0)
        return false;
    if (known.back() == '}') return true;
    const std::size_t end = pos + known.size();
    if (end < body_.size() && has(body_[end], kNameChar)) return false;
    return !at(is_prom() ? skip_blanks(end) : end, '{');
}

Entry TextParser::next(std::string_view known) {
    if (finished_) return final_;
    name_ = series_ = text_ = {};
    labels_.clear();
    scratch_.clear();
    timestamp_.reset();
    known_match_ = false;
    for (;;) {
        std::size_t pos = pos_;
        if (is_prom()) pos = skip_blanks(pos);
        if (pos >= body_.size()) {
            if (!last_piece_) {
                pos_ = pos;
                return Entry::More;
            }
            if (!is_prom()) return fail_expected(pos, "'# EOF'");
            finished_ = true;
            return Entry::Eof;
        }
        if (body_[pos] == '\n' && is_prom()) {
            end_line(pos);  // blank lines are allowed in the text format only
            continue;
        }
        pos_ = pos;
        if (body_[pos] == '#') return parse_comment_line();
        if (!known.empty() && matches_known(pos, known)) {
            known_match_ = true;
            series_ = body_.substr(pos, known.size());
            if (known.back() != '}') name_ = series_;
            return parse_series_tail(pos + known.size());
        }
        return parse_series();
    }
}

Entry TextParser::parse_comment_line() {
    return is_prom() ? parse_prom_comment(pos_ + 1) : parse_om_comment(pos_ + 1);
}

Entry TextParser::parse_prom_comment(std::size_t pos) {
    const std::size_t after_hash = pos;
    pos = skip_blanks(pos);
    if (pos > after_hash) {
        const std::string_view rest = body_.substr(pos);
        const bool keyword_end = rest.size() > 4 && is_blank(rest[4]);
        if (keyword_end && rest.starts_with("HELP")) return parse_metadata(Entry::Help, pos + 4);
        if (keyword_end && rest.starts_with("TYPE")) return parse_metadata(Entry::Type, pos + 4);
    }
    const std::size_t end = line_end(pos);
    text_ = body_.substr(pos, end - pos);
    end_line(end);
    return Entry::Comment;
}

Entry TextParser::parse_om_comment(std::size_t pos) {
    if (!at(pos, ' ')) return fail_expected(pos, "' ' after '#'");
    ++pos;
    const std::string_view rest = body_.substr(pos);
    if (rest.starts_with("EOF") && (rest.size() == 3 || rest[3] == '\n')) {
        const std::size_t after = pos + (rest.size() == 3 ? 3 : 4);
        if (after < body_.size()) {
            if (rest.size() > 3) end_line(pos + 3);
            return fail(after, "unexpected content after '# EOF'");
        }
        finished_ = true;
        return Entry::Eof;
    }
    const bool keyword_end = rest.size() > 4 && rest[4] == ' ';
    if (keyword_end && rest.starts_with("HELP")) return parse_metadata(Entry::Help, pos + 4);
    if (keyword_end && rest.starts_with("TYPE")) return parse_metadata(Entry::Type, pos + 4);
    if (keyword_end && rest.starts_with("UNIT")) return parse_metadata(Entry::Unit, pos + 4);
    return fail_expected(pos, "HELP, TYPE, UNIT or EOF after '# '");
}

// `pos` is just after the keyword; the blank after it is known to be there.
Entry TextParser::parse_metadata(Entry kind, std::size_t pos) {
    const std::string_view keyword = kind == Entry::Help ? "HELP" : kind == Entry::Type ? "TYPE" : "UNIT";
    pos = is_prom() ? skip_blanks(pos) : pos + 1;
    if (pos >= body_.size() || !has(body_[pos], kNameStart)) {
        return fail_expected(pos, fmt::format("metric name after {}", keyword));
    }
    const std::size_t end_of_name = name_end(pos);
    name_ = body_.substr(pos, end_of_name - pos);
    pos = end_of_name;
    std::size_t text_start = pos;
    if (pos < body_.size() && body_[pos] != '\n') {
        if (!(is_prom() ? is_blank(body_[pos]) : body_[pos] == ' ')) {
            return fail_expected(pos, "' ' after metric name");
        }
        text_start = pos + 1;  // exactly one separator, as Prometheus strips
    }
    const std::size_t end = line_end(text_start);
    const std::string_view text = body_.substr(text_start, end - text_start);

    if (kind == Entry::Type) {
        const auto type = metric_type(text, format_);
        if (!type) return fail(text_start, fmt::format("invalid metric type \"{}\"", text));
        type_ = *type;
    } else if (kind == Entry::Help) {
        if (!valid_utf8(text)) return fail(text_start, "help text is not valid UTF-8");
        if (text.find('\\') == std::string_view::npos) {
            text_ = text;
        } else {
            unescape_into(text, !is_prom(), scratch_);
            text_ = scratch_;
        }
    } else {
        // OpenMetrics: a unit must be the name's last '_'-separated part.
        if (!text.empty() && !(name_.size() > text.size() && name_.ends_with(text) &&
                               name_[name_.size() - text.size() - 1] == '_')) {
            return fail(text_start, fmt::format("unit \"{}\" is not a suffix of metric \"{}\"", text, name_));
        }
        text_ = text;
    }
    if (!end_line(end)) return fail_expected(end, "end of line");
    return kind;
}

Entry TextParser::parse_series() {
    std::size_t pos = pos_;
    if (!has(body_[pos], kNameStart)) return fail_expected(pos, "metric name or '#'");
    const std::size_t start = pos;
    pos = name_end(pos);
    name_ = body_.substr(start, pos - start);
    std::size_t after = is_prom() ? skip_blanks(pos) : pos;
    if (at(after, '{')) {
        if (auto failed = parse_labels(after, true)) return *failed;
        series_ = body_.substr(start, after - start);
    } else {
        series_ = name_;
        after = pos;
    }
    return parse_series_tail(after);
}

// The value, an optional timestamp and, in OpenMetrics, an optional exemplar.
Entry TextParser::parse_series_tail(std::size_t pos) {
    const std::size_t value_start = is_prom() ? skip_blanks(pos) : pos + 1;
    if (value_start == pos || !(is_prom() || at(pos, ' '))) {
        const bool labelled = series_.size() > name_.size();
        return fail_expected(pos, labelled ? "' ' before value" : "'{' or ' ' after metric name");
    }
    pos = value_start;
    std::size_t end = plain_value_end(pos);
    if (end == pos) {
        end = token_end(pos);
        if (end == pos) return fail_expected(pos, "value");
        if (!parse_float(body_.substr(pos, end - pos), value_)) {
            return fail(pos, fmt::format("invalid value \"{}\"", body_.substr(pos, end - pos)));
        }
    }
    pos = end;
    if (is_prom()) {
        pos = skip_blanks(pos);
        if (pos < body_.size() && body_[pos] != '\n') {
            end = token_end(pos);
            std::int64_t ts = 0;
            if (!parse_int64(body_.substr(pos, end - pos), ts)) {
                return fail(pos, fmt::format("invalid timestamp \"{}\"", body_.substr(pos, end - pos)));
            }
            timestamp_ = ts;
            pos = skip_blanks(end);
            if (!end_line(pos)) return fail_expected(pos, "end of line after timestamp");
            return Entry::Series;
        }
        end_line(pos);
        return Entry::Series;
    }
    if (at(pos, ' ') && !at(pos + 1, '#')) {
        ++pos;
        if (auto failed = parse_om_timestamp(pos)) return *failed;
    }
    if (at(pos, ' ')) {
        ++pos;
        if (auto failed = parse_exemplar(pos)) return *failed;
    }
    if (!end_line(pos)) return fail_expected(pos, "end of line");
    return Entry::Series;
}

std::optional<Entry> TextParser::parse_om_timestamp(std::size_t& pos) {
    const std::size_t end = token_end(pos);
    const std::string_view text = body_.substr(pos, end - pos);
    double seconds = 0;
    // int64 milliseconds hold ±9.2e15 s; beyond that the conversion would be undefined.
    if (!parse_float(text, seconds) || !std::isfinite(seconds) || std::fabs(seconds) >= 9.2e15) {
        return fail(pos, fmt::format("invalid timestamp \"{}\"", text));
    }
    timestamp_ = static_cast<std::int64_t>(seconds * 1000);
    pos = end;
    return std::nullopt;
}

// ` # {labels} value [timestamp]`: checked for syntax, then dropped (`pos` is at the '#').
std::optional<Entry> TextParser::parse_exemplar(std::size_t& pos) {
    if (!at(pos, '#')) return fail_expected(pos, "'#' starting an exemplar");
    if (!at(pos + 1, ' ')) return fail_expected(pos + 1, "' ' after '#'");
    pos += 2;
    if (!at(pos, '{')) return fail_expected(pos, "'{' starting the exemplar's labels");
    if (auto failed = parse_labels(pos, false)) return failed;
    if (!at(pos, ' ')) return fail_expected(pos, "' ' before the exemplar's value");
    ++pos;
    const std::size_t end = token_end(pos);
    double value = 0;
    if (!parse_float(body_.substr(pos, end - pos), value)) {
        return fail(pos, fmt::format("invalid exemplar value \"{}\"", body_.substr(pos, end - pos)));
    }
    pos = end;
    if (at(pos, ' ')) {
        const std::optional<std::int64_t> sample_timestamp = timestamp_;
        ++pos;
        if (auto failed = parse_om_timestamp(pos)) return failed;
        timestamp_ = sample_timestamp;
    }
    return std::nullopt;
}

// `pos` is at the '{'; on success it is just past the '}'. Labels are recorded when `keep`.
std::optional<Entry> TextParser::parse_labels(std::size_t& pos, bool keep) {
    ++pos;
    bool first = true;
    for (;;) {
        if (is_prom()) pos = skip_blanks(pos);
        if (at(pos, '}') && (first || is_prom())) {
            ++pos;
            return std::nullopt;
        }
        if (pos >= body_.size() || !has(body_[pos], kLabelStart)) {
            return fail_expected(pos, first || is_prom() ? "label name or '}'" : "label name");
        }
        const std::size_t name_start = pos;
        const char* d = body_.data();
        const std::size_t n = body_.size();
        while (pos < n && has(d[pos], kLabelChar)) ++pos;
        const std::string_view name = body_.substr(name_start, pos - name_start);
        if (is_prom()) pos = skip_blanks(pos);
        if (!at(pos, '=')) return fail_expected(pos, "'=' after label name");
        ++pos;
        if (is_prom()) pos = skip_blanks(pos);
        if (!at(pos, '"')) return fail_expected(pos, "'\"' starting the label value");
        if (auto failed = parse_label_value(pos, keep, name)) return failed;
        if (is_prom()) pos = skip_blanks(pos);
        if (at(pos, '}')) {
            ++pos;
            return std::nullopt;
        }
        if (!at(pos, ',')) return fail_expected(pos, "',' or '}' after label value");
        ++pos;
        first = false;
    }
}

// `pos` is at the opening quote; on success it is just past the closing one.
std::optional<Entry> TextParser::parse_label_value(std::size_t& pos, bool keep, std::string_view name) {
    const char* d = body_.data();
    const std::size_t n = body_.size();
    const std::size_t start = pos + 1;
    std::size_t i = start;
    bool escaped = false;
    bool ascii = true;
    for (;;) {
        while (i < n && !has(d[i], kValueStop)) ++i;
        if (i >= n || d[i] == '\n') return fail(i, "unterminated label value");
        const char c = d[i];
        if (c == '"') break;
        if (c == '\\') {
            escaped = true;
            ++i;
            if (i >= n || d[i] == '\n') return fail(i, "unterminated label value");
        }
        ascii = ascii && static_cast<unsigned char>(d[i]) < 0x80;
        ++i;
    }
    const std::string_view raw = body_.substr(start, i - start);
    if (!ascii && !valid_utf8(raw)) return fail(start, "label value is not valid UTF-8");
    pos = i + 1;
    if (!keep) return std::nullopt;
    if (!escaped) {
        labels_.push_back({name, start, raw.size(), false});
    } else {
        const std::size_t offset = scratch_.size();
        unescape_into(raw, true, scratch_);
        labels_.push_back({name, offset, scratch_.size() - offset, true});
    }
    return std::nullopt;
}

}  // namespace autoscrape::scrape
