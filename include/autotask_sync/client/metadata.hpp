// Autotask's entity metadata: what the API user may do with an entity (entityInformation) and
// its fields with their picklists (entityInformation/fields). Picklist values arrive as strings
// ("29682776") while entity payloads carry integers; labels compare ignoring case.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace autotask_sync {

struct EntityInfo {
  std::string name;
  bool can_create = false, can_delete = false, can_query = false, can_update = false;
  bool has_user_defined_fields = false;

  // From {"info": {...}}.
  static Result<EntityInfo> from_json(const boost::json::value& v);
};

struct PicklistValue {
  std::string value;  // as Autotask sends it: a string holding an integer
  std::string label;
  bool is_active = true;
  bool is_default = false;
  std::string parent_value;  // for dependent picklists (sub-issue type under issue type)
  std::int64_t sort_order = 0;
};

struct FieldInfo {
  std::string name;
  std::string data_type;
  std::int64_t length = 0;
  bool is_required = false, is_read_only = false, is_queryable = false;
  bool is_reference = false, is_picklist = false;
  std::string reference_entity_type;
  std::string picklist_parent_value_field;
  std::vector<PicklistValue> picklist_values;

  static Result<FieldInfo> from_json(const boost::json::value& v);
};

// From {"fields": [...]}.
Result<std::vector<FieldInfo>> fields_from_json(const boost::json::value& v);

// The field named `name`, ignoring ASCII case; nullptr if none.
const FieldInfo* find_field(const std::vector<FieldInfo>& fields, std::string_view name);

}  // namespace autotask_sync
