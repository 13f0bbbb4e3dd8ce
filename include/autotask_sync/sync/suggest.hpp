// The mapping assistant: for portal orgs that have no mapping yet, proposes the Autotask company,
// Recurring Service contract and contract service each should be billed on.
//
// A suggestion is never applied: suggest_mappings only reads Autotask and returns data. The host
// shows the report, a person confirms, and only then does a Mapping (ids, never names) go into
// the config.
//
// How names are compared: both sides are normalised (Unicode NFKC, case folding, accents
// stripped, apostrophes removed, "&" read as "and", other punctuation a word break, trailing
// legal forms such as Inc, LLC, GmbH, Pty Ltd removed), so "ACME, Inc.", "Acme Incorporated" and
// "acme" are the same name, and "Café Münch" equals "Cafe Munch". The score of two names is 1
// exactly when their normalised forms are equal; otherwise the larger of the word-set overlap
// (Jaccard) and the edit similarity (1 - Damerau distance / longer length), at most 0.99.
//
// What a run reads (bounded, whatever the number of orgs):
//  1. every company, paged by id cursor (500 per page), with only id, companyName, companyType
//     and isActive: inactive look-alikes and other company types are needed to explain why an
//     obvious name was not offered;
//  2. the picklist labels of Company.companyType (entityInformation/fields, cached by the client;
//     when it cannot be read the labels are left out and a note says so);
//  3. the Recurring Service contracts of the listed candidates, with one `in` query (split by the
//     client into queries of 500 company ids);
//  4. the contract services of those contracts that are active and in force, one `in` query;
//  5. the services on those contract services, one `in` query.
// Matching uses an index of the companies by normalised name (exact hits) and by words and word
// prefixes (fuzzy candidates); only companies sharing a word or a 3-letter word prefix with the
// org are scored.
//
// MatchKind:
//  - kExact: exactly one active company of an allowed type has the org's normalised name. Other
//    companies with that name that are inactive or of another type may exist (they are listed in
//    `excluded`). An exact match may still lack a usable contract: `proposed` is set only when
//    that company has exactly one active Recurring Service contract in force today, carrying
//    exactly one contract service whose service matches SuggestOptions::product_name and is
//    active. Otherwise `reason` says why no mapping was proposed.
//  - kAmbiguous: no unique exact match, but candidates of an allowed type scored at least
//    min_score: two or more active companies with the same name, or only similar names.
//    Nothing is proposed.
//  - kNone: no active company of an allowed type scored min_score or more.
//
// JSON report (SuggestReport::to_json), schema "autotask_sync.suggest_report.v1":
//   schema                  "autotask_sync.suggest_report.v1"
//   as_of                   "YYYY-MM-DD": the day contracts had to be in force on (in time_zone)
//   time_zone               the IANA zone as_of was reckoned in
//   product_name            SuggestOptions::product_name as given
//   allowed_company_types   [int]: the Company.companyType values that may be proposed ([]: any)
//   min_score               number: the least score listed
//   max_candidates          int: the most candidates (and excluded companies) listed per org
//   companies_read          int: companies in Autotask, all read once
//   requests                int: Autotask requests the run made
//   totals                  {orgs, exact, ambiguous, none, proposed}: counts of orgs
//   notes                   [string]: remarks on the run as a whole (labels unreadable, names
//                           that are not UTF-8)
//   orgs[]                  one per input org, in input order:
//     org_id, org_name      as given (bytes that are not UTF-8 shown as U+FFFD)
//     normalized_name       the name as compared ("acme"); null when it could not be normalised
//     match                 "exact" | "ambiguous" | "none"
//     reason                one sentence: why this match, and why no mapping was proposed
//     proposed              null, or a mapping in the config's shape: {org_id, org_name,
//                           company_id, contract_id, service_id, contract_service_id,
//                           company_name} (company_name as in Autotask, so that the sync
//                           flags a later rename)
//     candidates[]          active companies of an allowed type, best score first (then id):
//       company_id, company_name, company_type (int|null), company_type_label (string|null),
//       is_active (bool), score (number, 0..1), exact_name (bool: normalised names equal),
//       contracts[]         its active Recurring Service contracts in force on as_of, by id:
//         contract_id, contract_name, start_date (string|null), end_date (string|null),
//         services[]        its contract services, the best match for product_name first:
//           contract_service_id, service_id, service_name, service_is_active (bool|null),
//           product_score (number, 0..1), matches_product (bool: product_score >= min_score),
//           best_match (bool: true on the first entry when it matches the product)
//       unusable_contracts[] its other Recurring Service contracts: {contract_id,
//                           contract_name, reason} ("not active (status 0)", "ended on ...")
//     candidates_omitted    int: further candidates above min_score beyond max_candidates
//     excluded[]            look-alikes scoring min_score or more that are never proposed:
//       company_id, company_name, company_type, company_type_label, is_active, score,
//       exact_name, reason ("inactive", "company type 3 (Prospect) not allowed", or both joined
//       by "; ")
//     excluded_omitted      int: further excluded look-alikes beyond max_candidates
// Companies whose normalised name equals the org's are never cut by max_candidates.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/entities.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace autotask_sync {

