#include "agent/scrape/text_values.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "agent/scrape/text_parser.hpp"

namespace autoscrape::scrape {

namespace {

bool iequals(std::string_view a, std::string_view lower) {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        if (c != lower[i]) return false;
    }
    return true;
}

// from_chars reports both overflow and underflow as out of range; Go turns underflow into 0.
// The magnitude is small when no significant digit precedes the point and the exponent is
// negative or absent.
bool underflows(std::string_view digits) {
    const std::size_t e = digits.find_first_of("eE");
    const std::string_view mantissa = digits.substr(0, e);
    bool significant_before_point = false;
    for (const char c : mantissa) {
        if (c == '.') break;
        if (c >= '1' && c <= '9') significant_before_point = true;
    }
    if (e == std::string_view::npos) return !significant_before_point;
    return !significant_before_point || (e + 1 < digits.size() && digits[e + 1] == '-');
}

}  // namespace

const char* parse_plain_decimal(const char* p, const char* end, double& out) {
    static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char* const start = p;
    std::uint64_t mantissa = 0;
    while (p < end && static_cast<unsigned char>(*p - '0') < 10) mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
    std::ptrdiff_t digits = p - start;
    std::ptrdiff_t fraction = 0;
    if (p < end && *p == '.') {
        const char* const after_point = ++p;
        while (p < end && static_cast<unsigned char>(*p - '0') < 10) mantissa = mantissa * 10 + static_cast<unsigned>(*p++ - '0');
        fraction = p - after_point;
        digits += fraction;
    }
    // More than 15 digits may not fit a double exactly (and 20 would overflow the mantissa).
    if (digits == 0 || digits > 15) return nullptr;
    const auto value = static_cast<double>(mantissa);
    out = fraction > 0 ? value / kPow10[fraction] : value;
    return p;
}

bool parse_float(std::string_view text, double& out) {
    if (text.empty()) return false;
    bool negative = false;
    std::string_view digits = text;
    if (digits.front() == '+' || digits.front() == '-') {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    if (digits.empty()) return false;
    if (double plain = 0; parse_plain_decimal(digits.data(), digits.data() + digits.size(), plain) ==
                          digits.data() + digits.size()) {
        out = negative ? -plain : plain;
        return true;
    }
    if (iequals(digits, "inf") || iequals(digits, "infinity")) {
        out = negative ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
        return true;
    }
    if (iequals(digits, "nan")) {
        out = std::bit_cast<double>(kNormalNaN);
        return true;
    }
    // Only digits or a point may start the number: this keeps out "nan(...)", a second sign and
    // anything else from_chars would accept but Go would not.
    const char first = digits.front();
    if (!((first >= '0' && first <= '9') || first == '.')) return false;
    double value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                           std::chars_format::general);
    if (end != digits.data() + digits.size()) return false;
    if (ec == std::errc::result_out_of_range) {
        if (!underflows(digits)) return false;
        value = 0;
    } else if (ec != std::errc()) {
        return false;
    }
    out = negative ? -value : value;
    return true;
}

bool parse_int64(std::string_view text, std::int64_t& out) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty() || text.front() == '+') return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

bool valid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        // Eight ASCII bytes at a time: help texts and label values are nearly always ASCII.
        if (n - i >= 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, s + i, 8);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;  // overlong
            if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (n - i < len) return false;
        if (s[i + 1] < lo || s[i + 1] > hi) return false;
        for (std::size_t k = 2; k < len; ++k) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return false;
        }
        i += len;
    }
    return true;
}

void unescape_into(std::string_view escaped, bool quotes, std::string& out) {
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        const char c = escaped[i];
        if (c == '\\' && i + 1 < escaped.size()) {
            const char next = escaped[i + 1];
            if (next == '\\' || next == 'n' || (quotes && next == '"')) {
                out += next == 'n' ? '\n' : next;
                ++i;
                continue;
            }
        }
        out += c;
    }
}

}  // namespace autoscrape::scrape
