// entityInformation and entityInformation/fields: what the API user may do with an entity and
// the description of each of its fields, picklists included, built from the schema tables and
// the tenant rather than from anything a client expects.
#pragma once

#include "schema.hpp"

#include <autotask_sim/tenant.hpp>

#include <boost/json/object.hpp>

#include <string_view>

namespace autotask_sim::detail {

// The simulator's picklists for an entity when the tenant names none (see Tenant::picklists).
Tenant::Picklists default_picklists(std::string_view entity);

// Whether the tenant's API user may create, query or update the entity: what Autotask documents
// for it, narrowed or widened by the tenant's permissions.
struct Capabilities {
  bool can_create = false, can_delete = false, can_query = false, can_update = false;
};
Capabilities capabilities(const EntitySchema& entity, const Tenant& tenant);

// {"info": {...}} and {"fields": [...]}.
boost::json::object entity_information(const EntitySchema& entity, const Tenant& tenant);
boost::json::object field_information(const EntitySchema& entity, const Tenant& tenant);

}  // namespace autotask_sim::detail
