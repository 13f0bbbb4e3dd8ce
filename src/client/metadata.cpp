#include <autotask_sync/client/metadata.hpp>
#include <autotask_sync/http/transport.hpp>
#include <autotask_sync/model/json_util.hpp>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

bool flag(const bj::object& o, std::string_view key) {
  const bj::value* v = json::find_ci(o, key);
  return v && v->is_bool() && v->get_bool();
}

std::string text(const bj::object& o, std::string_view key) {
  const bj::value* v = json::find_ci(o, key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::int64_t number(const bj::object& o, std::string_view key) {
  const bj::value* v = json::find_ci(o, key);
  if (v && v->is_int64()) return v->get_int64();
  if (v && v->is_string()) {
    try {
      return std::stoll(std::string(v->get_string()));
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

}  // namespace

Result<EntityInfo> EntityInfo::from_json(const bj::value& v) {
  const bj::value* info = v.is_object() ? json::find_ci(v.get_object(), "info") : nullptr;
  if (!info || !info->is_object()) {
    return Error(ErrorCode::kProtocol, "entityInformation: the answer has no info object");
  }
  const bj::object& o = info->get_object();
  EntityInfo e;
  e.name = text(o, "name");
  e.can_create = flag(o, "canCreate");
  e.can_delete = flag(o, "canDelete");
  e.can_query = flag(o, "canQuery");
  e.can_update = flag(o, "canUpdate");
  e.has_user_defined_fields = flag(o, "hasUserDefinedFields");
  return e;
}

Result<FieldInfo> FieldInfo::from_json(const bj::value& v) {
  if (!v.is_object()) return Error(ErrorCode::kProtocol, "a field description is not an object");
  const bj::object& o = v.get_object();
  FieldInfo f;
  f.name = text(o, "name");
  if (f.name.empty()) return Error(ErrorCode::kProtocol, "a field description has no name");
  f.data_type = text(o, "dataType");
  f.length = number(o, "length");
  f.is_required = flag(o, "isRequired");
  f.is_read_only = flag(o, "isReadOnly");
  f.is_queryable = flag(o, "isQueryable");
  f.is_reference = flag(o, "isReference");
  f.is_picklist = flag(o, "isPickList");
  f.reference_entity_type = text(o, "referenceEntityType");
  f.picklist_parent_value_field = text(o, "picklistParentValueField");
  if (const bj::value* values = json::find_ci(o, "picklistValues"); values && values->is_array()) {
    for (const auto& pv : values->get_array()) {
      if (!pv.is_object()) continue;
      const bj::object& p = pv.get_object();
      PicklistValue value;
      value.value = text(p, "value");
      value.label = text(p, "label");
      const bj::value* active = json::find_ci(p, "isActive");
      value.is_active = !active || !active->is_bool() || active->get_bool();
      value.is_default = flag(p, "isDefaultValue");
      value.parent_value = text(p, "parentValue");
      value.sort_order = number(p, "sortOrder");
      f.picklist_values.push_back(std::move(value));
    }
  }
  return f;
}

Result<std::vector<FieldInfo>> fields_from_json(const bj::value& v) {
  const bj::value* fields = v.is_object() ? json::find_ci(v.get_object(), "fields") : nullptr;
  if (!fields || !fields->is_array()) {
    return Error(ErrorCode::kProtocol, "entityInformation/fields: the answer has no fields array");
  }
  std::vector<FieldInfo> out;
  for (const auto& f : fields->get_array()) {
    auto field = FieldInfo::from_json(f);
    if (!field) return std::move(field).error();
    out.push_back(std::move(*field));
  }
  return out;
}

const FieldInfo* find_field(const std::vector<FieldInfo>& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (http::iequals(f.name, name)) return &f;
  }
  return nullptr;
}

}  // namespace autotask_sync
