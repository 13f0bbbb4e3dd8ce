// Typed Autotask queries. Only Autotask's 13 field operators and the and/or groups can be
// expressed: Autotask silently ignores an operator it does not know and returns unfiltered data,
// so a misspelt operator must be impossible, not merely unlikely.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autotask_sync {

enum class Op {
  kEq,
  kNotEq,
  kGt,
  kGte,
  kLt,
  kLte,
  kBeginsWith,
  kEndsWith,
  kContains,
  kExist,
  kNotExist,
  kIn,
  kNotIn,
};

// The wire spelling: "eq", "noteq", "beginsWith", ...
const char* to_string(Op op) noexcept;

// One node of a filter: a field condition, or an and/or group of nodes.
class Filter {
 public:
  static Filter condition(Op op, std::string field, boost::json::value value = nullptr);
  static Filter eq(std::string field, boost::json::value value) {
    return condition(Op::kEq, std::move(field), std::move(value));
  }
  static Filter in(std::string field, const std::vector<std::int64_t>& ids);
  static Filter exist(std::string field) { return condition(Op::kExist, std::move(field)); }
  static Filter all_of(std::vector<Filter> items);
  static Filter any_of(std::vector<Filter> items);

  // Marks this condition's field as a user-defined field (UDF).
  Filter& udf(bool on = true) {
    udf_ = on;
    return *this;
  }

  bool is_group() const noexcept { return group_.has_value(); }
  bool is_udf() const noexcept { return udf_; }
  std::optional<Op> op() const noexcept { return op_; }
  const std::string& field() const noexcept { return field_; }
  const boost::json::value& value() const noexcept { return value_; }
  const std::vector<Filter>& items() const noexcept { return items_; }
  bool is_or() const noexcept { return group_ && *group_ == Group::kOr; }

  boost::json::object to_json() const;

 private:
  enum class Group { kAnd, kOr };
  std::optional<Op> op_;
  std::optional<Group> group_;
  std::string field_;
  boost::json::value value_;
  std::vector<Filter> items_;
  bool udf_ = false;
};

struct Query {
  std::vector<Filter> filter;               // ANDed, as Autotask does at the top level
  std::vector<std::string> include_fields;  // empty: every field
  std::optional<int> max_records;           // 1..500; absent: Autotask's default of 500

  // Checks the rules Autotask enforces or silently breaks: at least one condition, MaxRecords in
  // 1..500, at most one UDF field, no `in` list with more than 500 values, `id` among
  // IncludeFields when any are given. kInvalidArgument naming the rule otherwise.
  Result<void> validate() const;
  boost::json::object to_json() const;
};

// Splits `field in ids` into queries of at most `chunk` values each (Autotask refuses more than
// 500 OR conditions in one query). `base` supplies the other conditions and the include fields.
std::vector<Query> split_in_query(const Query& base, const std::string& field,
                                  const std::vector<std::int64_t>& ids, std::size_t chunk = 500);

}  // namespace autotask_sync
