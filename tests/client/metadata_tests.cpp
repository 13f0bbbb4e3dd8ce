// Entity metadata through the client: entityInformation, entityInformation/fields and picklists.
// Expected values come from the documentation: autotask-api.md §6.4 (shapes, string picklist
// values, case-insensitive field names) and §12; field-cases.md BR-13 (required and reference
// fields), BR-14 (tenant-specific labels, inactive values), BR-15 (stale cache: refresh once on a
// miss), BR-16 (dependent picklists), BR-19 (string values, integer payloads); and the header
// comments of client.hpp and metadata.hpp.
#include <autotask_sync/client/client.hpp>
#include <autotask_sync/client/metadata.hpp>
#include <autotask_sync/http/mock_transport.hpp>

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace at = autotask_sync;
namespace bj = boost::json;
namespace http = autotask_sync::http;
using at::Client;
using at::ClientOptions;
using at::ErrorCode;
using http::Method;
using ms = std::chrono::milliseconds;
using sys_clock = std::chrono::system_clock;
using namespace std::chrono_literals;

#include "client/support.hpp"

using namespace client_test;

namespace {

const std::string kTicketFieldsPath = "/ATServicesRest/V1.0/Tickets/entityInformation/fields";

using Answer = at::Result<http::Response>;

// The Tickets fields of a tenant, shaped as §6.4 shows them. BR-14's priority picklist, BR-16's
// sub-issue types, BR-19's string queue ids, BR-13's required company reference.
const std::string kTicketFields = R"({"fields":[
  {"name":"id","dataType":"long","length":0,"isRequired":true,"isReadOnly":true,"isQueryable":true,
   "isReference":false,"referenceEntityType":"","isPickList":false,"picklistValues":null,
   "picklistParentValueField":"","isSupportedWebhookField":false},
  {"name":"companyID","dataType":"integer","length":0,"isRequired":true,"isReadOnly":false,
   "isQueryable":true,"isReference":true,"referenceEntityType":"Company","isPickList":false,
   "picklistValues":null,"picklistParentValueField":"","isSupportedWebhookField":true},
  {"name":"title","dataType":"string","length":255,"isRequired":true,"isReadOnly":false,
   "isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":false,
   "picklistValues":null,"picklistParentValueField":"","isSupportedWebhookField":true},
  {"name":"description","dataType":"string","length":8000,"isRequired":false,"isReadOnly":false,
   "isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":false,
   "picklistValues":null,"picklistParentValueField":"","isSupportedWebhookField":true},
  {"name":"priority","dataType":"integer","length":0,"isRequired":true,"isReadOnly":false,
   "isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":true,
   "picklistValues":[
     {"value":"1","label":"High","isDefaultValue":false,"sortOrder":1,"parentValue":"","isActive":true,"isSystem":true},
     {"value":"2","label":"Medium","isDefaultValue":true,"sortOrder":2,"parentValue":"","isActive":true,"isSystem":true},
     {"value":"3","label":"Low","isDefaultValue":false,"sortOrder":3,"parentValue":"","isActive":true,"isSystem":true},
     {"value":"4","label":"Critical","isDefaultValue":false,"sortOrder":4,"parentValue":"","isActive":true,"isSystem":false},
     {"value":"5","label":"Standard","isDefaultValue":false,"sortOrder":5,"parentValue":"","isActive":false,"isSystem":false}],
   "picklistParentValueField":"","isSupportedWebhookField":true},
  {"name":"queueID","dataType":"integer","length":0,"isRequired":false,"isReadOnly":false,
   "isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":true,
   "picklistValues":[
     {"value":"29682776","label":"Client Portal","isDefaultValue":false,"sortOrder":0,"parentValue":"","isActive":true,"isSystem":false},
     {"value":"29683482","label":"Monitoring Alert","isDefaultValue":false,"sortOrder":0,"parentValue":"","isActive":true,"isSystem":false}],
   "picklistParentValueField":"","isSupportedWebhookField":true},
  {"name":"issueType","dataType":"integer","length":0,"isRequired":false,"isReadOnly":false,
   "isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":true,
   "picklistValues":[
     {"value":"7","label":"Access","isDefaultValue":false,"sortOrder":0,"parentValue":"","isActive":true,"isSystem":false},
     {"value":"8","label":"Security","isDefaultValue":false,"sortOrder":0,"parentValue":"","isActive":true,"isSystem":false}],
   "picklistParentValueField":"","isSupportedWebhookField":true},
  {"name":"subIssueType","dataType":"integer","length":0,"isRequired":false,"isReadOnly":false,
   "isQueryable":true,"isReference":false,"referenceEntityType":"","isPickList":true,
   "picklistValues":[
     {"value":"51","label":"Password","isDefaultValue":false,"sortOrder":0,"parentValue":"7","isActive":true,"isSystem":false},
     {"value":"52","label":"MFA","isDefaultValue":false,"sortOrder":0,"parentValue":"8","isActive":true,"isSystem":false}],
   "picklistParentValueField":"issueType","isSupportedWebhookField":true}
]})";

