// The nightly billing sync: sets each mapped contract service's units to the org's high-water mark
// of users for the month and its unit cost to the MSP's cost per seat, through contract service
// adjustments.
//
// How a run works:
//  1. Reads, batched across all mappings with `in` queries (never one read per company): the
//     companies, contracts, services, every contract service of the mapped contracts, and the
//     units rows around the effective date.
//  2. Checks each mapping with the readiness check's rules (see readiness.hpp): company found,
//     active and of an allowed type, not renamed since the mapping recorded its name; contract
//     of the company, Recurring Service, active and in force on the effective date; service found,
//     active and not a bundle; service on the contract exactly once (the sync never lets an
//     adjustment add a contract line implicitly); unit cost readable. A mapping that fails any of
//     them, including drift since it was made, is skipped with the reason and its code. The
//     contract's billing period type is checked by the readiness check only (it needs the
//     picklist's labels); the sync assumes monthly periods.
//  3. Compares the units of the row covering the effective date with the high-water mark and the
//     contract service's unitCost with the cost per seat; when either differs it creates one
//     adjustment carrying the unit delta and the cost (a cost-only change has a unitChange of 0).
//  4. Reads back what it wrote (batched) and reports the units and cost Autotask now holds.
// A rerun of a finished sync writes nothing, because every write is derived from the absolute
// target and the units read from Autotask in the same run.
//
// Effective date: the billing month is reckoned in `time_zone` (an IANA name), never in the
// host's local time. Policy `period` dates the change on the first day of the current month, or
// of the next month when the current month's units row has already been approved and posted;
// `next_period` always uses the next month's first day; `prorate` uses the run date, and Autotask
// then bills the difference pro rata. Monthly billing periods are assumed.
//
// Unit cost: compared against ContractService.unitCost. A ContractServiceUnits row's `cost` is
// not used for the comparison because Autotask does not document whether it is per unit.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/decimal.hpp>
#include <autotask_sync/model/entities.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autotask_sync {

// One dated user count reported by the portal.
struct UsageSample {
  DateTime at{};           // the instant, UTC
  std::int64_t users = 0;  // >= 0
};

// One portal org's figures for the billing month.
struct Usage {
  Usage() = default;
  Usage(std::string org, std::int64_t peak, Decimal cost)
      : org_id(std::move(org)), high_water_mark(peak), unit_cost(cost) {}

  std::string org_id;
  std::int64_t high_water_mark = 0;  // the month's peak of users; >= 0 (unused with samples)
  Decimal unit_cost;                 // the MSP's cost per seat
  // Dated user counts instead of a peak: the sync takes the highest count whose instant falls in
  // the billing month as reckoned in BillingOptions::time_zone; samples outside it are ignored
  // and counted in the report. Set (has_samples) when the config gave "samples".
  std::vector<UsageSample> samples;
  bool has_samples = false;
  // The price per seat, sent as adjustedUnitPrice only when BillingOptions::set_unit_price.
  std::optional<Decimal> unit_price;

  // Config shape: {"org_id": "...", "high_water_mark": 42, "unit_cost": "3.5000",
  // "unit_price"?: "5.00"}, or with "samples": [{"at": "2026-12-02T23:30:00Z", "users": 40}, ...]
  // instead of "high_water_mark" (instants in RFC 3339 with Z or an offset). unit_cost and
  // unit_price may be strings or numbers. Unknown keys are an error naming the key.
  static Result<Usage> from_json(const boost::json::value& v);
};

// The peak of the samples whose instant falls in the month starting `period_start`, that month
// running from local midnight of its first day to local midnight of the next month's first day
// in `time_zone` (an IANA name; DST and odd offsets come from the time zone database).
struct UsagePeak {
  std::optional<std::int64_t> peak;  // nullopt when no sample falls in the month
  std::size_t in_period = 0, outside_period = 0;
};
Result<UsagePeak> peak_in_month(const std::vector<UsageSample>& samples, Date period_start,
                                const std::string& time_zone);

