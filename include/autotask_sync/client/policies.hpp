// Retry, backoff and request limits: small policy values handed to the Client, each with its
// clock, sleep and randomness injected so that tests run in no wall time.
//
//  - RetryPolicy decides whether a failure is worth another attempt. Reads retry on transient
//    failures; a create is retried only when Autotask certainly did not act on it (429, the
//    thread-limit error, a connection that was refused before the request was sent). After a
//    timeout or a failure once the request was sent, the caller re-reads and decides.
//  - BackoffPolicy says how long to wait: exponential with full jitter and a cap, Retry-After
//    (seconds or an HTTP date) when the server sent it, and a floor so that 0 never hot-loops.
//  - LimitPolicy keeps the client inside Autotask's limits: at most N requests in flight per entity
//    endpoint for one tenant and integration code across the whole process, and the tenant's
//    hourly request budget read from ThresholdInformation.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace autotask_sync {

// Time and randomness, injectable. Empty members fall back to the real clock, a real sleep and
// a seeded PRNG.
struct Environment {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<double()> random;  // uniform in [0, 1)

  std::chrono::system_clock::time_point current_time() const;
  void wait(std::chrono::milliseconds d) const;
  double uniform() const;
};

enum class RequestKind {
  kRead,    // queries, get, metadata: safe to repeat
  kUpdate,  // PATCH: repeating sets the same values again
  kCreate,  // POST of a new entity: repeating may create it twice
};

struct RetryPolicy {
  int max_attempts = 5;  // attempts in all, the first one included; 1 disables retries
  std::chrono::milliseconds total_budget{std::chrono::minutes(5)};  // waits added up

  // Whether a request of this kind that failed with `e` may be sent again.
  bool retryable(const Error& e, RequestKind kind) const;
};

struct BackoffPolicy {
  std::chrono::milliseconds initial{1000};
  double multiplier = 2.0;
  std::chrono::milliseconds cap{std::chrono::seconds(60)};
  std::chrono::milliseconds floor{1000};  // no wait is shorter, whatever Retry-After says
  // Waited after a 429 without Retry-After: Autotask's window is an hour, so retrying in a
  // second only spends more of it.
  std::chrono::milliseconds rate_limited_default{std::chrono::seconds(60)};

  // The wait before attempt `attempt` + 1 (attempt counts from 1). `retry_after` is the server's
  // hint, already converted to a duration.
  std::chrono::milliseconds delay(int attempt, const Error& e,
                                  std::optional<std::chrono::milliseconds> retry_after,
                                  double random01) const;
};

// Retry-After as seconds ("120") or an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT"), relative to
// `now`; nullopt when absent or unparseable. A date in the past gives 0.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

struct LimitPolicy {
  // Requests in flight at once per entity endpoint, counted across every Client of the process
  // that talks to the same tenant with the same integration code. Autotask allows 3.
  int max_in_flight_per_endpoint = 3;
  // The hourly budget, from ThresholdInformation. Polled at most once per poll_interval or every
  // poll_every_requests requests, whichever comes first, by one thread at a time.
  bool watch_budget = true;
  std::chrono::milliseconds poll_interval{std::chrono::minutes(1)};
  int poll_every_requests = 200;
  double slow_down_share = 0.5;  // past this share of the budget, wait slow_down_delay per request
  std::chrono::milliseconds slow_down_delay{500};
  double stop_share = 0.9;  // past this share, refuse with kRateLimited instead of sending
};

}  // namespace autotask_sync
