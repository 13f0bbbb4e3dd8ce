// Autotask query filters: compiled once per request against an entity's schema, then evaluated on
// each row.
//
// Semantics, as Autotask documents or behaves: top-level conditions are ANDed; an operator that is
// not one of Autotask's is silently ignored (the condition drops out, so a query of only unknown
// operators matches every row); a field the entity lacks fails the whole query; strings compare
// ignoring case; date-times compare as instants whether the value has a time or not; null values
// satisfy only notExist (as in SQL, noteq and notIn do not match null).
#pragma once

#include "schema.hpp"

#include <autotask_sync/core/result.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace autotask_sim::detail {

inline constexpr std::size_t kMaxOrConditions = 500;

class Filter {
 public:
  // `filter` is the query's "filter" array. Errors carry http_status 500 and Autotask's text.
  static autotask_sync::Result<Filter> compile(const EntitySchema& entity,
                                               const boost::json::value& filter);

  bool matches(const boost::json::object& row) const;

  enum class Op {
    kIgnored,
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
    kAnd,
    kOr,
  };

  // A filter value converted to the field's type.
  struct Operand {
    enum class Kind { kNumber, kText, kBool, kTime };
    Kind kind = Kind::kText;
    double number = 0;
    std::string text;  // case-folded
    bool flag = false;
    std::int64_t time_ms = 0;
  };

  struct Node {
    Op op = Op::kIgnored;
    const FieldSpec* field = nullptr;  // nullptr for groups and UDF conditions
    std::string udf_name;              // set for a UDF condition
    std::vector<Operand> values;
    std::vector<Node> items;
  };

 private:
  std::vector<Node> conditions_;
};

}  // namespace autotask_sim::detail