enum class EffectiveDatePolicy { kPeriod, kNextPeriod, kProrate };

const char* to_string(EffectiveDatePolicy p) noexcept;
Result<EffectiveDatePolicy> parse_effective_date_policy(std::string_view text);

enum class DecreasePolicy { kMirror, kNeverWithinPeriod };
const char* to_string(DecreasePolicy p) noexcept;  // "mirror", "never_within_period"
Result<DecreasePolicy> parse_decrease_policy(std::string_view text);

enum class OffboardingPolicy { kReport, kZeroNextPeriod };
const char* to_string(OffboardingPolicy p) noexcept;  // "report", "zero_next_period"
Result<OffboardingPolicy> parse_offboarding_policy(std::string_view text);

// A unit increase is held for review when it adds more than max_increase_units, or when the
// target is more than max_increase_ratio times the current units (not checked from 0 units).
struct JumpGuard {
  std::optional<std::int64_t> max_increase_units;
  std::optional<double> max_increase_ratio;
};

// The host's lock around a run: called before the first read; returns the function that
// releases it (called once at the end of the run, whatever happened), or an error, in which case
// the run fails as a whole with kConflict and nothing is read or written.
using SyncLock = std::function<Result<std::function<void()>>()>;

struct BillingOptions {
  std::string time_zone = "UTC";  // IANA zone of the portal's billing month
  EffectiveDatePolicy effective_date = EffectiveDatePolicy::kPeriod;
  // The time of day sent with each effectiveDate. Autotask documents that it keeps only the date
  // but also shows a value moving to the previous day in a US database; midday UTC lands on the
  // intended date in every database zone from UTC-12 to UTC+11.
  std::string effective_time = "12:00:00";
  bool dry_run = false;                     // compute and report the plan, write nothing
  std::int64_t active_contract_status = 1;  // Contract.status meaning Active
  // Companies.companyType values a mapped company may have (1 is Customer in Autotask's default
  // picklist); a company of another type is skipped. Empty: any type.
  std::vector<std::int64_t> allowed_company_types{1};
  // The clock the run date is taken from; the system clock when empty.
  std::function<std::chrono::system_clock::time_point()> now;
  // Progress: (mappings done, total), called from the syncing thread.
  std::function<void(std::size_t, std::size_t)> progress;

  // What a lower figure does: `mirror` follows the portal; `never_within_period` never lowers
  // the units of a period the change would fall inside (the lower figure waits for a change
  // dated on a later period's first day).
  DecreasePolicy decrease = DecreasePolicy::kMirror;
  // Absent: off. An increase beyond either threshold is held for review instead of written.
  std::optional<JumpGuard> jump_guard;
  // Send adjustedUnitPrice from Usage::unit_price; otherwise the price is never sent.
  bool set_unit_price = false;
  // What happens to a mapped org that is absent from portal_org_ids (when those are given).
  OffboardingPolicy offboarding = OffboardingPolicy::kReport;
  // Every org the portal has now (the config's portal.orgs); nullopt: not known, no offboarding.
  std::optional<std::vector<std::string>> portal_org_ids;
  // Each change also creates a ContractNote saying what changed and why; a failed note never
  // fails the change.
  bool contract_notes = false;
  // Taken before the first read and released at the end of the run; see SyncLock.
  SyncLock lock;
};

// kHeld: a change found but not written, for a person to review (jump guard, hand-made change
// inside the period).
enum class Outcome { kUpdated, kWouldUpdate, kUnchanged, kSkipped, kFailed, kHeld };

const char* to_string(Outcome o) noexcept;  // "updated", "would_update", "unchanged", "held"...

// A remapped org's old contract line, zeroed through an adjustment.
struct PreviousLineChange {
  Id contract_id = 0;
  Id contract_service_id = 0;
  Id service_id = 0;
  Outcome outcome = Outcome::kSkipped;
  std::string reason_code, reason;
  std::optional<Date> effective_date;
  std::optional<std::int64_t> units_before, units_after;
  std::optional<ContractServiceAdjustment> adjustment;
  std::optional<Id> adjustment_id;
};

