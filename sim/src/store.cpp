#include "store.hpp"

#include <algorithm>

namespace autotask_sim::detail {

namespace json = boost::json;

namespace {

std::int64_t id_of(const json::value& row) {
  return row.at("id").get_int64();
}

const json::array& empty_table() {
  static const json::array empty;
  return empty;
}

}  // namespace

Store::Store(Tenant tenant) : tenant_(std::move(tenant)) {
  for (const auto& [name, rows] : tenant_.entities) {
    // New rows get ids above every seeded one, so a table stays sorted by appending.
    next_ids_[name] = rows.empty() ? 1 : id_of(rows.back()) + 1;
  }
}

const json::array& Store::rows(std::string_view entity) const {
  auto it = tenant_.entities.find(entity);
  return it == tenant_.entities.end() ? empty_table() : it->second;
}

json::array& Store::rows(std::string_view entity) {
  auto it = tenant_.entities.find(entity);
  if (it == tenant_.entities.end())
    it = tenant_.entities.emplace(std::string(entity), json::array()).first;
  return it->second;
}

const json::object* find_by_id(const json::array& rows, std::int64_t id) {
  auto it =
      std::lower_bound(rows.begin(), rows.end(), id,
                       [](const json::value& row, std::int64_t want) { return id_of(row) < want; });
  if (it == rows.end() || id_of(*it) != id) return nullptr;
  return &it->get_object();
}

const json::object* Store::find(std::string_view entity, std::int64_t id) const {
  return find_by_id(rows(entity), id);
}

json::object* Store::find(std::string_view entity, std::int64_t id) {
  return const_cast<json::object*>(std::as_const(*this).find(entity, id));
}

json::object& Store::insert(std::string_view entity, json::object row) {
  auto [it, inserted] = next_ids_.try_emplace(std::string(entity), 1);
  row["id"] = it->second++;
  json::array& table = rows(entity);
  table.emplace_back(std::move(row));
  return table.back().get_object();
}

}  // namespace autotask_sim::detail
