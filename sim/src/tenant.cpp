#include <autotask_sim/tenant.hpp>

#include "metadata.hpp"
#include "schema.hpp"
#include "store.hpp"
#include "text.hpp"

#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/decimal.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>

namespace autotask_sim {

namespace json = boost::json;
using autotask_sync::Error;
using autotask_sync::ErrorCode;
using autotask_sync::Result;
using detail::EntitySchema;
using detail::FieldSpec;
using detail::FieldType;

namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// Fields without which the simulator cannot answer for a row the way Autotask would.
std::vector<std::string_view> required_fields(std::string_view entity) {
  if (entity == "Companies") return {"companyName"};
  if (entity == "Contracts") {
    return {"companyID", "contractName", "contractType", "status", "startDate", "endDate"};
  }
  if (entity == "Services") return {"name"};
  if (entity == "ContractServices") return {"contractID", "serviceID"};
  if (entity == "ContractServiceUnits") {
    return {"contractServiceID", "startDate", "endDate", "units"};
  }
  if (entity == "TicketNotes") return {"ticketID"};
  return {};
}

std::string known_entity_names() {
  std::string names;
  for (const auto& e : detail::all_entities()) {
    if (!names.empty()) names += ", ";
    names += e.name;
  }
  return names;
}

// The canonical JSON of one field value, or a message saying why the value does not fit.
Result<json::value> normalize_value(const FieldSpec& field, const json::value& v) {
  if (v.is_null()) return json::value(nullptr);
  switch (field.type) {
    case FieldType::kInteger:
      if (v.is_int64()) return v;
      if (v.is_uint64() &&
          v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return json::value(static_cast<std::int64_t>(v.get_uint64()));
      }
      return invalid("should be an integer");
    case FieldType::kString:
      if (v.is_string()) return v;
      return invalid("should be a string");
    case FieldType::kBoolean:
      if (v.is_bool()) return v;
      return invalid("should be true or false");
    case FieldType::kDecimal: {
      if (!v.is_number()) return invalid("should be a number");
      auto d = autotask_sync::Decimal::from_json(v);
      if (!d) return invalid("is not a usable amount");
      return d->to_json();
    }
    case FieldType::kDateTime: {
      if (!v.is_string()) return invalid("should be a date-time string");
      auto t = autotask_sync::parse_date_time(v.get_string());
      if (!t) return invalid("is not a date-time: '" + std::string(v.get_string()) + "'");
      const bool whole_seconds =
          t->time_since_epoch() % std::chrono::seconds(1) == std::chrono::milliseconds(0);
      return json::value(whole_seconds ? autotask_sync::format_date_time(*t)
                                       : autotask_sync::format_date_time_ms(*t));
    }
  }
  return invalid("has an unknown type");
}

Result<json::object> normalize_row(const EntitySchema& schema, const json::value& raw,
                                   const std::string& where) {
  if (!raw.is_object()) return invalid(where + ": should be a JSON object");
  const json::object& in = raw.get_object();

  for (const auto& kv : in) {
    const std::string_view key = kv.key();
    if (schema.has_udfs && detail::iequals(key, "userDefinedFields")) continue;
    if (detail::find_field(schema, key) == nullptr) {
      return invalid(where + ": field '" + std::string(key) + "' is not a field of " +
                     std::string(schema.name));
    }
  }

  json::object out;
  for (const FieldSpec& field : schema.fields) {
    const json::value* v = autotask_sync::json::find_ci(in, field.name);
    if (v == nullptr) {
      out[field.name] = nullptr;
      continue;
    }
    auto normalized = normalize_value(field, *v);
    if (!normalized) {
      return invalid(where + ": field '" + std::string(field.name) + "' " +
                     normalized.error().message);
    }
    out[field.name] = std::move(*normalized);
  }
  if (schema.has_udfs) {
    const json::value* udfs = autotask_sync::json::find_ci(in, "userDefinedFields");
    if (udfs != nullptr && !udfs->is_array()) {
      return invalid(where + ": userDefinedFields should be an array of {name, value}");
    }
    out["userDefinedFields"] = udfs != nullptr ? *udfs : json::array();
  }

  if (!out["id"].is_int64() || out["id"].get_int64() < 0) {
    return invalid(where + ": 'id' is required and must be a non-negative integer");
  }
  for (std::string_view name : required_fields(schema.name)) {
    if (out[name].is_null()) {
      return invalid(where + ": field '" + std::string(name) + "' is required");
    }
  }
  return out;
}

std::string row_place(std::string_view entity, std::size_t index, const json::object& row) {
  std::string place = "entities." + std::string(entity) + "[" + std::to_string(index) + "]";
  if (const auto* id = row.if_contains("id"); id != nullptr && id->is_int64()) {
    place += " (id " + std::to_string(id->get_int64()) + ")";
  }
  return place;
}

std::int64_t id_of(const json::value& row) {
  return row.at("id").get_int64();
}

// Every reference the simulator relies on must point at a row of the tenant.
Result<void> check_references(Tenant& tenant) {
  auto rows_of = [&](std::string_view name) -> json::array& {
    return tenant.entities[std::string(name)];
  };
  auto require = [&](std::string_view entity, std::string_view field, std::string_view target,
                     bool nullable) -> Result<void> {
    const json::array& targets = rows_of(target);
    const json::array& rows = rows_of(entity);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const json::value& ref = rows[i].at(field);
      if (ref.is_null() && nullable) continue;
      if (ref.is_null() || detail::find_by_id(targets, ref.get_int64()) == nullptr) {
        return invalid(row_place(entity, i, rows[i].get_object()) + ": field '" +
                       std::string(field) + "' references " + std::string(target) + " " +
                       (ref.is_null() ? std::string("null") : std::to_string(ref.get_int64())) +
                       ", which is not in the tenant");
      }
    }
    return {};
  };

