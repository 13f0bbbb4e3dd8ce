#include <autotask_sync/client/query.hpp>

#include <algorithm>
#include <set>

namespace autotask_sync {
namespace bj = boost::json;

const char* to_string(Op op) noexcept {
  switch (op) {
    case Op::kEq:
      return "eq";
    case Op::kNotEq:
      return "noteq";
    case Op::kGt:
      return "gt";
    case Op::kGte:
      return "gte";
    case Op::kLt:
      return "lt";
    case Op::kLte:
      return "lte";
    case Op::kBeginsWith:
      return "beginsWith";
    case Op::kEndsWith:
      return "endsWith";
    case Op::kContains:
      return "contains";
    case Op::kExist:
      return "exist";
    case Op::kNotExist:
      return "notExist";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "notIn";
  }
  return "eq";
}

Filter Filter::condition(Op op, std::string field, bj::value value) {
  Filter f;
  f.op_ = op;
  f.field_ = std::move(field);
  f.value_ = std::move(value);
  return f;
}

Filter Filter::in(std::string field, const std::vector<std::int64_t>& ids) {
  bj::array a;
  a.reserve(ids.size());
  for (auto id : ids) a.emplace_back(id);
  return condition(Op::kIn, std::move(field), std::move(a));
}

Filter Filter::all_of(std::vector<Filter> items) {
  Filter f;
  f.group_ = Group::kAnd;
  f.items_ = std::move(items);
  return f;
}

Filter Filter::any_of(std::vector<Filter> items) {
  Filter f;
  f.group_ = Group::kOr;
  f.items_ = std::move(items);
  return f;
}

bj::object Filter::to_json() const {
  bj::object o;
  if (group_) {
    o["op"] = *group_ == Group::kAnd ? "and" : "or";
    bj::array items;
    for (const auto& i : items_) items.emplace_back(i.to_json());
    o["items"] = std::move(items);
    return o;
  }
  o["op"] = to_string(*op_);
  o["field"] = field_;
  if (udf_) o["udf"] = true;
  if (*op_ != Op::kExist && *op_ != Op::kNotExist) o["value"] = value_;
  return o;
}

namespace {

void collect(const Filter& f, std::set<std::string>& udfs, std::size_t& or_conditions,
             std::optional<std::string>& problem) {
  if (f.is_group()) {
    if (f.items().empty()) problem = "an and/or group has no items";
    if (f.is_or()) or_conditions += f.items().size();
    for (const auto& i : f.items()) collect(i, udfs, or_conditions, problem);
    return;
  }
  if (f.field().empty()) problem = "a condition has no field name";
  if (f.is_udf()) udfs.insert(f.field());
  const Op op = *f.op();
  if (op == Op::kIn || op == Op::kNotIn) {
    if (!f.value().is_array()) {
      problem = "'" + f.field() + "': in/notIn needs an array of values";
    } else if (f.value().get_array().size() > 500) {
      problem = "'" + f.field() + "': an in/notIn list holds more than 500 values; split it";
    } else if (f.value().get_array().empty()) {
      problem = "'" + f.field() + "': an in/notIn list is empty";
    }
  } else if (op != Op::kExist && op != Op::kNotExist && f.value().is_null()) {
    problem = "'" + f.field() + "': " + to_string(op) + " needs a value";
  }
}

}  // namespace

Result<void> Query::validate() const {
  if (filter.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a query needs at least one condition (Autotask rejects an empty filter)");
  }
  if (max_records && (*max_records < 1 || *max_records > 500)) {
    return Error(ErrorCode::kInvalidArgument, "MaxRecords must be between 1 and 500");
  }
  std::set<std::string> udfs;
  std::size_t or_conditions = 0;
  std::optional<std::string> problem;
  for (const auto& f : filter) collect(f, udfs, or_conditions, problem);
  if (problem) return Error(ErrorCode::kInvalidArgument, "invalid query: " + *problem);
  if (udfs.size() > 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid query: Autotask allows one user-defined field per query");
  }
  if (or_conditions > 500) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid query: more than 500 OR conditions; split the query");
  }
  if (!include_fields.empty() &&
      std::none_of(include_fields.begin(), include_fields.end(),
                   [](const std::string& f) { return f == "id" || f == "Id" || f == "ID"; })) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid query: IncludeFields must contain 'id' so that paging works");
  }
  return {};
}

bj::object Query::to_json() const {
  bj::object o;
  if (max_records) o["MaxRecords"] = *max_records;
  if (!include_fields.empty()) {
    bj::array inc;
    for (const auto& f : include_fields) inc.emplace_back(f);
    o["IncludeFields"] = std::move(inc);
  }
  bj::array items;
  for (const auto& f : filter) items.emplace_back(f.to_json());
  o["filter"] = std::move(items);
  return o;
}

std::vector<Query> split_in_query(const Query& base, const std::string& field,
                                  const std::vector<std::int64_t>& ids, std::size_t chunk) {
  std::vector<std::int64_t> unique = ids;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  if (chunk == 0) chunk = 500;

  std::vector<Query> out;
  for (std::size_t i = 0; i < unique.size(); i += chunk) {
    Query q = base;
    const auto end = std::min(unique.size(), i + chunk);
    q.filter.push_back(Filter::in(
        field, std::vector<std::int64_t>(unique.begin() + static_cast<std::ptrdiff_t>(i),
                                         unique.begin() + static_cast<std::ptrdiff_t>(end))));
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace autotask_sync
