// What to do after a remote-write attempt, as Prometheus' queue manager does it: 2xx is done;
// 5xx (and 429 when queue_config.retry_on_http_429) is retried after a backoff that honours
// Retry-After (seconds or HTTP-date); any other status drops the batch, since resending the same
// bytes cannot succeed. Pure logic, no clocks of its own and no network, so it is fully testable.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace autoscrape::remote {

enum class SendOutcome { Ok, Retry, Drop };

struct SendDecision {
    SendOutcome outcome = SendOutcome::Ok;
    // The server's Retry-After as a wait from `now`; nullopt if absent, unparsable or in the past.
    std::optional<std::chrono::milliseconds> retry_after;
};

// Parses a Retry-After value: delay-seconds or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

class RetryPolicy {
public:
    RetryPolicy(std::chrono::milliseconds min_backoff, std::chrono::milliseconds max_backoff,
                bool retry_on_http_429);

    // `status` 0 means no HTTP response at all (connect/timeout/reset): always retried.
    SendDecision classify(int status, std::string_view retry_after_header,
                          std::chrono::system_clock::time_point now) const;

    // The wait before the next attempt of a batch: the server's Retry-After if it gave one, else the
    // current backoff. Either way the next backoff is twice this wait, capped at max_backoff.
    std::chrono::milliseconds next_backoff(std::optional<std::chrono::milliseconds> retry_after);

    // After a success: the next failure starts again from min_backoff.
    void reset() { backoff_ = min_backoff_; }

private:
    std::chrono::milliseconds min_backoff_;
    std::chrono::milliseconds max_backoff_;
    bool retry_on_http_429_;
    std::chrono::milliseconds backoff_;
};

}  // namespace autoscrape::remote