  for (auto [entity, field, target, nullable] :
       {std::tuple{"Contracts", "companyID", "Companies", false},
        std::tuple{"ContractServices", "contractID", "Contracts", false},
        std::tuple{"ContractServices", "serviceID", "Services", false},
        std::tuple{"ContractServiceUnits", "contractServiceID", "ContractServices", false},
        std::tuple{"Tickets", "companyID", "Companies", true},
        std::tuple{"TicketNotes", "ticketID", "Tickets", false}}) {
    if (auto r = require(entity, field, target, nullable); !r) return r;
  }

  // A units row belongs to one contract service; its contract and service follow from it.
  const json::array& services = rows_of("ContractServices");
  json::array& units = rows_of("ContractServiceUnits");
  std::map<std::int64_t, std::vector<std::pair<autotask_sync::Date, autotask_sync::Date>>> spans;
  for (std::size_t i = 0; i < units.size(); ++i) {
    json::object& row = units[i].get_object();
    const json::object& cs = *detail::find_by_id(services, row.at("contractServiceID").get_int64());
    for (std::string_view key : {"contractID", "serviceID"}) {
      if (row.at(key).is_null()) {
        row[key] = cs.at(key);
      } else if (row.at(key) != cs.at(key)) {
        return invalid(row_place("ContractServiceUnits", i, row) + ": field '" + std::string(key) +
                       "' differs from its ContractService's");
      }
    }
    const auto start = autotask_sync::parse_date_of(row.at("startDate").get_string());
    const auto end = autotask_sync::parse_date_of(row.at("endDate").get_string());
    if (*end < *start) {
      return invalid(row_place("ContractServiceUnits", i, row) + ": endDate is before startDate");
    }
    auto& list = spans[row.at("contractServiceID").get_int64()];
    for (const auto& [s, e] : list) {
      if (!(*end < s || e < *start)) {
        return invalid(row_place("ContractServiceUnits", i, row) +
                       ": overlaps another row of the same contract service");
      }
    }
    list.emplace_back(*start, *end);
  }
  return {};
}

Result<json::array> normalize_rows(const EntitySchema& schema, const json::array& rows) {
  json::array out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::string where = "entities." + std::string(schema.name) + "[" + std::to_string(i) + "]";
    auto row = normalize_row(schema, rows[i], where);
    if (!row) return std::move(row).error();
    out.emplace_back(std::move(*row));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const json::value& a, const json::value& b) { return id_of(a) < id_of(b); });
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (id_of(out[i]) == id_of(out[i - 1])) {
      return invalid("entities." + std::string(schema.name) + ": id " +
                     std::to_string(id_of(out[i])) + " appears more than once");
    }
  }
  return out;
}

Result<std::string> read_string_member(const json::object& o, std::string_view key,
                                       std::string_view where) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    return invalid(std::string(where) + ": '" + std::string(key) +
                   "' is required and must be a non-empty string");
  }
  return std::string(v->get_string());
}

