#include "filter.hpp"

#include "api_error.hpp"
#include "text.hpp"

#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <array>
#include <charconv>
#include <optional>
#include <set>
#include <utility>

namespace autotask_sim::detail {

namespace json = boost::json;
using autotask_sync::Result;
using Op = Filter::Op;
using Operand = Filter::Operand;
using Node = Filter::Node;

namespace {

// Operators are matched exactly: Autotask spells them in camelCase and nothing suggests it
// accepts other spellings, so "EQ" or "ne" is ignored like any unknown operator.
constexpr std::array<std::pair<std::string_view, Op>, 15> kOps{{
    {"eq", Op::kEq},
    {"noteq", Op::kNotEq},
    {"gt", Op::kGt},
    {"gte", Op::kGte},
    {"lt", Op::kLt},
    {"lte", Op::kLte},
    {"beginsWith", Op::kBeginsWith},
    {"endsWith", Op::kEndsWith},
    {"contains", Op::kContains},
    {"exist", Op::kExist},
    {"notExist", Op::kNotExist},
    {"in", Op::kIn},
    {"notIn", Op::kNotIn},
    {"and", Op::kAnd},
    {"or", Op::kOr},
}};

Op op_from(std::string_view name) {
  for (const auto& [text, op] : kOps) {
    if (text == name) return op;
  }
  return Op::kIgnored;
}

std::string_view op_name(Op op) {
  for (const auto& [text, o] : kOps) {
    if (o == op) return text;
  }
  return "?";
}

bool is_text_op(Op op) {
  return op == Op::kBeginsWith || op == Op::kEndsWith || op == Op::kContains;
}

std::string text_of(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return autotask_sync::json::serialize(v);
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_number()) return v.to_number<double>();
  if (v.is_string()) {
    const std::string_view s = v.get_string();
    double d = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && end == s.data() + s.size()) return d;
  }
  return std::nullopt;
}

std::optional<std::int64_t> time_of(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  auto t = autotask_sync::parse_date_time(v.get_string());
  if (!t) return std::nullopt;
  return t->time_since_epoch().count();
}

struct Compiler {
  const EntitySchema& entity;
  std::size_t or_conditions = 0;
  std::set<std::string> udfs;

  autotask_sync::Error bad_value(std::string_view field, std::string_view why) const {
    return query_error("Invalid value for " + std::string(field) + " in the " +
                       std::string(entity.error_name) + " Entity: " + std::string(why));
  }

  Result<Operand> operand(const Node& node, std::string_view field_name, const json::value& v) {
    Operand out;
    // A UDF's type is not in the schema; the string operators match any field's text.
    if (node.field == nullptr || is_text_op(node.op)) {
      out.text = fold_case(text_of(v));
      return out;
    }
    switch (node.field->type) {
      case FieldType::kInteger:
      case FieldType::kDecimal: {
        auto n = number_of(v);
        if (!n) return bad_value(field_name, "'" + text_of(v) + "' is not a number");
        out.kind = Operand::Kind::kNumber;
        out.number = *n;
        return out;
      }
      case FieldType::kBoolean:
        // Autotask insists on JSON true/false; anything else, null included, is an error.
        if (!v.is_bool()) return bad_value(field_name, "expected true or false");
        out.kind = Operand::Kind::kBool;
        out.flag = v.get_bool();
        return out;
      case FieldType::kDateTime: {
        auto t = time_of(v);
        if (!t) return bad_value(field_name, "'" + text_of(v) + "' is not a date or date-time");
        out.kind = Operand::Kind::kTime;
        out.time_ms = *t;
        return out;
      }
      case FieldType::kString:
        out.text = fold_case(text_of(v));
        return out;
    }
    return out;
  }

  Result<Node> node(const json::value& raw) {
    if (!raw.is_object()) return query_error("Invalid query syntax: a filter must be an object.");
    const json::object& o = raw.get_object();
    Node n;
    const json::value* op = autotask_sync::json::find_ci(o, "op");
    n.op = op != nullptr && op->is_string() ? op_from(op->get_string()) : Op::kIgnored;
    if (n.op == Op::kIgnored) return n;

    if (n.op == Op::kAnd || n.op == Op::kOr) {
      const json::value* items = autotask_sync::json::find_ci(o, "items");
      if (items == nullptr || !items->is_array()) {
        return query_error("Invalid query syntax: an '" + std::string(op_name(n.op)) +
                           "' condition needs an items array.");
      }
      if (n.op == Op::kOr) or_conditions += items->get_array().size();
      for (const json::value& item : items->get_array()) {
        auto child = node(item);
        if (!child) return std::move(child).error();
        n.items.push_back(std::move(*child));
      }
      return n;
    }

    const json::value* field = autotask_sync::json::find_ci(o, "field");
    if (field == nullptr || !field->is_string() || field->get_string().empty()) {
      return query_error("Invalid query syntax: an '" + std::string(op_name(n.op)) +
                         "' condition needs a field.");
    }
    const std::string field_name(field->get_string());
    const json::value* udf = autotask_sync::json::find_ci(o, "udf");
    if (udf != nullptr && udf->is_bool() && udf->get_bool()) {
      n.udf_name = field_name;
      udfs.insert(fold_case(field_name));
      if (udfs.size() > 1) {
        return query_error(
            "Invalid query syntax: a query may reference only one user-defined "
            "field.");
      }
    } else {
      n.field = find_field(entity, field_name);
      if (n.field == nullptr) {
        return query_error("Unable to find " + field_name + " in the " +
                           std::string(entity.error_name) + " Entity");
      }
    }
    if (n.op == Op::kExist || n.op == Op::kNotExist) return n;

    const json::value* value = autotask_sync::json::find_ci(o, "value");
    if (n.op == Op::kIn || n.op == Op::kNotIn) {
      if (value == nullptr || !value->is_array()) {
        return query_error("Invalid query syntax: the '" + std::string(op_name(n.op)) +
                           "' operator needs an array value.");
      }
      if (value->get_array().size() > kMaxOrConditions) {
        return query_error(
            "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions.");
      }
      for (const json::value& v : value->get_array()) {
        auto operand_value = operand(n, field_name, v);
        if (!operand_value) return std::move(operand_value).error();
        n.values.push_back(std::move(*operand_value));
      }
      return n;
    }
    if (value == nullptr || value->is_null()) {
      return bad_value(field_name,
                       "the '" + std::string(op_name(n.op)) + "' operator needs a value");
    }
    auto operand_value = operand(n, field_name, *value);
    if (!operand_value) return std::move(operand_value).error();
    n.values.push_back(std::move(*operand_value));
    return n;
  }
};

