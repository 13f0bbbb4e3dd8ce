// The embedded demo tenant and the demo config (examples/demo/config.json) keep the scenario that
// sim/README.md documents, in every month from January 2026 to December 2028.
#include "sim/sim_harness.hpp"

#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/decimal.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace sim_test;
using autotask_sync::Decimal;

namespace {

enum class Expect {
  kUpdated,
  kUnchanged,
  kExpired,
  kNotRecurring,
  kInactiveContract,
  kInactiveCompany,
  kServiceNotOnContract,
};

const std::map<std::string, Expect> kScenario{
    {"org-001", Expect::kUpdated},
    {"org-002", Expect::kUpdated},
    {"org-003", Expect::kUpdated},
    {"org-004", Expect::kUpdated},
    {"org-005", Expect::kUpdated},
    {"org-006", Expect::kUpdated},
    {"org-007", Expect::kUnchanged},
    {"org-008", Expect::kUnchanged},
    {"org-009", Expect::kUnchanged},
    {"org-010", Expect::kUnchanged},
    {"org-011", Expect::kUnchanged},
    {"org-012", Expect::kUnchanged},
    {"org-013", Expect::kExpired},
    {"org-014", Expect::kNotRecurring},
    {"org-015", Expect::kInactiveContract},
    {"org-016", Expect::kInactiveCompany},
    {"org-017", Expect::kServiceNotOnContract},
    {"org-018", Expect::kUpdated},
    {"org-019", Expect::kUnchanged},
    {"org-020", Expect::kUpdated},
};

json::value read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

const json::object* row(const json::array& rows, std::int64_t id) {
  for (const json::value& v : rows) {
    if (v.at("id").as_int64() == id) return &v.as_object();
  }
  return nullptr;
}

Decimal money(const json::value& v) {
  return *Decimal::from_json(v);
}

}  // namespace

TEST_CASE("the embedded demo tenant loads with its companies, contracts and monthly rows") {
  const autotask_sim::Tenant tenant = load(json::parse(autotask_sim::demo_tenant_json()));

  CHECK(tenant.api_users.at(0).username == "sync-api@demo-msp.example");
  CHECK(tenant.entities.at("Companies").size() == 26);
  CHECK(tenant.entities.at("Contracts").size() == 25);
  CHECK(row(tenant.entities.at("Companies"), 102)->at("companyName").as_string() ==
        "Café Ïle d’Orléans");
  // One row per calendar month: 48 months of 2025-2028 for contract service 5001.
  std::size_t rows_5001 = 0;
  for (const json::value& v : tenant.entities.at("ContractServiceUnits")) {
    if (v.at("contractServiceID").as_int64() == 5001) ++rows_5001;
  }
  CHECK(rows_5001 == 48);
}

TEST_CASE("the demo config's orgs meet the documented outcome in every month of 2026 to 2028") {
  const autotask_sim::Tenant tenant = load(json::parse(autotask_sim::demo_tenant_json()));
  const json::value config = read_json_file("examples/demo/config.json");
  const auto& e = tenant.entities;
  CHECK_FALSE(config.as_object().contains("autotask"));

  std::map<std::string, const json::object*> usage;
  for (const json::value& u : config.at("usage").as_array()) {
    usage[std::string(u.at("org_id").as_string())] = &u.as_object();
  }
  const json::array& mappings = config.at("mappings").as_array();
  REQUIRE(mappings.size() == kScenario.size());

  for (const json::value& m : mappings) {
    const std::string org(m.at("org_id").as_string());
    CAPTURE(org);
    const Expect expect = kScenario.at(org);
    const json::object* company = row(e.at("Companies"), m.at("company_id").as_int64());
    const json::object* contract = row(e.at("Contracts"), m.at("contract_id").as_int64());
    REQUIRE(company != nullptr);
    REQUIRE(contract != nullptr);
    CHECK(contract->at("companyID") == company->at("id"));
    REQUIRE(usage.contains(org));

    const json::object* line = nullptr;
    for (const json::value& cs : e.at("ContractServices")) {
      if (cs.at("contractID") == contract->at("id") && cs.at("serviceID") == m.at("service_id")) {
        line = &cs.as_object();
      }
    }
    const bool recurring = contract->at("contractType").as_int64() == 7;
    const bool active = contract->at("status").as_int64() == 1;
    const bool current = contract->at("endDate").as_string() >= "2028-12-31";
    const bool company_active = company->at("isActive").as_bool();

    if (expect == Expect::kExpired) {
      CHECK(contract->at("endDate").as_string() < "2026-01-01");
      CHECK((recurring && active && company_active && line != nullptr));
      continue;
    }
    CHECK(current);
    if (expect == Expect::kNotRecurring) {
      CHECK_FALSE(recurring);
      continue;
    }
    CHECK(recurring);
    if (expect == Expect::kInactiveContract) {
      CHECK_FALSE(active);
      continue;
    }
    CHECK(active);
    if (expect == Expect::kInactiveCompany) {
      CHECK_FALSE(company_active);
      continue;
    }
    CHECK(company_active);
    if (expect == Expect::kServiceNotOnContract) {
      CHECK(line == nullptr);
      continue;
    }
    REQUIRE(line != nullptr);

    const std::int64_t target = usage.at(org)->at("high_water_mark").as_int64();
    const Decimal cost = *Decimal::parse(usage.at(org)->at("unit_cost").as_string());
    std::size_t months = 0;
    std::size_t differing = 0;
    for (const json::value& u : e.at("ContractServiceUnits")) {
      if (u.at("contractServiceID") != line->at("id")) continue;
      const std::string_view start = u.at("startDate").as_string();
      if (start < "2026-01-01" || start > "2028-12-31") continue;
      ++months;
      const bool same = u.at("units").as_int64() == target && money(u.at("cost")) == cost &&
                        money(line->at("unitCost")) == cost;
      if (!same) ++differing;
    }
    CHECK(months == 36);
    CHECK(differing == (expect == Expect::kUnchanged ? 0 : 36));
  }
}
