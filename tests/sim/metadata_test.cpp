// entityInformation, entityInformation/fields with the tenant's picklists, the tenant's
// permission restrictions and an API user who cannot read costs.
#include "sim/sim_harness.hpp"

#include <map>

using namespace sim_test;

namespace {

struct Expected {
  const char* name;
  bool create, query, update, udfs;
};

const std::map<std::string, Expected> kCapabilities{
    {"Companies", {"Company", true, true, true, true}},
    {"Contracts", {"Contract", true, true, true, true}},
    {"Services", {"Service", true, true, true, true}},
    {"ContractServices", {"ContractService", true, true, true, false}},
    {"ContractServiceUnits", {"ContractServiceUnit", false, true, false, false}},
    {"ContractServiceAdjustments", {"ContractServiceAdjustment", true, false, false, false}},
    {"Tickets", {"Ticket", true, true, true, true}},
    {"TicketNotes", {"TicketNote", true, true, false, false}},
};

// BR-14's priorities (the tenant has no "Standard" any more) and BR-16's sub-issue types.
json::object ticket_picklists() {
  return json::object{
      {"Tickets",
       json::object{
           {"priority",
            json::array{json::object{{"value", "1"}, {"label", "High"}},
                        json::object{{"value", "2"}, {"label", "Medium"}},
                        json::object{{"value", "3"}, {"label", "Low"}},
                        json::object{{"value", "4"}, {"label", "Critical"}},
                        json::object{{"value", "5"}, {"label", "Standard"}, {"isActive", false}}}},
           {"issueType", json::array{json::object{{"value", 7}, {"label", "Accounts"}},
                                     json::object{{"value", 8}, {"label", "Security"}}}},
           {"subIssueType",
            json::array{json::object{{"value", "51"}, {"label", "Password"}, {"parentValue", "7"}},
                        json::object{{"value", "52"}, {"label", "MFA"}, {"parentValue", "8"}}}}}}};
}

const json::object& field_named(const json::array& fields, std::string_view name) {
  for (const json::value& f : fields) {
    if (f.at("name").as_string() == name) return f.as_object();
  }
  FAIL("no field " << name);
  return fields.front().as_object();
}

std::vector<std::string> labels_of(const json::object& field) {
  std::vector<std::string> labels;
  for (const json::value& v : field.at("picklistValues").as_array()) {
    labels.emplace_back(v.at("label").as_string());
  }
  return labels;
}

json::object without_cost_access(json::object document) {
  document["api_users"].as_array()[0].as_object()["can_read_costs"] = false;
  return document;
}

}  // namespace

TEST_CASE("entityInformation answers the capabilities Autotask documents for each entity") {
  SimHarness h(load(tenant_document(billing_entities())));

  for (const auto& capability : kCapabilities) {
    const auto& [entity, want] = capability;
    INFO(capability.first);
    const Response r = h.get("V1.0/" + entity + "/entityInformation");
    REQUIRE(r.status == 200);
    const json::value info = body_of(r).at("info");
    CHECK(info.at("name").as_string() == want.name);
    CHECK(info.at("canCreate").as_bool() == want.create);
    CHECK(info.at("canDelete").as_bool() == false);
    CHECK(info.at("canQuery").as_bool() == want.query);
    CHECK(info.at("canUpdate").as_bool() == want.update);
    CHECK(info.at("hasUserDefinedFields").as_bool() == want.udfs);
    CHECK(info.at("supportsWebhookCallouts").as_bool() == false);
  }
  // The child path describes the child entity; a POST is the wrong method.
  const Response child = h.get("V1.0/Contracts/300/Services/entityInformation");
  const Response post = h.post("V1.0/Tickets/entityInformation", json::object{});
  const Response udfs = h.get("V1.0/Tickets/entityInformation/userDefinedFields");

  CHECK(body_of(child).at("info").at("name").as_string() == "ContractService");
  CHECK(post.status == 405);
  CHECK(udfs.status == 501);
}

