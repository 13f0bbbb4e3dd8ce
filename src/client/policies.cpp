#include <autotask_sync/client/policies.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

namespace autotask_sync {

std::chrono::system_clock::time_point Environment::current_time() const {
  return now ? now() : std::chrono::system_clock::now();
}

void Environment::wait(std::chrono::milliseconds d) const {
  if (d <= std::chrono::milliseconds::zero()) return;
  if (sleep) {
    sleep(d);
  } else {
    std::this_thread::sleep_for(d);
  }
}

double Environment::uniform() const {
  if (random) return random();
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

bool RetryPolicy::retryable(const Error& e, RequestKind kind) const {
  switch (e.code) {
    case ErrorCode::kRateLimited:
    case ErrorCode::kThreadLimit:
      // Autotask refused the request before acting on it.
      return true;
    case ErrorCode::kTransport:
      // A connection that failed before the request left is safe to repeat for any kind.
      return kind != RequestKind::kCreate || !e.request_sent;
    case ErrorCode::kTimeout:
    case ErrorCode::kOutage:
      return kind != RequestKind::kCreate || !e.request_sent;
    default:
      return false;
  }
}

std::chrono::milliseconds BackoffPolicy::delay(int attempt, const Error& e,
                                               std::optional<std::chrono::milliseconds> retry_after,
                                               double random01) const {
  using std::chrono::milliseconds;
  if (retry_after) return std::max(*retry_after, floor);
  if (e.code == ErrorCode::kRateLimited) return std::max(rate_limited_default, floor);

  // Full jitter: uniform in [0, min(cap, initial * multiplier^(attempt-1))], then the floor.
  const double exp = static_cast<double>(initial.count()) *
                     std::pow(multiplier, static_cast<double>(std::max(0, attempt - 1)));
  const double bound = std::min(static_cast<double>(cap.count()), exp);
  const auto jittered =
      milliseconds(static_cast<std::int64_t>(bound * std::clamp(random01, 0.0, 1.0)));
  return std::max(jittered, floor);
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;

  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::chrono::milliseconds(std::chrono::hours(24));
    return std::chrono::seconds(std::stol(std::string(value)));
  }

  // IMF-fixdate: "Wed, 21 Oct 2026 07:28:00 GMT".
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char weekday[4] = {}, mon[4] = {}, zone[4] = {};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  const std::string text(value);
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", weekday, &day, mon, &year, &hh, &mm,
                  &ss, zone) != 8 ||
      std::string_view(zone) != "GMT") {
    return std::nullopt;
  }
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (std::string_view(mon) == kMonths[i]) month = i + 1;
  }
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year},
                           std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (month < 0 || !ymd.ok() || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  const auto at = sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss};
  if (at <= now) return milliseconds::zero();
  return duration_cast<milliseconds>(at - now);
}

}  // namespace autotask_sync