Result<void> check_keys(const json::object& o, std::initializer_list<std::string_view> allowed,
                        std::string_view where) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(kv.key())) == allowed.end()) {
      return invalid(std::string(where) + ": unknown key '" + std::string(kv.key()) + "'");
    }
  }
  return {};
}

bool is_integer_text(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// Canonical entity and field names; each value an integer in text, labelled, listed once; then
// the simulator's defaults for the picklists the tenant leaves out.
Result<std::map<std::string, Tenant::Picklists, std::less<>>> normalize_picklists(
    const std::map<std::string, Tenant::Picklists, std::less<>>& given) {
  std::map<std::string, Tenant::Picklists, std::less<>> out;
  for (const auto& [entity_name, fields] : given) {
    const EntitySchema* schema = detail::find_entity(entity_name);
    if (schema == nullptr) {
      return invalid("picklists: '" + entity_name + "' is not an entity the simulator knows (" +
                     known_entity_names() + ")");
    }
    if (out.contains(schema->name)) {
      return invalid("picklists: '" + std::string(schema->name) + "' is given more than once");
    }
    Tenant::Picklists& lists = out[std::string(schema->name)];
    for (const auto& [field_name, entries] : fields) {
      const std::string where = "picklists." + std::string(schema->name) + "." + field_name;
      const FieldSpec* field = detail::find_field(*schema, field_name);
      if (field == nullptr) {
        std::string message = where;
        message.append(": '").append(field_name).append("' is not a field of ");
        message.append(schema->name);
        return invalid(std::move(message));
      }
      if ((field->flags & detail::kPicklist) == 0) {
        return invalid(where + ": " + std::string(schema->name) + "." + std::string(field->name) +
                       " is not a picklist field");
      }
      if (lists.contains(field->name)) return invalid(where + ": the field is given twice");
      std::set<std::string> seen;
      for (std::size_t i = 0; i < entries.size(); ++i) {
        const PicklistEntry& e = entries[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (!is_integer_text(e.value)) {
          return invalid(at + ": value '" + e.value + "' should be an integer");
        }
        if (e.label.empty()) return invalid(at + ": the label must not be empty");
        if (!seen.insert(e.value).second) {
          return invalid(at + ": value " + e.value + " appears more than once");
        }
      }
      lists.emplace(std::string(field->name), entries);
    }
  }
  for (const auto& schema : detail::all_entities()) {
    Tenant::Picklists& lists = out[std::string(schema.name)];
    for (auto& [field, entries] : detail::default_picklists(schema.name)) {
      lists.try_emplace(field, std::move(entries));
    }
    if (lists.empty()) out.erase(std::string(schema.name));
  }
  return out;
}

Result<std::map<std::string, EntityPermissions, std::less<>>> normalize_permissions(
    const std::map<std::string, EntityPermissions, std::less<>>& given) {
  std::map<std::string, EntityPermissions, std::less<>> out;
  for (const auto& [name, permissions] : given) {
    const EntitySchema* schema = detail::find_entity(name);
    if (schema == nullptr) {
      return invalid("permissions: '" + name + "' is not an entity the simulator knows (" +
                     known_entity_names() + ")");
    }
    if (!out.emplace(std::string(schema->name), permissions).second) {
      return invalid("permissions: '" + std::string(schema->name) + "' is given more than once");
    }
  }
  return out;
}

Result<PicklistEntry> read_picklist_entry(const json::value& v, const std::string& where,
                                          std::size_t index) {
  if (!v.is_object()) return invalid(where + ": should be an object");
  const json::object& o = v.get_object();
  if (auto r = check_keys(
          o,
          {"value", "label", "isActive", "isDefaultValue", "sortOrder", "parentValue", "isSystem"},
          where);
      !r) {
    return std::move(r).error();
  }
  auto text_of = [](const json::value& x) -> std::optional<std::string> {
    if (x.is_string()) return std::string(x.get_string());
    if (x.is_int64()) return std::to_string(x.get_int64());
    return std::nullopt;
  };
  PicklistEntry e;
  e.sort_order = static_cast<std::int64_t>(index);
  const json::value* value = o.if_contains("value");
  if (value == nullptr || !text_of(*value)) {
    return invalid(where + ": 'value' is required, an integer or a string holding one");
  }
  e.value = *text_of(*value);
  auto label = read_string_member(o, "label", where);
  if (!label) return std::move(label).error();
  e.label = std::move(*label);
  for (auto [key, out] :
       {std::pair{"isActive", &e.is_active}, std::pair{"isDefaultValue", &e.is_default_value},
        std::pair{"isSystem", &e.is_system}}) {
    if (const json::value* flag = o.if_contains(key)) {
      if (!flag->is_bool()) return invalid(where + ": '" + key + "' should be true or false");
      *out = flag->get_bool();
    }
  }
  if (const json::value* order = o.if_contains("sortOrder")) {
    if (!order->is_int64()) return invalid(where + ": 'sortOrder' should be an integer");
    e.sort_order = order->get_int64();
  }
  if (const json::value* parent = o.if_contains("parentValue"); parent && !parent->is_null()) {
    if (!text_of(*parent)) return invalid(where + ": 'parentValue' should be a string");
    e.parent_value = *text_of(*parent);
  }
  return e;
}

Result<void> read_picklists(const json::value& v, Tenant& tenant) {
  if (!v.is_object()) return invalid("picklists: should be an object of entities");
  for (const auto& entity : v.get_object()) {
    const std::string where = "picklists." + std::string(entity.key());
    if (!entity.value().is_object()) return invalid(where + ": should be an object of fields");
    Tenant::Picklists& lists = tenant.picklists[std::string(entity.key())];
    for (const auto& field : entity.value().get_object()) {
      const std::string at = where + "." + std::string(field.key());
      if (!field.value().is_array()) return invalid(at + ": should be an array of values");
      std::vector<PicklistEntry> entries;
      const json::array& list = field.value().get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        auto e = read_picklist_entry(list[i], at + "[" + std::to_string(i) + "]", i);
        if (!e) return std::move(e).error();
        entries.push_back(std::move(*e));
      }
      lists[std::string(field.key())] = std::move(entries);
    }
  }
  return {};
}

Result<void> read_permissions(const json::value& v, Tenant& tenant) {
  if (!v.is_object()) return invalid("permissions: should be an object of entities");
  for (const auto& entity : v.get_object()) {
    const std::string where = "permissions." + std::string(entity.key());
    if (!entity.value().is_object()) return invalid(where + ": should be an object");
    const json::object& o = entity.value().get_object();
    if (auto r = check_keys(o, {"canCreate", "canDelete", "canQuery", "canUpdate"}, where); !r) {
      return r;
    }
    EntityPermissions p;
    for (auto [key, out] :
         {std::pair{"canCreate", &p.can_create}, std::pair{"canDelete", &p.can_delete},
          std::pair{"canQuery", &p.can_query}, std::pair{"canUpdate", &p.can_update}}) {
      if (const json::value* flag = o.if_contains(key)) {
        if (!flag->is_bool()) return invalid(where + ": '" + key + "' should be true or false");
        *out = flag->get_bool();
      }
    }
    tenant.permissions[std::string(entity.key())] = p;
  }
  return {};
}

}  // namespace

