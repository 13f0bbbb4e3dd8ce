// The tenant's live state: one table of JSON rows per entity, kept sorted by id, and the id
// counters new rows take their ids from. Not thread-safe; the simulator holds its lock around
// every use.
#pragma once

#include <autotask_sim/tenant.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace autotask_sim::detail {

// The row with that id in rows sorted by id, or nullptr.
const boost::json::object* find_by_id(const boost::json::array& rows, std::int64_t id);

class Store {
 public:
  // `tenant` must be normalised (normalize_tenant): every known entity has a table.
  explicit Store(Tenant tenant);

  const Tenant& tenant() const noexcept { return tenant_; }

  // The rows of a canonical entity name; an empty table for a name without one.
  const boost::json::array& rows(std::string_view entity) const;
  boost::json::array& rows(std::string_view entity);

  boost::json::object* find(std::string_view entity, std::int64_t id);
  const boost::json::object* find(std::string_view entity, std::int64_t id) const;

  // Gives `row` the next free id of the entity and appends it; returns the stored row.
  boost::json::object& insert(std::string_view entity, boost::json::object row);

 private:
  Tenant tenant_;  // zone and users; its entity tables are the live state
  std::map<std::string, std::int64_t, std::less<>> next_ids_;
};

}  // namespace autotask_sim::detail
