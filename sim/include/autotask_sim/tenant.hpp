// The data a simulated Autotask tenant starts with: its zone, its API users, its entities, the
// values of its picklists and what its API users' security level allows.
//
// A tenant is a JSON document (see sim/README.md and fixtures/demo_tenant.json):
//
//   { "zone": {"zoneName": "Simulated Zone 5", "webUrl": "https://ww5.autotask.net/", "ci": 4242},
//     "api_users": [ {"username": "...", "secret": "...", "integration_code": "...",
//                     "can_read_costs": true} ],
//     "entities": { "Companies": [...], "Contracts": [...], "Services": [...],
//                   "ContractServices": [...], "ContractServiceUnits": [...] },
//     "picklists": { "Tickets": { "priority": [ {"value": "1", "label": "High"}, ... ] } },
//     "permissions": { "ContractServiceAdjustments": {"canCreate": false} },
//     "requests_this_hour": 0 }
//
// Entity rows use Autotask's own field names. Loading checks every row against the entity's field
// list, types and references, and normalises it to what Autotask returns: canonical field names,
// every field present (null where the fixture leaves it out), date-times as
// "YYYY-MM-DDThh:mm:ss", rows sorted by id.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autotask_sim {

struct ApiUser {
  std::string username;  // compared ignoring ASCII case, like an e-mail address
  std::string secret;
  std::string integration_code;
  // False for a security level like "API User (system) Can't Read Costs": unitCost of Services
  // and ContractServices comes back null, and adjustedUnitCost in adjustments is ignored.
  bool can_read_costs = true;
};

// One value of a picklist as entityInformation/fields describes it. Values are integers on
// entity rows but strings in the metadata, as in Autotask.
struct PicklistEntry {
  std::string value;  // an integer, as text: "29682776"
  std::string label;
  bool is_active = true;
  bool is_default_value = false;
  std::int64_t sort_order = 0;
  std::string parent_value;  // for dependent picklists (subIssueType under issueType), else ""
  bool is_system = false;
};

// What the API user's security level allows on one entity, where it differs from what Autotask
// documents for the entity; unset members keep the documented capability.
struct EntityPermissions {
  std::optional<bool> can_create;
  std::optional<bool> can_delete;
  std::optional<bool> can_query;
  std::optional<bool> can_update;
};

struct ZoneInfo {
  std::string zone_name = "Simulated Zone";
  std::string web_url = "https://ww5.autotask.net/";
  std::int64_t ci = 0;
};

struct Tenant {
  ZoneInfo zone;
  std::vector<ApiUser> api_users;
  // Canonical entity name ("Companies") -> rows (JSON objects).
  std::map<std::string, boost::json::array, std::less<>> entities;
  // Canonical entity name -> canonical field name -> values. Normalising fills in the
  // simulator's defaults for the picklists a tenant leaves out (Contracts.contractType and
  // status, Companies.companyType, Services.periodType, Tickets status, priority and queueID);
  // the metadata of any other picklist field lists no values.
  using Picklists = std::map<std::string, std::vector<PicklistEntry>, std::less<>>;
  std::map<std::string, Picklists, std::less<>> picklists;
  // Canonical entity name -> restrictions, for testing a readiness check against a restricted
  // API user. The simulator also refuses what a restriction forbids (see sim/README.md).
  std::map<std::string, EntityPermissions, std::less<>> permissions;
  // Requests other integrations have already made this hour, as ThresholdInformation reports
  // them when the simulator starts.
  std::size_t requests_this_hour = 0;
};

// Parses and checks a tenant document. Errors have code kInvalidArgument and name the place:
// "entities.ContractServiceUnits[12]: field 'unit' is not a field of ContractServiceUnits".
autotask_sync::Result<Tenant> load_tenant(std::string_view json_text);
autotask_sync::Result<Tenant> load_tenant(const boost::json::value& document);
// Reads the file first; a missing or unreadable file is kInvalidArgument naming the path.
autotask_sync::Result<Tenant> load_tenant_file(const std::string& path);

// Checks and normalises a tenant built in code (load_tenant does this already). Idempotent.
autotask_sync::Result<Tenant> normalize_tenant(Tenant tenant);

// The demo tenant (fixtures/demo_tenant.json), embedded into the library when it was built.
std::string_view demo_tenant_json();

}  // namespace autotask_sim
