// What the readiness check and the nightly sync both need to know about a mapping: the Autotask
// objects it points at, read in a few batched queries, and whether they still fit together.
//
// One set of rules serves both callers so that a mapping the readiness check passes is one the
// sync will bill, and a mapping that drifted since it was made (company renamed or inactivated,
// contract ended, service removed from the contract) is skipped by the sync with the same words
// the check uses.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/entities.hpp>
#include <autotask_sync/sync/billing.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace autotask_sync::detail {

// The dates of a run: today in the billing zone, the current and the next period's first days,
// and the effective date the policy gives before any period is found posted.
struct RunDates {
  Date run_date{}, period_start{}, next_period_start{}, default_effective{};
  // The units rows a run must see: those overlapping [rows_from, rows_to].
  Date rows_from{}, rows_to{};
};
Result<RunDates> run_dates(const BillingOptions& options);

// The effective date of one mapping under the policy: with `period`, the next period's first
// day when the current period's row is already approved and posted (`moved` is then set).
Date effective_date_for(const RunDates& dates, EffectiveDatePolicy policy,
                        const std::vector<ContractServiceUnit>& rows, bool& moved);

// The objects a set of mappings refers to, keyed by id.
struct TenantView {
  std::unordered_map<Id, Company> companies;
  std::unordered_map<Id, Contract> contracts;
  std::unordered_map<Id, Service> services;
  // Ids that are not services but service bundles, with the bundle's name (filled by the
  // readiness check; the sync does not ask).
  std::unordered_map<Id, std::string> bundles;
  // Every contract service of the mapped contracts.
  std::unordered_map<Id, std::vector<ContractService>> lines_by_contract;
  // Units rows of the mapped lines inside the loaded window.
  std::unordered_map<Id, std::vector<ContractServiceUnit>> rows_by_line;
};

struct LoadOptions {
  Date rows_from{}, rows_to{};  // units rows overlapping [rows_from, rows_to] are loaded
};

// Reads what the mappings point at: companies, contracts and services by id, every contract
// service of the contracts, and the units rows of the mapped services' lines in the window. Each
// is one `in` query (split by the client above 500 ids), never a read per mapping.
Result<TenantView> load_tenant_view(Client& client, const std::vector<const Mapping*>& mappings,
                                    const LoadOptions& options);

struct MappingRules {
  Date effective{};                                 // the run's default effective date
  std::int64_t active_contract_status = 1;          // Contract.status meaning Active
  std::vector<std::int64_t> allowed_company_types;  // empty: any type
  // Whether a Contract.contractPeriodType value is a monthly period; nullopt when unknown. The
  // check is skipped when this is empty or answers nullopt.
  std::function<std::optional<bool>(std::int64_t)> is_monthly_period;
  // Labels of Companies.companyType and Contracts.contractPeriodType values, for messages; empty
  // when unknown.
  std::function<std::string(std::int64_t)> company_type_label;
  std::function<std::string(std::int64_t)> period_type_label;
};

// One thing wrong with a mapping. `code` is stable ("contract.ended"); `message` says what is
// wrong with ids and names; `remediation` says what to do, and where in Autotask.
struct MappingFinding {
  std::string code;
  std::string message;
  std::string remediation;
  bool drift = false;  // the mapping recorded a state that Autotask no longer has

  // "message; remediation", as the sync's skip reason.
  std::string reason() const { return message + "; " + remediation; }
};

struct MappingState {
  const Company* company = nullptr;
  const Contract* contract = nullptr;
  const Service* service = nullptr;
  const ContractService* line = nullptr;
  // Every independent finding, in check order; a check that needs an object that is missing is
  // not made, so one fault is reported once.
  std::vector<MappingFinding> findings;
  // Names as Autotask has them, for reports.
  std::string company_name, contract_name, service_name;
};

// Checks one mapping against the view. Every finding blocks the sync of that mapping.
MappingState check_mapping(const TenantView& view, const Mapping& mapping,
                           const MappingRules& rules);

// The units row covering d; when two rows claim d (an end date read as exclusive), the later one.
const ContractServiceUnit* covering_row(const std::vector<ContractServiceUnit>& rows, Date d);

// Why the contract is not in force on `effective`, or nullopt when it is.
std::optional<MappingFinding> contract_out_of_force(const Contract& c, Date effective);

// The contract service's unit cost cannot be read (the security level hides costs).
MappingFinding cost_unreadable(const ContractService& line);

// No units row covers `effective`.
MappingFinding no_units_row(const ContractService& line, Date effective);

// "contract 3001 'Acme Recurring'"
std::string contract_label(const Contract& c);

// A date as Autotask filters take it: "2026-03-01T00:00:00".
std::string date_filter_text(Date d);

}  // namespace autotask_sync::detail
