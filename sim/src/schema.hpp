// The entities the simulator knows, with each one's field list and what the API lets a caller do
// with it. Field lists come from Autotask's published models, not from the tenant's data, so a
// filter on a field the real entity lacks fails here as it fails in Autotask.
#pragma once

#include <span>
#include <string_view>

namespace autotask_sim::detail {

enum class FieldType { kInteger, kString, kBoolean, kDecimal, kDateTime };

struct FieldSpec {
  std::string_view name;  // as Autotask spells it on the wire
  FieldType type;
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
};

std::span<const EntitySchema> all_entities();

// Case-insensitive lookups; nullptr when there is none.
const EntitySchema* find_entity(std::string_view name);
const FieldSpec* find_field(const EntitySchema& entity, std::string_view name);
const EntitySchema* find_child(const EntitySchema& parent, std::string_view child_path);

}  // namespace autotask_sim::detail