// BR-15: the sub-issue picklist at t0 and after an admin added 12 and inactivated 11 at t1.
std::string sub_issue_fields(bool t1) {
  std::string values = R"({"value":"10","label":"Locked out","parentValue":"","isActive":true},)"
                       R"({"value":"11","label":"Expired password","parentValue":"","isActive":)" +
                       std::string(t1 ? "false" : "true") + "}";
  if (t1) values += R"(,{"value":"12","label":"SSO lockout","parentValue":"","isActive":true})";
  return R"({"fields":[{"name":"subIssueType","dataType":"integer","isPickList":true,)"
         R"("picklistValues":[)" +
         values + R"(],"picklistParentValueField":""}]})";
}

struct FakeClock {
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<sys_clock::time_point> now = std::make_shared<sys_clock::time_point>(kStart);
  at::Environment environment() const {
    at::Environment e;
    auto m = mutex;
    auto n = now;
    e.now = [m, n] {
      std::lock_guard lock(*m);
      return *n;
    };
    e.sleep = [m, n](ms d) {
      std::lock_guard lock(*m);
      *n += d;
    };
    e.random = [] { return 0.5; };
    return e;
  }
  void advance(ms d) const {
    std::lock_guard lock(*mutex);
    *now += d;
  }
};

struct Tenant {
  std::shared_ptr<http::MockTransport> mock = std::make_shared<http::MockTransport>();
  FakeClock clock;
  std::string code = fresh_code("METADATATESTS");

  Tenant() {
    mock->route(Method::kGet, "/ATServicesRest/V1.0/zoneInformation",
                [](const http::Request&) -> Answer { return json_response(200, kZoneBody); });
  }
  ClientOptions options() const {
    ClientOptions o;
    o.credentials = {kUser, kSecret, code};
    o.limits.watch_budget = false;
    o.environment = clock.environment();
    return o;
  }
  std::shared_ptr<Client> client(ClientOptions o) const {
    auto c = Client::create(std::move(o), mock);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().describe()));
    return *c;
  }
  std::shared_ptr<Client> client() const { return client(options()); }

  // Serves `path` with the current body of *body, counting the requests.
  std::shared_ptr<std::atomic<int>> serve(std::string path, std::shared_ptr<std::string> body,
                                          std::shared_ptr<std::mutex> body_mutex) const {
    auto count = std::make_shared<std::atomic<int>>(0);
    mock->route(Method::kGet, std::move(path),
                [count, body, body_mutex](const http::Request&) -> Answer {
                  ++*count;
                  std::lock_guard lock(*body_mutex);
                  return json_response(200, *body);
                });
    return count;
  }
  std::shared_ptr<std::atomic<int>> serve(std::string path, std::string body) const {
    return serve(std::move(path), std::make_shared<std::string>(std::move(body)),
                 std::make_shared<std::mutex>());
  }
};

std::string describe(const at::Error& e) {
  return e.describe();
}

}  // namespace

