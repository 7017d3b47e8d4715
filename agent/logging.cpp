#include "agent/logging.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace autoscrape::agent {
namespace {

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace: return "trace";
        case spdlog::level::debug: return "debug";
        case spdlog::level::info: return "info";
        case spdlog::level::warn: return "warn";
        case spdlog::level::err: return "error";
        case spdlog::level::critical: return "critical";
        default: return "off";
    }
}

// RFC 3339 in UTC with milliseconds, as Prometheus' logs print it.
std::string timestamp(spdlog::log_clock::time_point time) {
    const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(ms);
    const std::time_t t = std::chrono::system_clock::to_time_t(seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, (ms - seconds).count());
}

bool needs_logfmt_quotes(std::string_view value) {
    if (value.empty()) return true;
    for (unsigned char c : value) {
        if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) return true;
    }
    return false;
}

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
    out.push_back('"');
    for (unsigned char c : value) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += fmt::format("\\u{:04x}", c);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

void append_logfmt_value(std::string& out, std::string_view value) {
    if (needs_logfmt_quotes(value)) {
        append_json_string(out, value);  // logfmt quoting is Go's strconv.Quote: JSON-compatible here
    } else {
        out.append(value);
    }
}

void StructuredFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    std::string line;
    line.reserve(128 + msg.payload.size());
    const std::string_view text(msg.payload.data(), msg.payload.size());
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    if (format_ == config::LogConfig::Format::Json) {
        line += "{\"ts\":\"" + timestamp(msg.time) + "\",\"level\":\"";
        line += level_name(msg.level);
        line += '"';
        if (!logger.empty()) {
            line += ",\"logger\":";
            append_json_string(line, logger);
        }
        line += ",\"msg\":";
        append_json_string(line, text);
        line += '}';
    } else {
        line += "ts=" + timestamp(msg.time) + " level=";
        line += level_name(msg.level);
        if (!logger.empty()) {
            line += " logger=";
            append_logfmt_value(line, logger);
        }
        line += " msg=";
        append_logfmt_value(line, text);
    }
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> StructuredFormatter::clone() const {
    return std::make_unique<StructuredFormatter>(format_);
}

spdlog::level::level_enum parse_log_level(std::string_view level) {
    if (level == "trace") return spdlog::level::trace;
    if (level == "debug") return spdlog::level::debug;
    if (level == "info") return spdlog::level::info;
    if (level == "warn") return spdlog::level::warn;
    if (level == "error") return spdlog::level::err;
    throw std::invalid_argument(
        fmt::format("unknown log level '{}' (expected trace, debug, info, warn or error)", level));
}

void setup_logging(const config::LogConfig& log) {
    // Created once: a reload only changes level and format of the logger other threads are using.
    static const auto logger = [] {
        auto created = std::make_shared<spdlog::logger>("", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        spdlog::set_default_logger(created);
        return created;
    }();
    logger->set_formatter(std::make_unique<StructuredFormatter>(log.format));
    logger->set_level(parse_log_level(log.level));
    logger->flush_on(spdlog::level::warn);
}

}  // namespace autoscrape::agent