TEST_CASE("a tenant's permission override restricts what entityInformation says and allows") {
  json::object document = tenant_document(billing_entities());
  document["permissions"] =
      json::object{{"contractserviceadjustments", json::object{{"canCreate", false}}},
                   {"Tickets", json::object{{"canUpdate", false}}}};
  SimHarness h(load(document));

  const json::value adjustments =
      body_of(h.get("V1.0/ContractServiceAdjustments/entityInformation")).at("info");
  const json::value tickets = body_of(h.get("V1.0/Tickets/entityInformation")).at("info");
  const Response write = h.post("V1.0/Contracts/300/ServiceAdjustments",
                                json::object{{"contractID", 300},
                                             {"contractServiceID", 5001},
                                             {"serviceID", 77},
                                             {"unitChange", 2},
                                             {"effectiveDate", "2026-05-01"}});

  CHECK(adjustments.at("canCreate").as_bool() == false);
  CHECK(adjustments.at("canQuery").as_bool() == false);
  CHECK(tickets.at("canUpdate").as_bool() == false);
  CHECK(tickets.at("canCreate").as_bool() == true);  // what the override leaves alone stays
  CHECK(write.status == 500);
  CHECK(error_text(write) ==
        "The API user's security level does not allow it to create ContractServiceAdjustment "
        "entities.");
  CHECK(h.sim().write_count() == 0);
  CHECK(h.sim().entities("ContractServiceUnits")[4].at("units").as_int64() == 37);
}

TEST_CASE("a query override refuses reads of the entity") {
  json::object document = tenant_document(billing_entities());
  document["permissions"] = json::object{{"Contracts", json::object{{"canQuery", false}}}};
  SimHarness h(load(document));

  const Response query_refused = h.post("V1.0/Contracts/query", query({eq("id", 300)}));
  const Response get_refused = h.get("V1.0/Contracts/300");
  const Response companies = h.get("V1.0/Companies/1");

  CHECK(query_refused.status == 500);
  CHECK(error_text(query_refused) ==
        "The API user's security level does not allow it to query Contract entities.");
  CHECK(get_refused.status == 500);
  CHECK(companies.status == 200);
}

TEST_CASE("fields lists every field of the entity with picklist values as JSON strings") {
  json::object document = tenant_document(billing_entities());
  document["picklists"] = ticket_picklists();
  SimHarness h(load(document));

  const Response r = h.get("V1.0/Tickets/entityInformation/fields");
  REQUIRE(r.status == 200);
  const json::array fields = body_of(r).at("fields").as_array();

  CHECK(fields.size() == 27);  // TicketModel's fields as the simulator knows them
  const json::object& id = field_named(fields, "id");
  CHECK(id.at("dataType").as_string() == "long");
  CHECK(id.at("isReadOnly").as_bool());
  CHECK(id.at("picklistValues").is_null());
  const json::object& title = field_named(fields, "title");
  CHECK(title.at("dataType").as_string() == "string");
  CHECK(title.at("length").as_int64() == 255);
  CHECK(title.at("isRequired").as_bool());
  CHECK(title.at("isPickList").as_bool() == false);
  CHECK(title.at("picklistValues").is_null());
  const json::object& company = field_named(fields, "companyID");
  CHECK(company.at("dataType").as_string() == "integer");
  CHECK(company.at("isReference").as_bool());
  CHECK(company.at("referenceEntityType").as_string() == "Company");
  CHECK(field_named(fields, "dueDateTime").at("dataType").as_string() == "datetime");
  CHECK(field_named(fields, "status").at("isQueryable").as_bool());

  const json::object& priority = field_named(fields, "priority");
  CHECK(priority.at("isPickList").as_bool());
  CHECK(priority.at("isReference").as_bool() == false);
  CHECK(priority.at("referenceEntityType").as_string() == "");
  const json::array& values = priority.at("picklistValues").as_array();
  REQUIRE(values.size() == 5);
  CHECK(values[0].at("value").as_string() == "1");  // a string, while rows carry integers
  CHECK(values[0].at("label").as_string() == "High");
  CHECK(values[0].at("isActive").as_bool());
  CHECK(values[0].at("isDefaultValue").as_bool() == false);
  CHECK(values[0].at("sortOrder").as_int64() == 0);
  CHECK(values[0].at("parentValue").as_string() == "");
  CHECK(values[0].at("isSystem").as_bool() == false);
  CHECK(values[4].at("label").as_string() == "Standard");
  CHECK(values[4].at("isActive").as_bool() == false);
  CHECK(values[4].at("sortOrder").as_int64() == 4);
  CHECK(r.body.find(R"("value":"4")") != std::string::npos);
  CHECK(r.body.find(R"("value":4)") == std::string::npos);

  const json::object& sub_issue = field_named(fields, "subIssueType");
  CHECK(sub_issue.at("picklistParentValueField").as_string() == "issueType");
  CHECK(sub_issue.at("picklistValues").as_array()[1].at("parentValue").as_string() == "8");
  CHECK(field_named(fields, "issueType").at("picklistValues").as_array()[0].at("value") == "7");
  // The tenant names priority, issue and sub-issue types; status and queue keep the defaults.
  CHECK(labels_of(field_named(fields, "queueID")).size() == 4);
  CHECK(labels_of(field_named(fields, "status")).front() == "New");
  CHECK(field_named(fields, "ticketType").at("picklistValues").as_array().empty());
}

