#include <catch2/catch.hpp>
#include <spdlog/details/log_msg.h>

#include "agent/logging.hpp"

using namespace autoscrape::agent;
using autoscrape::config::LogConfig;

namespace {

std::string format_record(LogConfig::Format format, std::string_view text, std::string_view logger = "") {
    StructuredFormatter formatter(format);
    spdlog::details::log_msg msg(spdlog::string_view_t(logger.data(), logger.size()), spdlog::level::warn,
                                 spdlog::string_view_t(text.data(), text.size()));
    spdlog::memory_buf_t out;
    formatter.format(msg, out);
    return std::string(out.data(), out.size());
}

}  // namespace

TEST_CASE("logfmt records carry ts, level and a quoted msg on one line") {
    const auto line = format_record(LogConfig::Format::Logfmt, "scrape failed: timeout");
    CHECK_THAT(line, Catch::Matches(R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=warn msg="scrape failed: timeout"\n)"));
}

TEST_CASE("logfmt leaves simple values unquoted and escapes quotes and newlines") {
    std::string out;
    append_logfmt_value(out, "ready");
    CHECK(out == "ready");
    out.clear();
    append_logfmt_value(out, "a \"b\"\nc");
    CHECK(out == R"("a \"b\"\nc")");
    out.clear();
    append_logfmt_value(out, "");
    CHECK(out == R"("")");
}

TEST_CASE("JSON records are one object per line with escaped control characters") {
    const auto line = format_record(LogConfig::Format::Json, "tab\there\x01", "discovery");
    CHECK_THAT(line, Catch::StartsWith("{\"ts\":\""));
    CHECK_THAT(line, Catch::EndsWith("\"level\":\"warn\",\"logger\":\"discovery\",\"msg\":\"tab\\there\\u0001\"}\n"));
}

TEST_CASE("log levels parse by name and unknown ones are rejected") {
    CHECK(parse_log_level("error") == spdlog::level::err);
    CHECK(parse_log_level("trace") == spdlog::level::trace);
    CHECK_THROWS_WITH(parse_log_level("verbose"), Catch::Contains("unknown log level 'verbose'"));
}
