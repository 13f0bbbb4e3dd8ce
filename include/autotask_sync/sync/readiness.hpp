// The readiness check: is this Autotask tenant prepared for the integration, and will tonight's
// sync bill every mapping? It reports everything it finds at once, each finding with what is
// wrong, the objects it concerns, and where in Autotask to fix it.
//
// What is checked, in order (a failing step stops the steps that depend on it):
//  1. Credentials. The username resolves to a zone (a person's e-mail typed instead of the API
//     user's key does not); the secret is accepted; the integration code (API tracking
//     identifier) is accepted. Autotask offers no way to read the API user's security level or
//     which vendor its tracking identifier names, so the check tests what they allow instead.
//  2. Permissions, from entityInformation: query on Companies, Contracts, Services,
//     ContractServices and ContractServiceUnits and create on ContractServiceAdjustments (the
//     billing sync needs them: blocking), query/create/update on Tickets and create on TicketNotes
//     (ticket alerts need them: a warning).
//  3. Costs: whether unit costs come back at all. Autotask documents for Services that a security
//     level that cannot read costs gets them empty and has updates to them ignored, so the check
//     reads the mapped services' costs (or a few services when nothing is mapped).
//  4. API budget: the share of the tenant's hourly request budget already used by every
//     integration (ThresholdInformation), and the estimated cost in requests of a nightly sync of
//     the current mappings. Blocking when the sync would take the tenant past 90%, where the
//     client stops; a warning past 50%, where it slows down.
//  5. Every mapping, with the rules the sync applies (so a mapping the check passes is one the
//     sync bills): the company exists, is active, is of an allowed company type and still has the
//     name the mapping recorded; the contract exists, belongs to the company, is Recurring Service,
//     is active, bills monthly and is in force on the effective date; the service exists, is
//     active and is not a service bundle; the contract carries exactly one line for the service
//     (none: add the service to the contract; the sync never lets an adjustment create a line);
//     the unit cost and the units row covering the effective date are readable.
//  6. The portal side: orgs with usage but no mapping, mappings of orgs the portal no longer
//     has, an org mapped twice, two orgs mapped to one contract service.
//
// Cost: a bounded number of requests whatever the tenant's size: one zone lookup, eight
// entityInformation reads, two field lists, one ThresholdInformation poll, and one `in` query per
// 500 ids for companies, contracts, services, contract lines and units rows (plus their pages).
// Never one read per company or per mapping. The report carries the count.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/entities.hpp>
#include <autotask_sync/sync/billing.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace autotask_sync {

enum class Severity {
  kBlocking,  // the sync (or all of it) cannot bill what this concerns until it is fixed
  kWarning,   // worth fixing; the sync goes on
};

const char* to_string(Severity s) noexcept;  // "blocking", "warning"

struct Finding {
  // Stable machine-readable kind: "credentials.secret_rejected", "permissions.missing",
  // "costs.unreadable", "budget.exhausted", "company.inactive", "contract.ended",
  // "line.service_not_on_contract", "drift.company_renamed", "portal.unmapped_usage", ...
  // The README lists every code.
  std::string code;
  Severity severity = Severity::kBlocking;
  std::string area;         // "credentials", "permissions", "costs", "budget", "mapping", "portal"
  std::string message;      // what is wrong, with ids and names
  std::string remediation;  // what to do, and where in Autotask
  bool drift = false;       // the mapping recorded a state that Autotask no longer has

  // The objects concerned, where there are any.
  std::vector<std::string> org_ids;
  std::optional<Id> company_id, contract_id, service_id, contract_service_id;
  std::string company_name, contract_name, service_name;
  std::string entity;  // for permission findings
};

struct ReadinessInput {
  std::vector<Mapping> mappings;
  std::vector<Usage> usage;
  // The org ids the portal has now. When given, a mapping of an org not in it is reported.
  std::optional<std::vector<std::string>> portal_orgs;
};

struct ReadinessReport {
  Date run_date{};
  Date effective_date{};  // the run's default effective date, as the sync would choose it
  std::string time_zone;
  EffectiveDatePolicy policy = EffectiveDatePolicy::kPeriod;
  std::vector<Finding> findings;  // in check order
  // What was verified and passed: "credentials", "permissions", "costs", "budget", "mappings",
  // "portal". A step that could not run (an earlier step failed) is in neither list.
  std::vector<std::string> passed;
  std::size_t mappings_checked = 0;
  std::size_t mappings_ready = 0;  // mappings with no finding: tonight's sync bills them
  std::optional<BudgetStatus> budget;
  std::uint64_t estimated_sync_requests = 0;  // a nightly sync of these mappings, writes included
  std::uint64_t requests = 0;                 // requests this check made

  bool blocking() const;  // any blocking finding
  std::size_t count(Severity s) const;

  // Schema "autotask_sync.readiness_report.v1", documented in the README.
  boost::json::object to_json() const;
  // One block per finding: severity, message, the fix; then a summary line.
  std::string to_text() const;
  // "3 blocking, 1 warning; 17 of 20 mappings ready; 19 requests"
  std::string summary() const;
};

// Runs the check. Uses `billing` for the billing zone, the effective-date policy, the active
// contract status, the allowed company types and the clock, exactly as the sync would. Fails as
// a whole only on invalid input or when Autotask cannot be reached (transport, outage); refused
// credentials are findings.
Result<ReadinessReport> check_readiness(Client& client, const ReadinessInput& input,
                                        const BillingOptions& billing);

}  // namespace autotask_sync
