#include "metadata.hpp"

#include <boost/json/array.hpp>

#include <initializer_list>
#include <utility>

namespace autotask_sim::detail {

namespace json = boost::json;

namespace {

struct Value {
  std::string_view value, label;
  bool is_default = false;
  bool is_system = false;
};

std::vector<PicklistEntry> values(std::initializer_list<Value> list) {
  std::vector<PicklistEntry> out;
  for (const Value& v : list) {
    PicklistEntry e;
    e.value = std::string(v.value);
    e.label = std::string(v.label);
    e.is_default_value = v.is_default;
    e.is_system = v.is_system;
    e.sort_order = static_cast<std::int64_t>(out.size());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

namespace {
std::vector<PicklistEntry> period_types() {
  return values(
      {{"1", "Monthly", true}, {"2", "Quarterly"}, {"3", "Semi-Annual"}, {"4", "Yearly"}});
}
}  // namespace

// Picklist values are tenant-defined in Autotask; these follow the usual defaults, with
// contractType 7 (Recurring Service) the one value Autotask's documentation fixes. A tenant
// that needs other labels or values (BR-14) names them in its own "picklists".
Tenant::Picklists default_picklists(std::string_view entity) {
  if (entity == "Companies") {
    return {{"companyType", values({{"1", "Customer", true},
                                    {"2", "Lead"},
                                    {"3", "Prospect"},
                                    {"4", "Dead"},
                                    {"6", "Cancellation"},
                                    {"7", "Vendor"},
                                    {"8", "Partner"}})}};
  }
  if (entity == "Contracts") {
    return {{"contractType", values({{"1", "Time and Materials"},
                                     {"3", "Fixed Price"},
                                     {"4", "Block Hours"},
                                     {"6", "Retainer"},
                                     {"7", "Recurring Service", true, true},
                                     {"8", "Per Ticket"}})},
            {"status", values({{"0", "Inactive"}, {"1", "Active", true, true}})},
            {"contractPeriodType", period_types()}};
  }
  if (entity == "Services" || entity == "ServiceBundles") return {{"periodType", period_types()}};
  if (entity == "Tickets") {
    return {{"status", values({{"1", "New", true, true},
                               {"5", "Complete", false, true},
                               {"7", "Waiting Customer"},
                               {"8", "In Progress"},
                               {"12", "Waiting Vendor"}})},
            {"priority",
             values({{"1", "High"}, {"2", "Medium", true}, {"3", "Low"}, {"4", "Critical"}})},
            {"queueID", values({{"5", "Client Portal"},
                                {"6", "Post Sale"},
                                {"8", "Monitoring Alert"},
                                {"29682833", "Level I Support", true}})}};
  }
  return {};
}

Capabilities capabilities(const EntitySchema& entity, const Tenant& tenant) {
  Capabilities c;
  c.can_create = entity.can_create;
  c.can_query = entity.queryable;
  c.can_update = entity.can_update;
  if (auto it = tenant.permissions.find(entity.name); it != tenant.permissions.end()) {
    const EntityPermissions& p = it->second;
    c.can_create = p.can_create.value_or(c.can_create);
    c.can_delete = p.can_delete.value_or(c.can_delete);
    c.can_query = p.can_query.value_or(c.can_query);
    c.can_update = p.can_update.value_or(c.can_update);
  }
  return c;
}

json::object entity_information(const EntitySchema& entity, const Tenant& tenant) {
  const Capabilities c = capabilities(entity, tenant);
  // The simulator sends no webhooks, so it claims no webhook support for any entity.
  return json::object{{"info", json::object{{"name", entity.error_name},
                                            {"canCreate", c.can_create},
                                            {"canDelete", c.can_delete},
                                            {"canQuery", c.can_query},
                                            {"canUpdate", c.can_update},
                                            {"hasUserDefinedFields", entity.has_udfs},
                                            {"supportsWebhookCallouts", false}}}};
}

json::object field_information(const EntitySchema& entity, const Tenant& tenant) {
  const Tenant::Picklists* picklists = nullptr;
  if (auto it = tenant.picklists.find(entity.name); it != tenant.picklists.end()) {
    picklists = &it->second;
  }
  json::array fields;
  for (const FieldSpec& f : entity.fields) {
    const bool picklist = (f.flags & kPicklist) != 0;
    json::value values = nullptr;  // Autotask sends null for a field that is no picklist
    if (picklist) {
      json::array list;
      if (picklists != nullptr) {
        if (auto it = picklists->find(f.name); it != picklists->end()) {
          for (const PicklistEntry& v : it->second) {
            list.push_back(json::object{{"value", v.value},
                                        {"label", v.label},
                                        {"isDefaultValue", v.is_default_value},
                                        {"sortOrder", v.sort_order},
                                        {"parentValue", v.parent_value},
                                        {"isActive", v.is_active},
                                        {"isSystem", v.is_system}});
          }
        }
      }
      values = std::move(list);
    }
    fields.push_back(json::object{{"name", f.name},
                                  {"dataType", data_type_name(f)},
                                  {"length", f.length},
                                  {"isRequired", (f.flags & kRequired) != 0},
                                  {"isReadOnly", (f.flags & kReadOnly) != 0},
                                  {"isQueryable", entity.queryable},
                                  {"isReference", !f.reference.empty()},
                                  {"referenceEntityType", f.reference},
                                  {"isPickList", picklist},
                                  {"picklistValues", std::move(values)},
                                  {"picklistParentValueField", f.picklist_parent},
                                  {"isSupportedWebhookField", false}});
  }
  return json::object{{"fields", std::move(fields)}};
}

}  // namespace autotask_sim::detail