struct MappingResult {
  Mapping mapping;
  Outcome outcome = Outcome::kSkipped;
  // Why skipped, as a stable code ("contract.ended", "drift.company_renamed"; the readiness
  // check's finding codes) and in words with the fix; what changed for updates.
  std::string reason_code;
  std::string reason;
  std::string company_name, contract_name, service_name;
  std::optional<Id> contract_service_id;
  std::optional<Date> effective_date;  // the date this mapping's change is (or would be) dated
  std::optional<std::int64_t> units_before, units_target, units_after;
  std::optional<Decimal> cost_before, cost_target, cost_after;
  std::optional<ContractServiceAdjustment> adjustment;  // sent, or that would be sent
  std::optional<Id> adjustment_id;
  std::optional<Error> error;  // the Autotask error of a failed mapping

  // Why effective_date was chosen ("policy period: the current period's first day", ...).
  std::string effective_date_reason;
  std::optional<Decimal> price_before, price_target, price_after;  // with set_unit_price only
  std::optional<std::int64_t> currency_id;  // Companies.currencyID of the mapped company
  // Where the target came from: "high_water_mark", "samples" or "offboarding".
  std::string usage_source;
  std::size_t samples_in_period = 0, samples_outside_period = 0;
  std::optional<PreviousLineChange> previous_line;  // the old line of a remapped org
  std::optional<Id> note_id;                        // the ContractNote written
  std::vector<std::string> notes;  // further remarks: a lost answer, a failed note, ...
};

struct SyncTotals {
  std::size_t updated = 0, would_update = 0, unchanged = 0, skipped = 0, failed = 0, held = 0;
};

struct SyncReport {
  bool dry_run = false;
  Date run_date{};
  Date effective_date{};  // the default of the run; a mapping whose period is posted moves on
  std::string time_zone;
  EffectiveDatePolicy policy = EffectiveDatePolicy::kPeriod;
  std::string effective_time = "12:00:00";  // as sent with every effectiveDate
  std::vector<MappingResult> results;       // one per mapping, in input order
  std::vector<std::string> unmapped_usage;  // org ids with usage but no mapping
  SyncTotals totals;
  std::uint64_t requests = 0;  // Autotask requests the run made
  std::int64_t duration_ms = 0;
  std::string plan_id;  // the plan applied
  // Something failed or was not done: `not_done` says what ("org-3: adjustment refused ...").
  bool partial = false;
  std::vector<std::string> not_done;
  // Set when the run stopped writing (the first write did not land as intended).
  std::string stopped_code, stopped_reason;
  std::size_t samples_ignored = 0;       // usage samples outside the billing month, all orgs
  std::vector<std::int64_t> currencies;  // distinct currencies of the mapped companies, when > 1

  // The documented JSON report (see docs/report.md).
  boost::json::object to_json() const;
  // A fixed-width table, one line per mapping, and a summary line.
  std::string to_text() const;
  // "updated 5, unchanged 9, skipped 5, failed 0; 14 requests"
  std::string summary() const;
};

// Runs the sync: plan_billing_sync then apply_billing_plan (plan.hpp) under one lock, without
// re-reading between the two. Fails as a whole (no mapping attempted) only when the input is
// invalid, the lock cannot be taken (kConflict) or the first reads fail (zone, credentials,
// outage); once writing has started, a failed write fails that mapping only and the run goes on.
Result<SyncReport> run_billing_sync(Client& client, const std::vector<Mapping>& mappings,
                                    const std::vector<Usage>& usage, const BillingOptions& options);

// The run date in the billing zone: the civil date of `now` in `time_zone`.
Result<Date> civil_date_in_zone(std::chrono::system_clock::time_point now,
                                const std::string& time_zone);

}  // namespace autotask_sync
