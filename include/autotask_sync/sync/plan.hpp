// The billing sync in two steps: a plan, built from what Autotask holds before anything is
// written, and its application.
//
// A plan says per mapping what Autotask holds (units of the row covering the effective date,
// the contract service's unit cost and price), the target, the delta, the effective date and why
// it was chosen, the exact adjustment body that would be sent, and the outcome it would have:
// would_update, unchanged, held (for review) or skipped, with the reason. It also says how many
// requests applying it costs. Plans serialise to JSON (schema "autotask_sync.plan.v1") so that a
// person can review one, clear `approved` on entries, and apply it later.
//
// Applying a plan re-reads, batched, the units and contract services it is about to change and
// refuses (skipped, reason_code "plan.stale") every entry whose current units or cost moved since
// the plan was made; it never plans again on its own.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/sync/billing.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace autotask_sync {

// One mapping's planned change. The MappingResult fields `units_before`, `cost_before` and
// `price_before` hold what Autotask had when the plan was made; `*_after` stay empty.
struct PlanEntry : MappingResult {
  bool approved = true;  // cleared by a reviewer: the entry is not applied with only_approved
};

struct Plan {
  std::string plan_id;  // random, 32 hex digits
  DateTime created_at{};
  Date run_date{};
  Date effective_date{};  // the run's default; entries say their own
  std::string time_zone;
  EffectiveDatePolicy policy = EffectiveDatePolicy::kPeriod;
  std::string effective_time = "12:00:00";  // sent with every effectiveDate
  DecreasePolicy decrease = DecreasePolicy::kMirror;
  std::optional<JumpGuard> jump_guard;
  bool set_unit_price = false;
  OffboardingPolicy offboarding = OffboardingPolicy::kReport;
  bool contract_notes = false;
  std::vector<PlanEntry> entries;           // one per mapping, in input order
  std::vector<std::string> unmapped_usage;  // org ids with usage but no mapping
  std::vector<std::int64_t> currencies;     // distinct currencies of the mapped companies, if > 1
  std::size_t samples_ignored = 0;
  std::uint64_t requests = 0;        // requests the planning made
  std::uint64_t apply_requests = 0;  // requests apply_billing_plan will make when nothing fails

  // {"schema": "autotask_sync.plan.v1", "plan_id", "created_at", ..., "entries": [...]}; see
  // the README.
  boost::json::object to_json() const;
  // The strict inverse of to_json: unknown keys, missing keys, wrong types and entries that do
  // not add up (an adjustment for another line, a delta that is not target - current) are errors
  // (kInvalidArgument) naming the place ("plan.entries[3].units.target"). Safe on any input.
  static Result<Plan> from_json(const boost::json::value& v);
};

// Reads what the mappings point at and builds the plan; writes nothing. Takes options.lock when
// set. Fails as a whole when the input is invalid or the reads fail.
Result<Plan> plan_billing_sync(Client& client, const std::vector<Mapping>& mappings,
                               const std::vector<Usage>& usage, const BillingOptions& options);

struct ApplyOptions {
  bool only_approved = true;  // entries with approved false are skipped ("plan.not_approved")
  bool dry_run = false;       // re-read and check staleness, write nothing
  SyncLock lock;              // as BillingOptions::lock
  std::function<void(std::size_t, std::size_t)> progress;
  // The clock; the system clock when empty. A plan made on another civil date than today (in
  // the plan's zone) is still applied as planned: the effective dates are the plan's.
  std::function<std::chrono::system_clock::time_point()> now;
};

// Applies a plan: re-reads what it changes, refuses stale entries, writes one adjustment per
// contract service and effective date, checks where the first write landed, and reports what
// Autotask holds afterwards. Fails as a whole only when the lock or the re-read fails.
Result<SyncReport> apply_billing_plan(Client& client, const Plan& plan,
                                      const ApplyOptions& options);

}  // namespace autotask_sync