Result<Tenant> normalize_tenant(Tenant tenant) {
  if (tenant.api_users.empty()) return invalid("api_users: the tenant needs at least one API user");
  for (std::size_t i = 0; i < tenant.api_users.size(); ++i) {
    const ApiUser& u = tenant.api_users[i];
    const std::string where = "api_users[" + std::to_string(i) + "]";
    if (u.username.empty() || u.secret.empty() || u.integration_code.empty()) {
      return invalid(where + ": username, secret and integration_code must all be non-empty");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (detail::iequals(tenant.api_users[j].username, u.username)) {
        return invalid(where + ": username '" + u.username + "' appears more than once");
      }
    }
  }

  std::map<std::string, json::array, std::less<>> entities;
  for (auto& [name, rows] : tenant.entities) {
    const EntitySchema* schema = detail::find_entity(name);
    if (schema == nullptr) {
      return invalid("entities: '" + name + "' is not an entity the simulator knows (" +
                     known_entity_names() + ")");
    }
    if (entities.contains(schema->name)) {
      return invalid("entities: '" + std::string(schema->name) + "' is given more than once");
    }
    auto normalized = normalize_rows(*schema, rows);
    if (!normalized) return std::move(normalized).error();
    entities.emplace(std::string(schema->name), std::move(*normalized));
  }
  for (const auto& schema : detail::all_entities()) entities[std::string(schema.name)];
  tenant.entities = std::move(entities);

  if (auto r = check_references(tenant); !r) return std::move(r).error();

  auto picklists = normalize_picklists(tenant.picklists);
  if (!picklists) return std::move(picklists).error();
  tenant.picklists = std::move(*picklists);
  auto permissions = normalize_permissions(tenant.permissions);
  if (!permissions) return std::move(permissions).error();
  tenant.permissions = std::move(*permissions);
  return tenant;
}

