// Prometheus-style durations (`1m30s`, `500ms`, `2h`, `0`) and byte sizes (`512MiB`, `1GB`, `0`).
//
// The grammars follow Prometheus exactly so a value copied from a prometheus.yml means the same
// here: durations are common/model.ParseDuration (units y w d h m s ms, descending, each at most
// once, integer counts), sizes are alecthomas/units.ParseBase2Bytes as used by `body_size_limit`
// (KB and KiB are both 1024; lowercase `kB` is rejected). A bare integer size is a byte count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace autoscrape::config {

// nullopt when the text is not a valid duration or does not fit in milliseconds.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest canonical spelling (`1m30s`, `0s`); parse_duration reads it back unchanged.
std::string format_duration(Duration d);

// nullopt when the text is not a valid size or exceeds 2^63-1 bytes (Prometheus' int64 limit).
std::optional<std::uint64_t> parse_size(std::string_view text);

// `512MiB` when the value is a whole number of a binary unit, else the plain byte count.
std::string format_size(std::uint64_t bytes);

}  // namespace autoscrape::config