// The row's value for a condition as an operand of the same kind, or nullopt for null.
std::optional<Operand> row_operand(const Node& n, const json::object& row) {
  const json::value* v = nullptr;
  if (n.field != nullptr) {
    v = row.if_contains(n.field->name);
  } else if (const json::value* udfs = row.if_contains("userDefinedFields");
             udfs != nullptr && udfs->is_array()) {
    for (const json::value& udf : udfs->get_array()) {
      if (!udf.is_object()) continue;
      const json::value* name = autotask_sync::json::find_ci(udf.get_object(), "name");
      if (name != nullptr && name->is_string() && iequals(name->get_string(), n.udf_name)) {
        v = autotask_sync::json::find_ci(udf.get_object(), "value");
        break;
      }
    }
  }
  if (v == nullptr || v->is_null()) return std::nullopt;

  Operand out;
  if (n.field == nullptr || n.field->type == FieldType::kString || is_text_op(n.op)) {
    out.text = fold_case(text_of(*v));
  } else if (n.field->type == FieldType::kBoolean) {
    out.kind = Operand::Kind::kBool;
    out.flag = v->is_bool() && v->get_bool();
  } else if (n.field->type == FieldType::kDateTime) {
    auto t = time_of(*v);
    if (!t) return std::nullopt;
    out.kind = Operand::Kind::kTime;
    out.time_ms = *t;
  } else {
    auto d = number_of(*v);
    if (!d) return std::nullopt;
    out.kind = Operand::Kind::kNumber;
    out.number = *d;
  }
  return out;
}

int compare(const Operand& a, const Operand& b) {
  switch (a.kind) {
    case Operand::Kind::kNumber:
      return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
    case Operand::Kind::kTime:
      return a.time_ms < b.time_ms ? -1 : (a.time_ms > b.time_ms ? 1 : 0);
    case Operand::Kind::kBool:
      return static_cast<int>(a.flag) - static_cast<int>(b.flag);
    case Operand::Kind::kText:
      return a.text.compare(b.text) < 0 ? -1 : (a.text == b.text ? 0 : 1);
  }
  return 0;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// nullopt: the condition is ignored (an unknown operator, or a group of nothing but those).
std::optional<bool> evaluate(const Node& n, const json::object& row) {
  if (n.op == Op::kIgnored) return std::nullopt;
  if (n.op == Op::kAnd || n.op == Op::kOr) {
    std::optional<bool> result;
    for (const Node& item : n.items) {
      const auto r = evaluate(item, row);
      if (!r) continue;
      if (n.op == Op::kAnd) result = result.value_or(true) && *r;
      if (n.op == Op::kOr) result = result.value_or(false) || *r;
    }
    return result;
  }

  const auto value = row_operand(n, row);
  if (n.op == Op::kExist) return value.has_value();
  if (n.op == Op::kNotExist) return !value.has_value();
  if (!value) return false;

  switch (n.op) {
    case Op::kEq:
      return compare(*value, n.values[0]) == 0;
    case Op::kNotEq:
      return compare(*value, n.values[0]) != 0;
    case Op::kGt:
      return compare(*value, n.values[0]) > 0;
    case Op::kGte:
      return compare(*value, n.values[0]) >= 0;
    case Op::kLt:
      return compare(*value, n.values[0]) < 0;
    case Op::kLte:
      return compare(*value, n.values[0]) <= 0;
    case Op::kBeginsWith:
      return value->text.starts_with(n.values[0].text);
    case Op::kEndsWith:
      return ends_with(value->text, n.values[0].text);
    case Op::kContains:
      return value->text.find(n.values[0].text) != std::string::npos;
    case Op::kIn:
    case Op::kNotIn: {
      bool found = false;
      for (const Operand& candidate : n.values) found = found || compare(*value, candidate) == 0;
      return n.op == Op::kIn ? found : !found;
    }
    default:
      return false;
  }
}

}  // namespace

Result<Filter> Filter::compile(const EntitySchema& entity, const json::value& filter) {
  if (!filter.is_array()) return query_error("Invalid query syntax: filter must be an array.");
  if (filter.get_array().empty()) {
    return query_error("Invalid query syntax: a query needs at least one filter condition.");
  }

  Compiler compiler{entity, 0, {}};
  Filter out;
  for (const json::value& raw : filter.get_array()) {
    auto n = compiler.node(raw);
    if (!n) return std::move(n).error();
    out.conditions_.push_back(std::move(*n));
  }
  if (compiler.or_conditions > kMaxOrConditions) {
    return query_error(
        "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions.");
  }
  return out;
}

bool Filter::matches(const json::object& row) const {
  for (const Node& n : conditions_) {
    if (evaluate(n, row) == false) return false;
  }
  return true;
}

}  // namespace autotask_sim::detail