TEST_CASE("the default picklists hold the contract types, Recurring Service among them") {
  SimHarness h(load(tenant_document(billing_entities())));

  const json::array contracts =
      body_of(h.get("V1.0/Contracts/entityInformation/fields")).at("fields").as_array();
  const json::array companies =
      body_of(h.get("V1.0/Companies/entityInformation/fields")).at("fields").as_array();
  const json::array services =
      body_of(h.get("V1.0/Services/entityInformation/fields")).at("fields").as_array();
  const json::array adjustments = body_of(h.get("V1.0/ContractServiceAdjustments/"
                                                "entityInformation/fields"))
                                      .at("fields")
                                      .as_array();

  bool recurring = false;
  for (const json::value& v :
       field_named(contracts, "contractType").at("picklistValues").as_array()) {
    if (v.at("value") == "7" && v.at("label") == "Recurring Service") recurring = true;
  }
  CHECK(recurring);
  CHECK(labels_of(field_named(contracts, "status")) ==
        std::vector<std::string>{"Inactive", "Active"});
  CHECK(labels_of(field_named(companies, "companyType")).front() == "Customer");
  CHECK(labels_of(field_named(services, "periodType")).front() == "Monthly");
  CHECK(contracts.size() == 35);
  CHECK(field_named(contracts, "estimatedCost").at("dataType").as_string() == "double");
  CHECK(field_named(services, "unitPrice").at("dataType").as_string() == "decimal");
  CHECK(field_named(services, "isActive").at("dataType").as_string() == "boolean");
  // Adjustments cannot be queried, so none of their fields can.
  CHECK(field_named(adjustments, "unitChange").at("isQueryable").as_bool() == false);
  CHECK(field_named(adjustments, "effectiveDate").at("isRequired").as_bool());
}

TEST_CASE("a tenant's picklists and permissions are checked when it loads") {
  auto with = [](const char* key, json::value value) {
    json::object document = tenant_document(billing_entities());
    document[key] = std::move(value);
    return autotask_sim::load_tenant(json::value(document));
  };

  auto not_a_picklist = with(
      "picklists",
      json::object{{"Tickets", json::object{{"title", json::array{json::object{
                                                          {"value", "1"}, {"label", "x"}}}}}}});
  auto not_integer = with(
      "picklists",
      json::object{{"Tickets",
                    json::object{{"priority",
                                  json::array{json::object{{"value", "high"}, {"label", "x"}}}}}}});
  auto twice = with(
      "picklists",
      json::object{
          {"Tickets",
           json::object{{"priority", json::array{json::object{{"value", 1}, {"label", "a"}},
                                                 json::object{{"value", "1"}, {"label", "b"}}}}}}});
  auto unknown_entity =
      with("permissions", json::object{{"Invoices", json::object{{"canCreate", false}}}});
  auto unknown_key =
      with("permissions", json::object{{"Tickets", json::object{{"canDestroy", false}}}});

  REQUIRE_FALSE(not_a_picklist.ok());
  CHECK(not_a_picklist.error().message ==
        "picklists.Tickets.title: Tickets.title is not a picklist field");
  REQUIRE_FALSE(not_integer.ok());
  CHECK(not_integer.error().message ==
        "picklists.Tickets.priority[0]: value 'high' should be an integer");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().message == "picklists.Tickets.priority[1]: value 1 appears more than once");
  REQUIRE_FALSE(unknown_entity.ok());
  CHECK(unknown_entity.error().message.rfind("permissions: 'Invoices' is not an entity", 0) == 0);
  REQUIRE_FALSE(unknown_key.ok());
  CHECK(unknown_key.error().message == "permissions.Tickets: unknown key 'canDestroy'");
}

