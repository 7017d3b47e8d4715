// The scalar pieces of the text formats, shared by the parser and its tests: numbers as
// Prometheus reads them, UTF-8 validation, and unescaping of label values and help texts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace autoscrape::scrape {

// A sample value as Go's strconv.ParseFloat reads it in Prometheus: decimal or exponent form,
// an optional sign, "Inf"/"Infinity"/"NaN" in any case; no hex, no '_'. Overflow is an error,
// underflow is zero. NaN comes back as the canonical kNormalNaN.
bool parse_float(std::string_view text, double& out);

// Clinger's fast path for the plain decimals nearly every sample is (digits, an optional point and
// more digits, 15 digits at most): both the digits and the power of ten are exact doubles, so one
// division rounds correctly. Returns where the number stopped, or null when [p, end) does not start
// with such a number; whether it stopped at a valid end is the caller's business.
const char* parse_plain_decimal(const char* p, const char* end, double& out);

// A decimal int64 with an optional sign, as strconv.ParseInt; overflow is an error.
bool parse_int64(std::string_view text, std::int64_t& out);

// Go's utf8.Valid: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text);

// Appends `escaped` to `out`, replacing \\ and \n, and \" when `quotes` is set; any other
// backslash sequence is kept as written, as Prometheus' replacers do.
void unescape_into(std::string_view escaped, bool quotes, std::string& out);

}  // namespace autoscrape::scrape