TEST_SUITE("client metadata") {
  TEST_CASE("entity_info decodes what the API user may do with the entity") {
    Tenant t;
    auto tickets =
        t.serve("/ATServicesRest/V1.0/Tickets/entityInformation",
                R"({"info":{"name":"Ticket","canCreate":true,"canDelete":false,"canQuery":true,)"
                R"("canUpdate":true,"userAccessForCreate":"Allowed","userAccessForDelete":"None",)"
                R"("userAccessForQuery":"Allowed","userAccessForUpdate":"Allowed",)"
                R"("hasUserDefinedFields":true,"supportsWebhookCallouts":true}})");
    auto adjustments =
        t.serve("/ATServicesRest/V1.0/ContractServiceAdjustments/entityInformation",
                R"({"info":{"name":"ContractServiceAdjustment","canCreate":true,"canDelete":false,)"
                R"("canQuery":false,"canUpdate":false,"hasUserDefinedFields":false}})");
    auto c = t.client();

    auto info = c->entity_info("Tickets");
    REQUIRE_MESSAGE(info.ok(), (info.ok() ? "" : describe(info.error())));
    CHECK(info->name == "Ticket");
    CHECK(info->can_create);
    CHECK(info->can_query);
    CHECK(info->can_update);
    CHECK_FALSE(info->can_delete);
    CHECK(info->has_user_defined_fields);

    // Adjustments are create-only (§5.6): capabilities come from entityInformation, not a list.
    auto adj = c->entity_info("ContractServiceAdjustments");
    REQUIRE(adj.ok());
    CHECK(adj->can_create);
    CHECK_FALSE(adj->can_query);
    CHECK_FALSE(adj->can_update);
    CHECK_FALSE(adj->can_delete);

    // Cached.
    REQUIRE(c->entity_info("Tickets").ok());
    CHECK(tickets->load() == 1);
    CHECK(adjustments->load() == 1);
  }

  TEST_CASE("EntityInfo::from_json refuses an answer without info") {
    CHECK(at::EntityInfo::from_json(bj::parse(R"({"fields":[]})")).error().code ==
          ErrorCode::kProtocol);
    CHECK(at::EntityInfo::from_json(bj::parse("[]")).error().code == ErrorCode::kProtocol);
  }

  TEST_CASE("fields are cached: two calls, one request, until metadata_ttl passes") {
    Tenant t;
    auto requests = t.serve(kTicketFieldsPath, kTicketFields);
    ClientOptions o = t.options();
    o.metadata_ttl = std::chrono::hours(1);
    auto c = t.client(o);

    auto a = c->fields("Tickets");
    REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : describe(a.error())));
    auto b = c->fields("Tickets");
    REQUIRE(b.ok());
    CHECK(a->size() == 8);
    CHECK(b->size() == 8);
    CHECK(requests->load() == 1);

    // Picklist lookups use the same cache.
    REQUIRE(c->picklist_value("Tickets", "priority", "High").ok());
    CHECK(requests->load() == 1);

    t.clock.advance(59min);
    REQUIRE(c->fields("Tickets").ok());
    CHECK(requests->load() == 1);
    t.clock.advance(2min);
    REQUIRE(c->fields("Tickets").ok());
    CHECK(requests->load() == 2);
    REQUIRE(c->fields("Tickets").ok());
    CHECK(requests->load() == 2);
  }

  TEST_CASE("the fields cache is per entity, and a failed load is not cached") {
    Tenant t;
    auto tickets = t.serve(kTicketFieldsPath, kTicketFields);
    auto fails = std::make_shared<std::atomic<int>>(0);
    t.mock->route(Method::kGet, "/ATServicesRest/V1.0/Companies/entityInformation/fields",
                  [fails](const http::Request&) -> Answer {
                    if (++*fails == 1) {
                      return json_response(500, R"({"errors":["Unable to load metadata."]})");
                    }
                    return json_response(200, R"({"fields":[{"name":"id","dataType":"long"}]})");
                  });
    auto c = t.client();
    REQUIRE(c->fields("Tickets").ok());
    CHECK_FALSE(c->fields("Companies").ok());
    auto companies = c->fields("Companies");
    REQUIRE(companies.ok());
    CHECK(companies->size() == 1);
    REQUIRE(c->fields("Companies").ok());
    CHECK(fails->load() == 2);
    CHECK(tickets->load() == 1);
  }

  TEST_CASE("fields decode types, lengths, required and reference flags (BR-13)") {
    Tenant t;
    t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    auto fields = c->fields("Tickets");
    REQUIRE(fields.ok());

    std::vector<std::string> required;
    for (const auto& f : *fields) {
      if (f.is_required && !f.is_read_only) required.push_back(f.name);
    }
    CHECK(required == std::vector<std::string>{"companyID", "title", "priority"});

    const at::FieldInfo* company = at::find_field(*fields, "companyID");
    REQUIRE(company != nullptr);
    CHECK(company->is_reference);
    CHECK(company->reference_entity_type == "Company");
    CHECK(company->data_type == "integer");
    CHECK_FALSE(company->is_picklist);
    CHECK(company->picklist_values.empty());  // "picklistValues": null

    const at::FieldInfo* title = at::find_field(*fields, "title");
    REQUIRE(title != nullptr);
    CHECK(title->length == 255);
    CHECK(title->data_type == "string");
    CHECK(title->is_queryable);

    const at::FieldInfo* id = at::find_field(*fields, "id");
    REQUIRE(id != nullptr);
    CHECK(id->is_read_only);
  }

  TEST_CASE("picklist_value resolves labels ignoring case and values given as strings") {
    Tenant t;
    auto requests = t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    struct Case {
      const char* field;
      const char* wanted;
      std::int64_t expected;
    };
    for (const Case& k :
         {Case{"priority", "high", 1}, Case{"priority", "High", 1}, Case{"priority", "HIGH", 1},
          Case{"priority", "critical", 4}, Case{"priority", "3", 3}, Case{"priority", "Medium", 2},
          Case{"Priority", "low", 3}, Case{"PRIORITY", "2", 2}}) {
      CAPTURE(k.field);
      CAPTURE(k.wanted);
      auto v = c->picklist_value("Tickets", k.field, k.wanted);
      REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : describe(v.error())));
      CHECK(*v == k.expected);
    }
    CHECK(requests->load() == 1);
  }

  TEST_CASE("BR-19: picklist values arrive as strings and resolve to integers") {
    Tenant t;
    t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    auto fields = c->fields("Tickets");
    REQUIRE(fields.ok());
    const at::FieldInfo* queue = at::find_field(*fields, "queueID");
    REQUIRE(queue != nullptr);
    REQUIRE(queue->picklist_values.size() == 2);
    CHECK(queue->picklist_values[1].value == "29683482");  // kept as Autotask sent it

    auto by_label = c->picklist_value("Tickets", "queueID", "monitoring alert");
    REQUIRE(by_label.ok());
    CHECK(*by_label == std::int64_t{29683482});
    auto by_value = c->picklist_value("Tickets", "queueid", "29682776");
    REQUIRE(by_value.ok());
    CHECK(*by_value == std::int64_t{29682776});

    // A payload carries the integer, not the string.
    bj::object ticket;
    ticket["queueID"] = *by_label;
    CHECK(ticket.at("queueID").is_int64());
  }

  TEST_CASE("BR-14: an inactive label is refused and the error lists the active labels") {
    Tenant t;
    t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    for (const char* wanted : {"Standard", "standard", "5"}) {
      CAPTURE(wanted);
      auto v = c->picklist_value("Tickets", "priority", wanted);
      REQUIRE_FALSE(v.ok());
      CHECK(v.error().code == ErrorCode::kInvalidArgument);
      const std::string& m = v.error().message;
      CAPTURE(m);
      CHECK(contains(m, "Standard"));
      CHECK(contains(m, "inactive"));
      const auto listed = m.substr(std::min(m.size(), m.find("active values")));
      for (const char* label : {"High", "Medium", "Low", "Critical"})
        CHECK(contains(listed, label));
      CHECK_FALSE(contains(listed, "Standard"));
    }
  }

  TEST_CASE("an unknown label is refused with the active labels, after one refresh") {
    Tenant t;
    auto requests = t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    auto v = c->picklist_value("Tickets", "priority", "Urgent");
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == ErrorCode::kInvalidArgument);
    CAPTURE(v.error().message);
    CHECK(contains(v.error().message, "Urgent"));
    for (const char* label : {"High", "Medium", "Low", "Critical"}) {
      CHECK(contains(v.error().message, label));
    }
    CHECK(requests->load() == 2);  // the first load and the one refresh
  }

  TEST_CASE("an inactive label does not hide an active value with the same label") {
    Tenant t;
    t.serve(
        "/ATServicesRest/V1.0/Tickets/entityInformation/fields",
        R"({"fields":[{"name":"priority","dataType":"integer","isPickList":true,"picklistValues":[)"
        R"({"value":"5","label":"Standard","isActive":false},)"
        R"({"value":"6","label":"Standard","isActive":true},)"
        R"({"value":"1","label":"High","isActive":true}]}]})");
    auto c = t.client();
    auto v = c->picklist_value("Tickets", "priority", "standard");
    REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : describe(v.error())));
    CHECK(*v == 6);
  }

  TEST_CASE("BR-15: a value missing from the cache is looked for once more in fresh metadata") {
    Tenant t;
    auto body = std::make_shared<std::string>(sub_issue_fields(false));
    auto body_mutex = std::make_shared<std::mutex>();
    auto requests = t.serve(kTicketFieldsPath, body, body_mutex);
    auto c = t.client();  // metadata_ttl: the default 6 h, so the cache is still fresh below

    auto ten = c->picklist_value("Tickets", "subIssueType", "10");
    REQUIRE(ten.ok());
    CHECK(*ten == 10);
    CHECK(requests->load() == 1);

    {  // t1: an admin adds 12 "SSO lockout" and inactivates 11.
      std::lock_guard lock(*body_mutex);
      *body = sub_issue_fields(true);
    }
    SUBCASE("the new value is found after exactly one refresh") {
      auto twelve = c->picklist_value("Tickets", "subIssueType", "12");
      REQUIRE_MESSAGE(twelve.ok(), (twelve.ok() ? "" : describe(twelve.error())));
      CHECK(*twelve == 12);
      CHECK(requests->load() == 2);
      // The refreshed list is the cache now: its label resolves without a request.
      auto by_label = c->picklist_value("Tickets", "subIssueType", "sso lockout");
      REQUIRE(by_label.ok());
      CHECK(*by_label == 12);
      CHECK(requests->load() == 2);
      // And the old rule's value, inactive now, is refused.
      auto eleven = c->picklist_value("Tickets", "subIssueType", "11");
      REQUIRE_FALSE(eleven.ok());
      CHECK(contains(eleven.error().message, "inactive"));
      CHECK(contains(eleven.error().message, "SSO lockout"));
    }
    SUBCASE("a value in neither list fails after exactly one refresh") {
      auto missing = c->picklist_value("Tickets", "subIssueType", "99");
      REQUIRE_FALSE(missing.ok());
      CHECK(missing.error().code == ErrorCode::kInvalidArgument);
      CHECK(contains(missing.error().message, "99"));
      CHECK(requests->load() == 2);
    }
  }

  TEST_CASE(
      "BR-15: after metadata_ttl an inactivated value is refused without waiting for a miss") {
    Tenant t;
    auto body = std::make_shared<std::string>(sub_issue_fields(false));
    auto body_mutex = std::make_shared<std::mutex>();
    auto requests = t.serve(kTicketFieldsPath, body, body_mutex);
    ClientOptions o = t.options();
    o.metadata_ttl = std::chrono::hours(6);
    auto c = t.client(o);
    REQUIRE(c->picklist_value("Tickets", "subIssueType", "11").ok());
    {
      std::lock_guard lock(*body_mutex);
      *body = sub_issue_fields(true);
    }
    t.clock.advance(std::chrono::hours(7));
    auto eleven = c->picklist_value("Tickets", "subIssueType", "Expired password");
    REQUIRE_FALSE(eleven.ok());
    CHECK(contains(eleven.error().message, "inactive"));
    CHECK(requests->load() == 2);
  }

  TEST_CASE("BR-16: dependent picklists carry the parent field and each value's parent") {
    Tenant t;
    t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    auto fields = c->fields("Tickets");
    REQUIRE(fields.ok());
    const at::FieldInfo* sub = at::find_field(*fields, "subIssueType");
    REQUIRE(sub != nullptr);
    CHECK(sub->picklist_parent_value_field == "issueType");
    REQUIRE(sub->picklist_values.size() == 2);
    CHECK(sub->picklist_values[0].value == "51");
    CHECK(sub->picklist_values[0].parent_value == "7");
    CHECK(sub->picklist_values[1].value == "52");
    CHECK(sub->picklist_values[1].parent_value == "8");
    // issueType=7, subIssueType=52 is not a valid pair: 52 belongs to 8.
    auto issue = c->picklist_value("Tickets", "issueType", "7");
    auto sub52 = c->picklist_value("Tickets", "subIssueType", "52");
    REQUIRE(issue.ok());
    REQUIRE(sub52.ok());
    const auto it = std::find_if(sub->picklist_values.begin(), sub->picklist_values.end(),
                                 [&](const at::PicklistValue& p) { return p.value == "52"; });
    REQUIRE(it != sub->picklist_values.end());
    CHECK(it->parent_value != std::to_string(*issue));

    // Without the parent link in the metadata the pair cannot be checked: parent_value is empty.
    auto plain = at::fields_from_json(
        bj::parse(R"({"fields":[{"name":"subIssueType","isPickList":true,"picklistValues":[)"
                  R"({"value":"51","label":"Password"},{"value":"52","label":"MFA"}]}]})"));
    REQUIRE(plain.ok());
    CHECK(plain->at(0).picklist_parent_value_field.empty());
    CHECK(plain->at(0).picklist_values[1].parent_value.empty());
  }

  TEST_CASE("PascalCase field names and keys in metadata are found ignoring case") {
    Tenant t;
    t.serve(
        "/ATServicesRest/V1.0/Companies/entityInformation/fields",
        R"({"fields":[)"
        R"({"Name":"Id","DataType":"long","IsRequired":true,"IsReadOnly":true,"IsPickList":false},)"
        R"({"Name":"CompanyType","DataType":"integer","IsRequired":true,"IsPickList":true,)"
        R"("PicklistValues":[{"Value":"1","Label":"Customer","IsActive":true},)"
        R"({"Value":"3","Label":"Prospect","IsActive":true},)"
        R"({"Value":"8","Label":"Partner","IsActive":false}]}]})");
    auto c = t.client();
    auto fields = c->fields("Companies");
    REQUIRE_MESSAGE(fields.ok(), (fields.ok() ? "" : describe(fields.error())));
    REQUIRE(fields->size() == 2);
    const at::FieldInfo* type = at::find_field(*fields, "companyType");
    REQUIRE(type != nullptr);
    CHECK(type->name == "CompanyType");
    CHECK(type->is_picklist);
    CHECK(type->is_required);
    REQUIRE(type->picklist_values.size() == 3);
    CHECK_FALSE(type->picklist_values[2].is_active);
    CHECK(at::find_field(*fields, "id") != nullptr);
    CHECK(at::find_field(*fields, "ID") != nullptr);
    CHECK(at::find_field(*fields, "companyName") == nullptr);

    auto customer = c->picklist_value("Companies", "companytype", "customer");
    REQUIRE_MESSAGE(customer.ok(), (customer.ok() ? "" : describe(customer.error())));
    CHECK(*customer == 1);
    auto prospect = c->picklist_value("Companies", "CompanyType", "3");
    REQUIRE(prospect.ok());
    CHECK(*prospect == 3);
    CHECK_FALSE(c->picklist_value("Companies", "companyType", "Partner").ok());
  }

  TEST_CASE("picklist_value on a missing field or a field that is not a picklist is refused") {
    Tenant t;
    auto requests = t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    auto not_picklist = c->picklist_value("Tickets", "title", "x");
    REQUIRE_FALSE(not_picklist.ok());
    CHECK(not_picklist.error().code == ErrorCode::kInvalidArgument);
    CHECK(contains(not_picklist.error().message, "not a picklist"));
    CHECK(requests->load() == 1);

    auto missing = c->picklist_value("Tickets", "urgency", "High");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ErrorCode::kInvalidArgument);
    CHECK(contains(missing.error().message, "urgency"));
    CHECK(requests->load() == 2);  // a field added since is looked for once more too
  }

  TEST_CASE("a picklist value that is not an integer is kProtocol") {
    Tenant t;
    t.serve(kTicketFieldsPath,
            R"({"fields":[{"name":"priority","isPickList":true,"picklistValues":[)"
            R"({"value":"high","label":"High","isActive":true}]}]})");
    auto c = t.client();
    auto v = c->picklist_value("Tickets", "priority", "High");
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == ErrorCode::kProtocol);
  }

  TEST_CASE("metadata requests go to the zone with credentials") {
    Tenant t;
    t.serve(kTicketFieldsPath, kTicketFields);
    auto c = t.client();
    REQUIRE(c->fields("Tickets").ok());
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 2);
    CHECK(rs[1].method == Method::kGet);
    CHECK(rs[1].url ==
          "https://webservices5.autotask.net/ATServicesRest/V1.0/Tickets/entityInformation/fields");
    CHECK(rs[1].headers.get("ApiIntegrationCode") == std::optional<std::string_view>(t.code));
    CHECK(rs[1].headers.get("Secret") == std::optional<std::string_view>(kSecret));
  }

}  // TEST_SUITE