TEST_CASE("a user without cost access reads null unit costs and cannot set a cost") {
  SimHarness h(load(without_cost_access(tenant_document(billing_entities()))));

  const json::value service = body_of(h.get("V1.0/Services/77")).at("item");
  const json::array lines =
      items_of(h.post("V1.0/ContractServices/query", query({cond("exist", "id", nullptr)})));
  const json::array children = items_of(h.get("V1.0/Contracts/300/Services"));
  const json::value child = body_of(h.get("V1.0/Contracts/300/Services/5001")).at("item");
  // A filter on the hidden cost sees it as empty, so it cannot reveal the value.
  const json::array by_cost =
      items_of(h.post("V1.0/ContractServices/query", query({eq("unitCost", 3.0)})));
  const Response adjusted =
      h.post("V1.0/Contracts/300/ServiceAdjustments", json::object{{"contractID", 300},
                                                                   {"contractServiceID", 5001},
                                                                   {"serviceID", 77},
                                                                   {"unitChange", 1},
                                                                   {"effectiveDate", "2026-05-01"},
                                                                   {"ADJUSTEDUNITCOST", 9.5},
                                                                   {"adjustedUnitPrice", 7.0}});

  CHECK(service.at("unitCost").is_null());
  CHECK(service.at("unitPrice").to_number<double>() == 6.0);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].at("unitCost").is_null());
  CHECK(lines[0].at("unitPrice").to_number<double>() == 6.0);
  CHECK(children[0].at("unitCost").is_null());
  CHECK(child.at("unitCost").is_null());
  CHECK(by_cost.empty());
  CHECK(adjusted.status == 200);
  // The units and the price changed; the cost the user sent was ignored.
  const json::array rows = h.sim().entities("ContractServiceUnits");
  CHECK(rows[4].at("units").as_int64() == 38);
  CHECK(rows[4].at("cost").to_number<double>() == 3.0);
  CHECK(rows[4].at("price").to_number<double>() == 7.0);
  const json::array stored = h.sim().entities("ContractServices");
  CHECK(stored[0].at("unitCost").to_number<double>() == 3.0);
  CHECK(h.sim().entities("ContractServiceAdjustments")[0].at("adjustedUnitCost").is_null());
}

TEST_CASE("a user with cost access reads the costs") {
  SimHarness h(load(tenant_document(billing_entities())));

  const json::value service = body_of(h.get("V1.0/Services/77")).at("item");

  CHECK(service.at("unitCost").to_number<double>() == 3.0);
}

TEST_CASE("the demo tenant carries the default picklists and no permission overrides") {
  auto tenant = autotask_sim::load_tenant(autotask_sim::demo_tenant_json());
  REQUIRE(tenant.ok());

  CHECK(tenant->permissions.empty());
  CHECK(tenant->api_users.front().can_read_costs);
  const auto& types = tenant->picklists.at("Contracts").at("contractType");
  CHECK(std::any_of(types.begin(), types.end(), [](const autotask_sim::PicklistEntry& e) {
    return e.value == "7" && e.label == "Recurring Service" && e.is_active;
  }));
  for (const char* field : {"status", "priority", "queueID"}) {
    CHECK_FALSE(tenant->picklists.at("Tickets").at(field).empty());
  }
  CHECK_FALSE(tenant->picklists.at("Services").at("periodType").empty());
  CHECK_FALSE(tenant->picklists.at("Companies").at("companyType").empty());
  // The demo document itself names them (fixtures/generate_demo_tenant.py).
  const json::value document = json::parse(autotask_sim::demo_tenant_json());
  CHECK(document.at("picklists").at("Contracts").at("contractType").as_array().size() == 6);
  CHECK(document.as_object().if_contains("permissions") == nullptr);
}
