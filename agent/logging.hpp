// Process-wide logging setup: spdlog writing to stderr in logfmt (the default, as Prometheus) or
// JSON lines, one record per line, so journald and log shippers can parse it without guessing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>

#include "config/config.hpp"

namespace autoscrape::agent {

// Formats a record as `ts=... level=... logger=... msg="..."` or as a JSON object with those keys.
class StructuredFormatter final : public spdlog::formatter {
public:
    explicit StructuredFormatter(config::LogConfig::Format format) : format_(format) {}
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;

private:
    config::LogConfig::Format format_;
};

// Parses a --log.level value; throws std::invalid_argument naming the valid levels.
spdlog::level::level_enum parse_log_level(std::string_view level);

// Installs the stderr logger with the given level and format as spdlog's default logger.
void setup_logging(const config::LogConfig& log);

// Appends `value` to `out` quoted for logfmt when it needs it (space, '=', '"', control bytes).
void append_logfmt_value(std::string& out, std::string_view value);

// Appends `value` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view value);

}  // namespace autoscrape::agent
