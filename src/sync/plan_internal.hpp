// What plan_billing_sync and apply_billing_plan share inside the library.
#pragma once

#include <autotask_sync/sync/plan.hpp>

#include <unordered_map>
#include <vector>

namespace autotask_sync::detail {

// A plan and the units rows it was made from, so that run_billing_sync can apply it at once
// without reading them again.
struct PlannedRun {
  Plan plan;
  std::unordered_map<Id, std::vector<ContractServiceUnit>> rows_by_line;
};

// The plan, without taking the lock.
Result<PlannedRun> make_plan(Client& client, const std::vector<Mapping>& mappings,
                             const std::vector<Usage>& usage, const BillingOptions& options);

// Applies a plan without taking the lock. With `fresh` rows (the plan was just made under the
// same lock) the re-read is skipped and those rows are the state before writing.
Result<SyncReport> apply_plan(
    Client& client, const Plan& plan, const ApplyOptions& options,
    const std::unordered_map<Id, std::vector<ContractServiceUnit>>* fresh);

// Takes a host lock: the release function, or kConflict naming the lock.
Result<std::function<void()>> take_lock(const SyncLock& lock);

// Requests an apply of `plan` makes when nothing fails (not counting a zone lookup or budget
// polls of a new client). `reread`: whether it re-reads before writing.
std::uint64_t apply_request_estimate(const Plan& plan, bool reread);

// Units rows overlapping [from, to], for the given lines, batched.
Query rows_window(Date from, Date to);

}  // namespace autotask_sync::detail
