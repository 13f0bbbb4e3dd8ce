// Process-wide bookkeeping of Autotask's limits, shared by every Client that talks to the same
// tenant: Autotask counts concurrent requests per tracking identifier and endpoint, and the hourly
// budget per database, not per client object.
#pragma once

#include <autotask_sync/client/policies.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace autotask_sync::detail {

// A counting gate for one (tenant, integration code, endpoint).
class EndpointGate {
 public:
  // The gate for this key, created on first use. `key` must not hold a credential in clear text.
  static std::shared_ptr<EndpointGate> for_key(const std::string& key);

  // Blocks until fewer than `limit` requests hold the gate, then holds it. The effective limit is
  // the lowest any caller has asked for.
  void acquire(int limit);
  void release();
  int in_flight() const;
  int peak() const;  // the most requests that held the gate at once

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  int peak_ = 0;
  int limit_ = 1 << 30;
};

class GateHold {
 public:
  GateHold(std::shared_ptr<EndpointGate> gate, int limit) : gate_(std::move(gate)) {
    gate_->acquire(limit);
  }
  ~GateHold() { gate_->release(); }
  GateHold(const GateHold&) = delete;
  GateHold& operator=(const GateHold&) = delete;

 private:
  std::shared_ptr<EndpointGate> gate_;
};

// What is known of one tenant's hourly budget.
class BudgetState {
 public:
  static std::shared_ptr<BudgetState> for_key(const std::string& key);

  struct Snapshot {
    std::optional<std::int64_t> threshold;  // externalRequestThreshold
    std::optional<std::int64_t> used;       // currentTimeframeRequestCount at the last poll
    std::int64_t sent_since_poll = 0;       // requests this process sent since then
    std::optional<std::chrono::system_clock::time_point> polled_at;
  };

  Snapshot snapshot() const;
  void count_request();
  // True when this thread should poll now (and then must call finish_poll); false when another
  // thread is polling or the last poll is recent enough.
  bool begin_poll(const LimitPolicy& policy, std::chrono::system_clock::time_point now);
  void finish_poll(std::optional<std::int64_t> threshold, std::optional<std::int64_t> used,
                   std::chrono::system_clock::time_point now);
  // While the very first poll runs, the other callers wait for its figures (at most `limit`)
  // instead of sending blind.
  void wait_for_first_poll(std::chrono::milliseconds limit);

 private:
  mutable std::mutex mutex_;
  std::condition_variable polled_;
  Snapshot s_;
  bool polling_ = false;
  std::int64_t sent_at_poll_start_ = 0;
};

}  // namespace autotask_sync::detail
