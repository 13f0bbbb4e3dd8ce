// Loading tenants: normalisation to Autotask's shapes, and errors that say where the fault is.
#include "sim/sim_harness.hpp"

using namespace sim_test;

namespace {

std::string load_error(const json::value& document) {
  auto tenant = autotask_sim::load_tenant(document);
  REQUIRE_FALSE(tenant.ok());
  CHECK(tenant.error().code == autotask_sync::ErrorCode::kInvalidArgument);
  return tenant.error().message;
}

}  // namespace

TEST_CASE("a loaded tenant has canonical field names, every field, date-times and id order") {
  json::object entities = billing_entities();
  entities["Companies"].as_array().push_back(
      json::object{{"ID", 0}, {"COMPANYNAME", "Owner"}, {"companyType", 1}});

  const autotask_sim::Tenant tenant = load(tenant_document(entities));

  const json::array& companies = tenant.entities.at("Companies");
  REQUIRE(companies.size() == 5);
  const json::object& owner = companies[0].as_object();
  CHECK(owner.at("id").as_int64() == 0);
  CHECK(owner.at("companyName").as_string() == "Owner");
  CHECK(owner.at("isActive").is_null());
  CHECK(owner.contains("lastTrackedModifiedDateTime"));
  CHECK(owner.at("userDefinedFields").as_array().empty());
  const json::object& contract = tenant.entities.at("Contracts")[0].as_object();
  CHECK(contract.at("startDate").as_string() == "2026-01-01T00:00:00");
  CHECK(tenant.entities.at("Tickets").empty());  // every known entity has a table
  CHECK(tenant.zone.ci == 777);
  CHECK(tenant.api_users.at(0).integration_code == kCode);
}

TEST_CASE("a field the entity does not have is named with its entity and row index") {
  json::object entities = billing_entities();
  entities["ContractServiceUnits"].as_array()[4].as_object()["unit"] = 3;

  CHECK(load_error(tenant_document(entities)) ==
        "entities.ContractServiceUnits[4]: field 'unit' is not a field of ContractServiceUnits");
}

TEST_CASE("a value of the wrong type is named with entity, index and field") {
  json::object entities = billing_entities();
  entities["Contracts"].as_array()[1].as_object()["startDate"] = "first of January";
  json::object units = billing_entities();
  units["ContractServiceUnits"].as_array()[0].as_object()["units"] = "37";

  CHECK(load_error(tenant_document(entities)) ==
        "entities.Contracts[1]: field 'startDate' is not a date-time: 'first of January'");
  CHECK(load_error(tenant_document(units)) ==
        "entities.ContractServiceUnits[0]: field 'units' should be an integer");
}

TEST_CASE("an unknown entity, a duplicate id and a dangling reference are refused") {
  json::object unknown = billing_entities();
  unknown["Projects"] = json::array{};
  json::object duplicate = billing_entities();
  duplicate["Services"].as_array()[1].as_object()["id"] = 77;
  json::object dangling = billing_entities();
  dangling["ContractServices"].as_array()[0].as_object()["serviceID"] = 79;

  CHECK(load_error(tenant_document(unknown))
            .rfind("entities: 'Projects' is not an entity the simulator knows (Companies, ", 0) ==
        0);
  CHECK(load_error(tenant_document(duplicate)) ==
        "entities.Services: id 77 appears more than once");
  CHECK(load_error(tenant_document(dangling)) ==
        "entities.ContractServices[0] (id 5001): field 'serviceID' references Services 79, "
        "which is not in the tenant");
}

TEST_CASE("units rows of one contract service may not overlap") {
  json::object entities = billing_entities();
  entities["ContractServiceUnits"].as_array()[1].as_object()["startDate"] = "2026-01-31";

  CHECK(load_error(tenant_document(entities)) ==
        "entities.ContractServiceUnits[1] (id 9002): overlaps another row of the same contract "
        "service");
}

TEST_CASE("a tenant needs an API user with all three credentials") {
  json::object document = tenant_document(billing_entities());
  document["api_users"] = json::array{json::object{{"username", "u"}, {"secret", "s"}}};
  json::object none = tenant_document(billing_entities());
  none["api_users"] = json::array{};

  CHECK(load_error(document) ==
        "api_users[0]: 'integration_code' is required and must be a non-empty string");
  CHECK(load_error(none) == "api_users: the tenant needs at least one API user");
}

TEST_CASE("a tenant file that does not exist is an error naming the path") {
  auto tenant = autotask_sim::load_tenant_file("/nonexistent/tenant.json");

  REQUIRE_FALSE(tenant.ok());
  CHECK(tenant.error().message == "tenant file '/nonexistent/tenant.json' cannot be read");
}

TEST_CASE("text that is not JSON is refused") {
  auto tenant = autotask_sim::load_tenant(std::string_view("{\"zone\": "));

  REQUIRE_FALSE(tenant.ok());
  CHECK(tenant.error().message.rfind("tenant: not valid JSON", 0) == 0);
}
