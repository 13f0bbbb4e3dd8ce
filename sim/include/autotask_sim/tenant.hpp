// The data a simulated Autotask tenant starts with: its zone, its API users and its entities.
//
// A tenant is a JSON document (see sim/README.md and fixtures/demo_tenant.json):
//
//   { "zone": {"zoneName": "Simulated Zone 5", "webUrl": "https://ww5.autotask.net/", "ci": 4242},
//     "api_users": [ {"username": "...", "secret": "...", "integration_code": "..."} ],
//     "entities": { "Companies": [...], "Contracts": [...], "Services": [...],
//                   "ContractServices": [...], "ContractServiceUnits": [...] } }
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
#include <string>
#include <string_view>
#include <vector>

namespace autotask_sim {

struct ApiUser {
  std::string username;  // compared ignoring ASCII case, like an e-mail address
  std::string secret;
  std::string integration_code;
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
