#include <catch2/catch.hpp>

#include "agent/remote/retry_policy.hpp"

using namespace autoscrape::remote;
using namespace std::chrono_literals;

namespace {

// 1994-11-06T08:49:37Z, the example date of RFC 9110.
const auto kNow = std::chrono::system_clock::from_time_t(784111777);

}  // namespace

TEST_CASE("2xx is success, 5xx and 429 are retried, other statuses drop the batch")
{
    const RetryPolicy policy(30ms, 5s, true);
    CHECK(policy.classify(200, "", kNow).outcome == SendOutcome::Ok);
    CHECK(policy.classify(204, "", kNow).outcome == SendOutcome::Ok);
    CHECK(policy.classify(500, "", kNow).outcome == SendOutcome::Retry);
    CHECK(policy.classify(503, "", kNow).outcome == SendOutcome::Retry);
    CHECK(policy.classify(429, "", kNow).outcome == SendOutcome::Retry);
    CHECK(policy.classify(0, "", kNow).outcome == SendOutcome::Retry);
    CHECK(policy.classify(400, "", kNow).outcome == SendOutcome::Drop);
    CHECK(policy.classify(404, "", kNow).outcome == SendOutcome::Drop);
    CHECK(policy.classify(302, "", kNow).outcome == SendOutcome::Drop);
}

TEST_CASE("429 drops the batch when retry_on_http_429 is off")
{
    const RetryPolicy policy(30ms, 5s, false);
    CHECK(policy.classify(429, "1", kNow).outcome == SendOutcome::Drop);
}

TEST_CASE("Retry-After is honoured as seconds and as an HTTP-date, and ignored when past or garbage")
{
    CHECK(parse_retry_after("120", kNow) == std::chrono::milliseconds(120s));
    CHECK(parse_retry_after(" 7 ", kNow) == std::chrono::milliseconds(7s));
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", kNow) == std::chrono::milliseconds(30s));
    CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", kNow).has_value());
    CHECK_FALSE(parse_retry_after("Sun, 06 Foo 1994 08:50:07 GMT", kNow).has_value());
    CHECK_FALSE(parse_retry_after("", kNow).has_value());
    CHECK_FALSE(parse_retry_after("-5", kNow).has_value());
    CHECK_FALSE(parse_retry_after("soon", kNow).has_value());
    const RetryPolicy policy(30ms, 5s, true);
    CHECK(policy.classify(503, "3", kNow).retry_after == std::chrono::milliseconds(3s));
}

TEST_CASE("Backoff doubles from min_backoff up to max_backoff and reset starts it over")
{
    RetryPolicy policy(30ms, 200ms, true);
    CHECK(policy.next_backoff(std::nullopt) == 30ms);
    CHECK(policy.next_backoff(std::nullopt) == 60ms);
    CHECK(policy.next_backoff(std::nullopt) == 120ms);
    CHECK(policy.next_backoff(std::nullopt) == 200ms);
    CHECK(policy.next_backoff(std::nullopt) == 200ms);
    policy.reset();
    CHECK(policy.next_backoff(std::nullopt) == 30ms);
}

TEST_CASE("A server's Retry-After replaces the backoff for that wait and seeds the next one")
{
    RetryPolicy policy(30ms, 5s, true);
    CHECK(policy.next_backoff(std::chrono::milliseconds(10s)) == 10s);  // not capped: the server asked
    CHECK(policy.next_backoff(std::nullopt) == 5s);
    policy.reset();
    CHECK(policy.next_backoff(std::chrono::milliseconds(1s)) == 1s);
    CHECK(policy.next_backoff(std::nullopt) == 2s);
}
