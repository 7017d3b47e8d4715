#include "config/units.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace autoscrape::config {
namespace {

struct Unit {
    std::string_view name;
    std::int64_t millis;
};

// Descending order is part of the grammar: `1h1m` is valid, `1m1h` is not.
constexpr std::array<Unit, 7> kDurationUnits{{
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Longest-match lookup so `ms` is not read as `m` followed by garbage.
std::optional<std::size_t> duration_unit_at(std::string_view text, std::size_t pos, std::size_t& len) {
    for (std::size_t i = 0; i < kDurationUnits.size(); ++i) {
        const auto name = kDurationUnits[i].name;
        if (text.substr(pos, name.size()) == name) {
            const bool longer_ms = name == "m" && text.substr(pos, 2) == "ms";
            if (longer_ms) continue;
            len = name.size();
            return i;
        }
    }
    return std::nullopt;
}

struct SizeUnit {
    std::string_view name;
    double factor;
};

// Base2Bytes accepts both the IEC spelling and the old B spelling, all powers of 1024.
constexpr double kKi = 1024.0;
constexpr std::array<SizeUnit, 13> kSizeUnits{{
    {"B", 1.0},
    {"KiB", kKi}, {"MiB", kKi * kKi}, {"GiB", kKi * kKi * kKi},
    {"TiB", kKi * kKi * kKi * kKi}, {"PiB", kKi * kKi * kKi * kKi * kKi},
    {"EiB", kKi * kKi * kKi * kKi * kKi * kKi},
    {"KB", kKi}, {"MB", kKi * kKi}, {"GB", kKi * kKi * kKi},
    {"TB", kKi * kKi * kKi * kKi}, {"PB", kKi * kKi * kKi * kKi * kKi},
    {"EB", kKi * kKi * kKi * kKi * kKi * kKi},
}};

constexpr std::array<std::pair<std::string_view, std::uint64_t>, 6> kFormatUnits{{
    {"EiB", 1ULL << 60}, {"PiB", 1ULL << 50}, {"TiB", 1ULL << 40},
    {"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10},
}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
    if (text == "0") return Duration{0};
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    std::size_t next_unit = 0;  // units must appear in kDurationUnits order, each once
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int64_t count = 0;
        const std::size_t start = pos;
        while (pos < text.size() && is_digit(text[pos])) {
            if (count > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
            count = count * 10 + (text[pos] - '0');
            ++pos;
        }
        if (pos == start) return std::nullopt;
        std::size_t len = 0;
        const auto unit = duration_unit_at(text, pos, len);
        if (!unit || *unit < next_unit) return std::nullopt;
        next_unit = *unit + 1;
        pos += len;
        const std::int64_t millis = kDurationUnits[*unit].millis;
        if (count > (std::numeric_limits<std::int64_t>::max() - total) / millis) return std::nullopt;
        total += count * millis;
    }
    return Duration{total};
}

std::string format_duration(Duration d) {
    std::int64_t ms = d.count();
    if (ms <= 0) return "0s";
    std::string out;
    for (const auto& unit : kDurationUnits) {
        const std::int64_t n = ms / unit.millis;
        if (n > 0) {
            out += std::to_string(n);
            out += unit.name;
            ms -= n * unit.millis;
        }
    }
    return out;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text.find_first_not_of("0123456789") == std::string_view::npos) {
        if (text.size() > 19) return std::nullopt;
        const std::uint64_t value = std::stoull(std::string(text));
        if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return value;
    }
    // Like Go's ParseUnit: a sequence of decimal numbers (fractions allowed), each with a unit.
    double total = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = pos;
        while (pos < text.size() && is_digit(text[pos])) ++pos;
        const std::size_t int_end = pos;
        std::size_t frac_end = pos;
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            while (pos < text.size() && is_digit(text[pos])) ++pos;
            frac_end = pos;
        }
        const bool has_digits = int_end > start || frac_end > int_end + 1;
        if (!has_digits || int_end - start > 19 || frac_end - int_end > 20) return std::nullopt;
        const double number = std::stod(std::string(text.substr(start, pos - start)) + (frac_end == int_end + 1 ? "0" : ""));
        const std::size_t unit_start = pos;
        while (pos < text.size() && !is_digit(text[pos]) && text[pos] != '.') ++pos;
        const auto name = text.substr(unit_start, pos - unit_start);
        const SizeUnit* unit = nullptr;
        for (const auto& u : kSizeUnits) {
            if (u.name == name) unit = &u;
        }
        if (unit == nullptr) return std::nullopt;
        total += number * unit->factor;
    }
    if (!(total < 0x1p63)) return std::nullopt;
    return static_cast<std::uint64_t>(total);
}

std::string format_size(std::uint64_t bytes) {
    if (bytes == 0) return "0";
    for (const auto& [name, factor] : kFormatUnits) {
        if (bytes % factor == 0) return std::to_string(bytes / factor) + std::string(name);
    }
    return std::to_string(bytes);
}

}  // namespace autoscrape::config
