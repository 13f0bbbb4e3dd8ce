#include "client/limiter.hpp"

#include <algorithm>
#include <map>

namespace autotask_sync::detail {

namespace {

template <class T>
std::shared_ptr<T> registry_get(const std::string& key) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<T>> registry;
  std::lock_guard lock(mutex);
  auto& slot = registry[key];
  if (!slot) slot = std::make_shared<T>();
  return slot;
}

}  // namespace

std::shared_ptr<EndpointGate> EndpointGate::for_key(const std::string& key) {
  return registry_get<EndpointGate>(key);
}

void EndpointGate::acquire(int limit) {
  std::unique_lock lock(mutex_);
  limit_ = std::min(limit_, std::max(1, limit));
  cv_.wait(lock, [&] { return in_flight_ < limit_; });
  ++in_flight_;
  peak_ = std::max(peak_, in_flight_);
}

void EndpointGate::release() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  cv_.notify_one();
}

int EndpointGate::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

int EndpointGate::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

std::shared_ptr<BudgetState> BudgetState::for_key(const std::string& key) {
  return registry_get<BudgetState>(key);
}

BudgetState::Snapshot BudgetState::snapshot() const {
  std::lock_guard lock(mutex_);
  return s_;
}

void BudgetState::count_request() {
  std::lock_guard lock(mutex_);
  ++s_.sent_since_poll;
}

bool BudgetState::begin_poll(const LimitPolicy& policy, std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (polling_) return false;
  const bool due = !s_.polled_at || now - *s_.polled_at >= policy.poll_interval ||
                   s_.sent_since_poll >= policy.poll_every_requests;
  if (!due) return false;
  polling_ = true;
  sent_at_poll_start_ = s_.sent_since_poll;
  return true;
}

void BudgetState::wait_for_first_poll(std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  if (s_.polled_at) return;
  polled_.wait_for(lock, limit, [&] { return !polling_ || s_.polled_at.has_value(); });
}

void BudgetState::finish_poll(std::optional<std::int64_t> threshold,
                              std::optional<std::int64_t> used,
                              std::chrono::system_clock::time_point now) {
  std::lock_guard lock(mutex_);
  const bool was_polling = polling_;
  polling_ = false;
  s_.polled_at = now;
  if (threshold && used) {
    s_.threshold = threshold;
    s_.used = used;
    // Requests counted while the poll was out may not be in Autotask's figure yet: keep them.
    s_.sent_since_poll =
        was_polling ? std::max<std::int64_t>(0, s_.sent_since_poll - sent_at_poll_start_) : 0;
  }
  polled_.notify_all();
}

}  // namespace autotask_sync::detail
