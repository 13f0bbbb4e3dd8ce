// The entities the simulator knows, with each one's field list and what the API lets a caller do
// with it. Field lists come from Autotask's published models, not from the tenant's data, so a
// filter on a field the real entity lacks fails here as it fails in Autotask. The same tables
// answer entityInformation and entityInformation/fields.
#pragma once

#include <span>
#include <string_view>

namespace autotask_sim::detail {

enum class FieldType { kInteger, kString, kBoolean, kDecimal, kDateTime };

// What entityInformation/fields says of a field beyond its name and type, as bit flags.
enum FieldFlag : unsigned {
  kRequired = 1u << 0,
  kReadOnly = 1u << 1,
  kPicklist = 1u << 2,
  kLong = 1u << 3,    // an int64 field: dataType "long" rather than "integer"
  kDouble = 1u << 4,  // dataType "double" rather than "decimal", as Autotask's models have it
  kCost = 1u << 5,    // blanked for an API user whose security level cannot read costs
};

struct FieldSpec {
  std::string_view name;  // as Autotask spells it on the wire
  FieldType type;
  unsigned flags = 0;
  int length = 0;                         // the longest text accepted; 0 for non-strings
  std::string_view reference = {};        // the entity a reference points at: "Company"
  std::string_view picklist_parent = {};  // the field a dependent picklist's values belong to
};

struct EntitySchema {
  std::string_view name;        // root entity name in URLs: "ContractServices"
  std::string_view error_name;  // singular name Autotask uses in messages: "ContractService"
  std::span<const FieldSpec> fields;
  bool has_udfs;   // rows carry "userDefinedFields": [] like Autotask's
  bool queryable;  // false for create-only entities (adjustments)
  // Child entities are created through their parent's path, never at the root.
  std::string_view parent;      // "Contracts", or empty for a root-created entity
  std::string_view child_path;  // "Services" as in Contracts/{id}/Services
  std::string_view parent_key;  // the field holding the parent's id: "contractID"
  // What Autotask documents the entity allows; entityInformation answers these unless the
  // tenant restricts them. Nothing can be deleted through the API.
  bool can_create = false;
  bool can_update = false;
};

std::span<const EntitySchema> all_entities();

// Case-insensitive lookups; nullptr when there is none.
const EntitySchema* find_entity(std::string_view name);
const FieldSpec* find_field(const EntitySchema& entity, std::string_view name);
const EntitySchema* find_child(const EntitySchema& parent, std::string_view child_path);

// "integer", "long", "string", "datetime", "boolean", "decimal" or "double".
std::string_view data_type_name(const FieldSpec& field);

}  // namespace autotask_sim::detail