// A portal client org that has no mapping yet.
struct PortalOrg {
  std::string org_id, org_name;
};

struct SuggestOptions {
  // Company.companyType values that may be proposed; Autotask's default 1 is Customer. Empty:
  // any type (as BillingOptions::allowed_company_types).
  std::vector<std::int64_t> allowed_company_types{1};
  // The name of the service standing for the portal's product ("JumpCloud"); compared with the
  // service names on each candidate's contracts. Empty: candidates are still listed, but no
  // mapping is proposed because no service can be picked.
  std::string product_name;
  std::size_t max_candidates = 5;           // per org; at least 1
  double min_score = 0.6;                   // the least score listed, in (0, 1]
  std::int64_t active_contract_status = 1;  // Contract.status meaning Active
  // The clock "in force today" is taken from; the system clock when empty.
  std::function<std::chrono::system_clock::time_point()> now;
  std::string time_zone = "UTC";  // IANA zone in which "today" is reckoned
};

enum class MatchKind { kExact, kAmbiguous, kNone };

const char* to_string(MatchKind k) noexcept;  // "exact", "ambiguous", "none"

// A contract service on a candidate's contract.
struct ServiceOption {
  Id contract_service_id = 0;
  Id service_id = 0;
  std::string service_name;
  std::optional<bool> service_is_active;
  double product_score = 0;      // how well the service name matches product_name, 0..1
  bool matches_product = false;  // product_score >= min_score
  bool best_match = false;       // ranked first and matches the product
};

// An active Recurring Service contract of a candidate, in force on the report's as_of date.
struct ContractOption {
  Id contract_id = 0;
  std::string contract_name;
  std::optional<Date> start_date, end_date;
  std::vector<ServiceOption> services;  // best product match first, then by contract service id
};

// A Recurring Service contract of a candidate that cannot be billed on today.
struct UnusableContract {
  Id contract_id = 0;
  std::string contract_name;
  std::string reason;  // "not active (status 0)", "ended on 2025-12-31", "starts on ..."
};

struct CompanyCandidate {
  Id company_id = 0;
  std::string company_name;
  std::optional<std::int64_t> company_type;
  std::optional<std::string> company_type_label;  // from the companyType picklist
  bool is_active = true;
  double score = 0;         // name similarity with the org, 0..1
  bool exact_name = false;  // normalised names equal (score 1)
  std::vector<ContractOption> contracts;
  std::vector<UnusableContract> unusable_contracts;
};

// A look-alike that is never proposed, and why.
struct ExcludedCompany {
  Id company_id = 0;
  std::string company_name;
  std::optional<std::int64_t> company_type;
  std::optional<std::string> company_type_label;
  bool is_active = true;
  double score = 0;
  bool exact_name = false;
  std::string reason;  // "inactive", "company type 3 (Prospect) not allowed"
};

struct OrgSuggestion {
  std::string org_id, org_name;
  std::optional<std::string> normalized_name;  // absent when the name could not be normalised
  MatchKind match = MatchKind::kNone;
  std::string reason;
  std::optional<Mapping> proposed;  // complete: contract_service_id and company_name are set
  std::vector<CompanyCandidate> candidates;
  std::size_t candidates_omitted = 0;
  std::vector<ExcludedCompany> excluded;
  std::size_t excluded_omitted = 0;
};

struct SuggestTotals {
  std::size_t orgs = 0, exact = 0, ambiguous = 0, none = 0, proposed = 0;
};

struct SuggestReport {
  Date as_of{};
  std::string time_zone;
  std::string product_name;
  std::vector<std::int64_t> allowed_company_types;
  double min_score = 0;
  std::size_t max_candidates = 0;
  std::size_t companies_read = 0;
  std::vector<OrgSuggestion> orgs;  // in input order
  SuggestTotals totals;
  std::vector<std::string> notes;
  std::uint64_t requests = 0;  // Autotask requests the run made

  // The documented JSON report (schema above).
  boost::json::object to_json() const;
  // One block per org: the match, the proposal or why none, candidates and excluded companies.
  std::string to_text() const;
  // "3 orgs: 1 exact, 1 ambiguous, 1 none; 1 mapping proposed; 7 requests"
  std::string summary() const;
};

// Reads Autotask (see above) and proposes mappings. Fails as a whole with kInvalidArgument for
// bad options or orgs (an empty or repeated org_id), or with the client's error when a read
// fails; an org whose name cannot be matched (not UTF-8, no letters or digits) is reported as
// kNone with the reason. No orgs: an empty report and no request.
Result<SuggestReport> suggest_mappings(Client& client, const std::vector<PortalOrg>& orgs,
                                       const SuggestOptions& options);

}  // namespace autotask_sync