Result<Tenant> load_tenant(const json::value& document) {
  if (!document.is_object()) return invalid("tenant: the document should be a JSON object");
  const json::object& top = document.get_object();
  if (auto r = check_keys(
          top, {"zone", "api_users", "entities", "picklists", "permissions", "requests_this_hour"},
          "tenant");
      !r) {
    return std::move(r).error();
  }

  Tenant tenant;
  if (const json::value* zone = top.if_contains("zone")) {
    if (!zone->is_object()) return invalid("zone: should be an object");
    const json::object& z = zone->get_object();
    if (auto r = check_keys(z, {"zoneName", "webUrl", "ci"}, "zone"); !r) {
      return std::move(r).error();
    }
    if (z.contains("zoneName")) {
      auto name = read_string_member(z, "zoneName", "zone");
      if (!name) return std::move(name).error();
      tenant.zone.zone_name = std::move(*name);
    }
    if (z.contains("webUrl")) {
      auto url = read_string_member(z, "webUrl", "zone");
      if (!url) return std::move(url).error();
      tenant.zone.web_url = std::move(*url);
    }
    if (const json::value* ci = z.if_contains("ci")) {
      if (!ci->is_int64()) return invalid("zone: 'ci' should be an integer");
      tenant.zone.ci = ci->get_int64();
    }
  }

  const json::value* users = top.if_contains("api_users");
  if (users == nullptr || !users->is_array()) return invalid("api_users: should be an array");
  for (std::size_t i = 0; i < users->get_array().size(); ++i) {
    const std::string where = "api_users[" + std::to_string(i) + "]";
    const json::value& u = users->get_array()[i];
    if (!u.is_object()) return invalid(where + ": should be an object");
    const json::object& o = u.get_object();
    if (auto r = check_keys(o, {"username", "secret", "integration_code", "can_read_costs"}, where);
        !r) {
      return std::move(r).error();
    }
    ApiUser user;
    for (auto [key, out] :
         {std::pair{"username", &user.username}, std::pair{"secret", &user.secret},
          std::pair{"integration_code", &user.integration_code}}) {
      auto value = read_string_member(o, key, where);
      if (!value) return std::move(value).error();
      *out = std::move(*value);
    }
    if (const json::value* costs = o.if_contains("can_read_costs")) {
      if (!costs->is_bool()) return invalid(where + ": 'can_read_costs' should be true or false");
      user.can_read_costs = costs->get_bool();
    }
    tenant.api_users.push_back(std::move(user));
  }

  if (const json::value* entities = top.if_contains("entities")) {
    if (!entities->is_object()) return invalid("entities: should be an object");
    for (const auto& kv : entities->get_object()) {
      if (!kv.value().is_array()) {
        return invalid("entities." + std::string(kv.key()) + ": should be an array of rows");
      }
      tenant.entities.emplace(std::string(kv.key()), kv.value().get_array());
    }
  }
  if (const json::value* picklists = top.if_contains("picklists")) {
    if (auto r = read_picklists(*picklists, tenant); !r) return std::move(r).error();
  }
  if (const json::value* permissions = top.if_contains("permissions")) {
    if (auto r = read_permissions(*permissions, tenant); !r) return std::move(r).error();
  }
  if (const json::value* seeded = top.if_contains("requests_this_hour")) {
    if (!seeded->is_int64() || seeded->get_int64() < 0) {
      return invalid("tenant: 'requests_this_hour' must be a non-negative whole number");
    }
    tenant.requests_this_hour = static_cast<std::size_t>(seeded->get_int64());
  }
  return normalize_tenant(std::move(tenant));
}

Result<Tenant> load_tenant(std::string_view json_text) {
  auto doc = autotask_sync::json::parse(json_text, ErrorCode::kInvalidArgument);
  if (!doc) return invalid("tenant: not valid JSON: " + doc.error().message);
  return load_tenant(*doc);
}

Result<Tenant> load_tenant_file(const std::string& path) {
  auto text = detail::read_text_file(path, "tenant file");
  if (!text) return std::move(text).error();
  auto tenant = load_tenant(*text);
  if (!tenant) return invalid("tenant file '" + path + "': " + tenant.error().message);
  return tenant;
}

}  // namespace autotask_sim
