#include "adjustments.hpp"

#include "api_error.hpp"
#include "schema.hpp"

#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/decimal.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <algorithm>
#include <limits>
#include <vector>

namespace autotask_sim::detail {

namespace json = boost::json;
using autotask_sync::Date;
using autotask_sync::Result;

namespace {

constexpr std::int64_t kRecurringService = 7;

std::string day_text(Date d) {
  return autotask_sync::format_date(d) + "T00:00:00";
}

// Stored rows are normalised, so their date-times always parse.
Date date_of(const json::value& v) {
  return *autotask_sync::parse_date_of(v.get_string());
}

Date day_before(Date d) {
  return Date{std::chrono::sys_days(d) - std::chrono::days(1)};
}

std::int64_t int_of(const json::object& row, std::string_view key) {
  return row.at(key).get_int64();
}

struct Input {
  std::optional<std::int64_t> contract_id;
  std::optional<std::int64_t> contract_service_id;
  std::optional<std::int64_t> service_id;
  std::int64_t unit_change = 0;
  Date effective{};
  json::value cost;   // null when not given
  json::value price;  // null when not given
  json::value allow_repeat;
  json::value quote_item_id;
};

Result<std::optional<std::int64_t>> read_id(const json::object& body, std::string_view key) {
  const json::value* v = autotask_sync::json::find_ci(body, key);
  if (v == nullptr || v->is_null()) return std::optional<std::int64_t>();
  if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
  return query_error(std::string(key) + " must be an integer.");
}

Result<json::value> read_amount(const json::object& body, std::string_view key) {
  const json::value* v = autotask_sync::json::find_ci(body, key);
  if (v == nullptr || v->is_null()) return json::value(nullptr);
  if (!v->is_number()) return query_error(std::string(key) + " must be a number.");
  auto amount = autotask_sync::Decimal::from_json(*v);
  if (!amount) return query_error(std::string(key) + " is out of range.");
  return amount->to_json();
}

Result<Date> read_effective_date(const json::object& body, const AdjustmentRules& rules) {
  const json::value* v = autotask_sync::json::find_ci(body, "effectiveDate");
  if (v == nullptr || v->is_null()) return query_error("effectiveDate is required.");
  if (!v->is_string()) return query_error("effectiveDate must be a date-time string.");
  const std::string_view text = v->get_string();
  auto instant = autotask_sync::parse_date_time(text);
  if (!instant) {
    return query_error("effectiveDate '" + std::string(text) + "' is not a valid date-time.");
  }
  if (rules.effective_date_rule == EffectiveDateRule::kDatePart) {
    return *autotask_sync::parse_date(text.substr(0, 10));
  }
  return Date{std::chrono::floor<std::chrono::days>(*instant + rules.database_utc_offset)};
}

Result<Input> read_input(const json::object& body, const AdjustmentRules& rules) {
  Input in;
  for (auto [key, out] : {std::pair{"contractID", &in.contract_id},
                          std::pair{"contractServiceID", &in.contract_service_id},
                          std::pair{"serviceID", &in.service_id}}) {
    auto id = read_id(body, key);
    if (!id) return std::move(id).error();
    *out = *id;
  }

  const json::value* change = autotask_sync::json::find_ci(body, "unitChange");
  if (change == nullptr || change->is_null()) return query_error("unitChange is required.");
  if (!change->is_int64() || change->get_int64() < std::numeric_limits<std::int32_t>::min() ||
      change->get_int64() > std::numeric_limits<std::int32_t>::max()) {
    return query_error("unitChange must be a whole number.");
  }
  in.unit_change = change->get_int64();

  auto effective = read_effective_date(body, rules);
  if (!effective) return std::move(effective).error();
  in.effective = *effective;

  for (auto [key, out] :
       {std::pair{"adjustedUnitCost", &in.cost}, std::pair{"adjustedUnitPrice", &in.price}}) {
    auto amount = read_amount(body, key);
    if (!amount) return std::move(amount).error();
    *out = std::move(*amount);
  }

  in.allow_repeat = nullptr;
  if (const json::value* v = autotask_sync::json::find_ci(body, "allowRepeatService");
      v != nullptr && !v->is_null()) {
    if (!v->is_bool()) return query_error("allowRepeatService must be true or false.");
    in.allow_repeat = *v;
  }
  auto quote = read_id(body, "quoteItemID");
  if (!quote) return std::move(quote).error();
  in.quote_item_id = *quote ? json::value(**quote) : json::value(nullptr);
  return in;
}

json::object empty_row(std::string_view entity) {
  json::object row;
  for (const FieldSpec& f : find_entity(entity)->fields) row[f.name] = nullptr;
  return row;
}

// The contract service the adjustment applies to, or nullptr when Autotask would create one.
Result<json::object*> resolve_line(Store& store, std::int64_t contract_id, const Input& in) {
  json::object* line = nullptr;
  if (in.contract_service_id) {
    line = store.find("ContractServices", *in.contract_service_id);
    if (line != nullptr && int_of(*line, "contractID") != contract_id) line = nullptr;
  }
  if (!in.service_id) {
    if (line == nullptr) {
      return query_error(
          "serviceID is required when contractServiceID does not name a service "
          "of contract " +
          std::to_string(contract_id) + ".");
    }
    return line;
  }
  if (store.find("Services", *in.service_id) == nullptr) {
    return query_error("serviceID " + std::to_string(*in.service_id) +
                       " does not reference an existing Service.");
  }
  if (line != nullptr && int_of(*line, "serviceID") == *in.service_id) return line;
  for (json::value& row : store.rows("ContractServices")) {
    json::object& cs = row.get_object();
    if (int_of(cs, "contractID") == contract_id && int_of(cs, "serviceID") == *in.service_id) {
      return &cs;
    }
  }
  return static_cast<json::object*>(nullptr);
}

void set_amounts(json::object& row, const Input& in, std::string_view cost_key,
                 std::string_view price_key) {
  if (!in.cost.is_null()) row[cost_key] = in.cost;
  if (!in.price.is_null()) row[price_key] = in.price;
}

// Monthly units rows for a contract service the adjustment created, from the effective date to
// the contract's end.
void create_line_rows(Store& store, const json::object& line, Date from, Date contract_end,
                      std::int64_t units) {
  const json::value& cost = line.at("unitCost");
  const json::value& price = line.at("unitPrice");
  for (Date start = from; start <= contract_end;
       start = autotask_sync::first_of_next_month(start)) {
    json::object row = empty_row("ContractServiceUnits");
    row["contractID"] = line.at("contractID");
    row["contractServiceID"] = line.at("id");
    row["serviceID"] = line.at("serviceID");
    row["startDate"] = day_text(start);
    row["endDate"] = day_text(std::min(autotask_sync::last_of_month(start), contract_end));
    row["units"] = units;
    row["cost"] = cost;
    row["price"] = price;
    store.insert("ContractServiceUnits", std::move(row));
  }
}

// Units change already in effect from this same date, which a replacing adjustment takes back.
std::int64_t same_date_change(const Store& store, std::int64_t line_id, Date d) {
  const std::string day = day_text(d);
  const json::array& adjustments = store.rows("ContractServiceAdjustments");
  for (std::size_t i = adjustments.size(); i-- > 0;) {  // the latest first
    const json::object& a = adjustments[i].get_object();
    if (int_of(a, "contractServiceID") == line_id && a.at("effectiveDate").get_string() == day) {
      return int_of(a, "unitChange");
    }
  }
  return 0;
}

Result<void> apply_to_rows(Store& store, const json::object& line, const Input& in,
                           const AdjustmentRules& rules) {
  const std::int64_t line_id = int_of(line, "id");
  const Date d = in.effective;
  std::int64_t delta = in.unit_change;
  if (rules.same_date == SameDateAdjustments::kLastReplaces) {
    delta -= same_date_change(store, line_id, d);
  }

  json::object* covering = nullptr;
  std::vector<json::object*> later;
  for (json::value& v : store.rows("ContractServiceUnits")) {
    json::object& row = v.get_object();
    if (int_of(row, "contractServiceID") != line_id) continue;
    const Date start = date_of(row.at("startDate"));
    if (start > d) {
      later.push_back(&row);
    } else if (date_of(row.at("endDate")) >= d) {
      covering = &row;
    }
  }

  auto check = [&](const json::object& row) -> Result<void> {
    if (int_of(row, "units") + delta >= 0) return {};
    return query_error("The adjustment would leave contract service " + std::to_string(line_id) +
                       " with fewer than 0 units from " +
                       autotask_sync::format_date(std::max(d, date_of(row.at("startDate")))) + ".");
  };
  if (covering != nullptr) {
    if (auto r = check(*covering); !r) return r;
  }
  for (const json::object* row : later) {
    if (auto r = check(*row); !r) return r;
  }

  for (json::object* row : later) {
    (*row)["units"] = int_of(*row, "units") + delta;
    set_amounts(*row, in, "cost", "price");
  }
  if (covering == nullptr) return {};
  if (date_of(covering->at("startDate")) == d) {
    (*covering)["units"] = int_of(*covering, "units") + delta;
    set_amounts(*covering, in, "cost", "price");
    return {};
  }
  // Split: the part before d keeps what it had; the new part runs from d to the old end.
  json::object part = *covering;
  part["startDate"] = day_text(d);
  part["units"] = int_of(*covering, "units") + delta;
  part["approveAndPostDate"] = nullptr;
  set_amounts(part, in, "cost", "price");
  (*covering)["endDate"] = day_text(day_before(d));
  store.insert("ContractServiceUnits", std::move(part));  // invalidates the row pointers
  return {};
}

}  // namespace

Result<std::int64_t> apply_adjustment(Store& store, const json::object& body,
                                      std::optional<std::int64_t> path_contract_id,
                                      const AdjustmentRules& rules) {
  auto input = read_input(body, rules);
  if (!input) return std::move(input).error();
  Input& in = *input;

  if (path_contract_id && in.contract_id && *in.contract_id != *path_contract_id) {
    return query_error("contractID " + std::to_string(*in.contract_id) +
                       " in the body does not match contract " + std::to_string(*path_contract_id) +
                       " in the URL.");
  }
  if (!in.contract_id) in.contract_id = path_contract_id;
  if (!in.contract_id) return query_error("contractID is required.");
  const std::int64_t contract_id = *in.contract_id;

  json::object* contract = store.find("Contracts", contract_id);
  if (contract == nullptr) {
    return query_error("contractID " + std::to_string(contract_id) +
                       " does not reference an existing Contract.");
  }
  const json::value& type = contract->at("contractType");
  if (!type.is_int64() || type.get_int64() != kRecurringService) {
    return query_error("Contract " + std::to_string(contract_id) +
                       " is not a Recurring Service contract (contractType 7); only those take "
                       "service adjustments.");
  }
  const Date contract_start = date_of(contract->at("startDate"));
  const Date contract_end = date_of(contract->at("endDate"));
  if (in.effective < contract_start || in.effective > contract_end) {
    return query_error("effectiveDate " + autotask_sync::format_date(in.effective) +
                       " is outside contract " + std::to_string(contract_id) + "'s dates (" +
                       autotask_sync::format_date(contract_start) + " to " +
                       autotask_sync::format_date(contract_end) + ").");
  }

  auto resolved = resolve_line(store, contract_id, in);
  if (!resolved) return std::move(resolved).error();
  json::object* line = *resolved;
  std::int64_t line_id = 0;
  std::int64_t service_id = 0;

  if (line == nullptr) {
    // Autotask adds the service to the contract rather than refusing the adjustment.
    if (in.unit_change < 0) {
      return query_error(
          "The adjustment would leave the new contract service with fewer than 0 "
          "units.");
    }
    const json::object& service = *store.find("Services", *in.service_id);
    json::object row = empty_row("ContractServices");
    row["contractID"] = contract_id;
    row["serviceID"] = *in.service_id;
    row["unitCost"] = in.cost.is_null() ? service.at("unitCost") : in.cost;
    row["unitPrice"] = in.price.is_null() ? service.at("unitPrice") : in.price;
    row["invoiceDescription"] = service.at("invoiceDescription");
    json::object& created = store.insert("ContractServices", std::move(row));
    line_id = int_of(created, "id");
    service_id = *in.service_id;
    create_line_rows(store, created, in.effective, contract_end, in.unit_change);
  } else {
    line_id = int_of(*line, "id");
    service_id = int_of(*line, "serviceID");
    if (auto r = apply_to_rows(store, *line, in, rules); !r) return std::move(r).error();
    // apply_to_rows may have grown the units table, not the services table: `line` is valid.
    set_amounts(*line, in, "unitCost", "unitPrice");
  }
  (*store.find("Contracts", contract_id))["lastModifiedDateTime"] = rules.modified_stamp;

  json::object record = empty_row("ContractServiceAdjustments");
  record["contractID"] = contract_id;
  record["contractServiceID"] = line_id;
  record["serviceID"] = service_id;
  record["unitChange"] = in.unit_change;
  record["effectiveDate"] = day_text(in.effective);
  record["adjustedUnitCost"] = in.cost;
  record["adjustedUnitPrice"] = in.price;
  record["allowRepeatService"] = in.allow_repeat;
  record["quoteItemID"] = in.quote_item_id;
  return int_of(store.insert("ContractServiceAdjustments", std::move(record)), "id");
}

}  // namespace autotask_sim::detail
