#include "agent/remote/retry_policy.hpp"

#include <array>
#include <charconv>
#include <ctime>

namespace autoscrape::remote {

namespace {

constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool parse_int(std::string_view s, int& out)
{
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && ptr == s.data() + s.size();
}

// IMF-fixdate only (RFC 9110 says senders must use it); fixed positions make it a strict parse:
// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s)
{
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
        return std::nullopt;
    }
    std::tm tm{};
    int month = -1;
    for (std::size_t i = 0; i < kMonths.size(); ++i) {
        if (s.substr(8, 3) == kMonths[i]) {
            month = static_cast<int>(i);
        }
    }
    if (month < 0 || !parse_int(s.substr(5, 2), tm.tm_mday) || !parse_int(s.substr(12, 4), tm.tm_year) ||
        !parse_int(s.substr(17, 2), tm.tm_hour) || !parse_int(s.substr(20, 2), tm.tm_min) ||
        !parse_int(s.substr(23, 2), tm.tm_sec)) {
        return std::nullopt;
    }
    tm.tm_mon = month;
    tm.tm_year -= 1900;
    const std::time_t t = ::timegm(&tm);
    if (t == static_cast<std::time_t>(-1)) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
    }
    int seconds = 0;
    if (parse_int(value, seconds)) {
        if (seconds <= 0) {
            return std::nullopt;
        }
        return std::chrono::seconds(seconds);
    }
    const auto at = parse_http_date(value);
    if (!at || *at <= now) {
        return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(*at - now);
}

RetryPolicy::RetryPolicy(std::chrono::milliseconds min_backoff, std::chrono::milliseconds max_backoff,
                         bool retry_on_http_429)
    : min_backoff_(min_backoff),
      max_backoff_(std::max(min_backoff, max_backoff)),
      retry_on_http_429_(retry_on_http_429),
      backoff_(min_backoff)
{
}

SendDecision RetryPolicy::classify(int status, std::string_view retry_after_header,
                                   std::chrono::system_clock::time_point now) const
{
    if (status >= 200 && status < 300) {
        return {SendOutcome::Ok, std::nullopt};
    }
    const bool retryable = status == 0 || (status >= 500 && status < 600) || (status == 429 && retry_on_http_429_);
    if (!retryable) {
        return {SendOutcome::Drop, std::nullopt};
    }
    return {SendOutcome::Retry, parse_retry_after(retry_after_header, now)};
}

std::chrono::milliseconds RetryPolicy::next_backoff(std::optional<std::chrono::milliseconds> retry_after)
{
    const auto wait = retry_after.value_or(backoff_);
    backoff_ = std::min(wait * 2, max_backoff_);
    return wait;
}

}  // namespace autoscrape::remote
