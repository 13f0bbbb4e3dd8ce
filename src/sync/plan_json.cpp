// Plan <-> JSON ("autotask_sync.plan.v1"). The decoder reads untrusted input: every key is known,
// every type checked, every figure bounded, and an entry must add up before apply trusts it.
#include <autotask_sync/sync/plan.hpp>

#include <cmath>
#include <limits>
#include <set>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

constexpr std::string_view kSchema = "autotask_sync.plan.v1";
constexpr std::int64_t kMaxUnits = 2'000'000'000;

bj::value opt_int(const std::optional<std::int64_t>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}
bj::value opt_money(const std::optional<Decimal>& v) {
  return v ? bj::value(bj::string(v->to_string())) : bj::value(nullptr);
}
bj::value opt_date(const std::optional<Date>& d) {
  return d ? bj::value(bj::string(format_date(*d))) : bj::value(nullptr);
}

bj::object adjustment_json(const ContractServiceAdjustment& a, std::string_view time) {
  return a.to_json(time);
}

bj::object previous_json(const PreviousLineChange& p, std::string_view time) {
  bj::object o;
  o["contract_id"] = p.contract_id;
  o["contract_service_id"] = p.contract_service_id;
  o["service_id"] = p.service_id;
  o["outcome"] = to_string(p.outcome);
  o["reason_code"] = p.reason_code;
  o["reason"] = p.reason;
  o["effective_date"] = opt_date(p.effective_date);
  o["units_current"] = opt_int(p.units_before);
  o["adjustment"] =
      p.adjustment ? bj::value(adjustment_json(*p.adjustment, time)) : bj::value(nullptr);
  return o;
}

// --- Strict reading ---------------------------------------------------------------------------

Error bad(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

class Obj {
 public:
  static Result<Obj> of(const bj::value& v, std::string where,
                        std::initializer_list<std::string_view> keys) {
    if (!v.is_object()) return bad(where, "must be an object");
    const bj::object& o = v.get_object();
    const std::set<std::string_view> allowed(keys);
    for (const auto& kv : o) {
      if (!allowed.count(kv.key())) {
        return bad(where, "unknown key '" + std::string(kv.key().substr(0, 64)) + "'");
      }
    }
    return Obj(o, std::move(where));
  }

  std::string at(std::string_view key) const { return where_ + "." + std::string(key); }

  Result<const bj::value*> get(std::string_view key) const {
    auto it = o_.find(key);
    if (it == o_.end()) return bad(at(key), "is required");
    return &it->value();
  }
  Result<std::string> str(std::string_view key, std::size_t max = 10000) const {
    auto v = get(key);
    if (!v) return std::move(v).error();
    if (!(*v)->is_string()) return bad(at(key), "must be a string");
    if ((*v)->get_string().size() > max) return bad(at(key), "is too long");
    return std::string((*v)->get_string());
  }
  Result<bool> boolean(std::string_view key) const {
    auto v = get(key);
    if (!v) return std::move(v).error();
    if (!(*v)->is_bool()) return bad(at(key), "must be true or false");
    return (*v)->get_bool();
  }
  Result<std::optional<std::int64_t>> opt_int(std::string_view key, std::int64_t lo,
                                              std::int64_t hi) const {
    auto v = get(key);
    if (!v) return std::move(v).error();
    if ((*v)->is_null()) return std::optional<std::int64_t>();
    std::int64_t n = 0;
    if ((*v)->is_int64()) {
      n = (*v)->get_int64();
    } else if ((*v)->is_uint64() && (*v)->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      n = static_cast<std::int64_t>((*v)->get_uint64());
    } else {
      return bad(at(key), "must be an integer");
    }
    if (n < lo || n > hi) {
      return bad(at(key), "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    }
    return std::optional<std::int64_t>(n);
  }
  Result<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    auto v = opt_int(key, lo, hi);
    if (!v) return std::move(v).error();
    if (!*v) return bad(at(key), "must be an integer, not null");
    return **v;
  }
  Result<std::optional<Decimal>> opt_money(std::string_view key) const {
    auto v = get(key);
    if (!v) return std::move(v).error();
    if ((*v)->is_null()) return std::optional<Decimal>();
    if (!(*v)->is_string()) return bad(at(key), "must be an amount as a string (\"3.5000\")");
    auto d = Decimal::parse((*v)->get_string());
    if (!d) return bad(at(key), d.error().message);
    return std::optional<Decimal>(*d);
  }
  Result<std::optional<Date>> opt_date(std::string_view key) const {
    auto v = get(key);
    if (!v) return std::move(v).error();
    if ((*v)->is_null()) return std::optional<Date>();
    if (!(*v)->is_string()) return bad(at(key), "must be a date (YYYY-MM-DD)");
    auto d = parse_date((*v)->get_string());
    if (!d) return bad(at(key), "must be a date (YYYY-MM-DD)");
    return std::optional<Date>(*d);
  }
  Result<Date> date(std::string_view key) const {
    auto d = opt_date(key);
    if (!d) return std::move(d).error();
    if (!*d) return bad(at(key), "must be a date, not null");
    return **d;
  }
  Result<const bj::array*> array(std::string_view key) const {
    auto v = get(key);
    if (!v) return std::move(v).error();
    if (!(*v)->is_array()) return bad(at(key), "must be an array");
    return &(*v)->get_array();
  }

 private:
  Obj(const bj::object& o, std::string where) : o_(o), where_(std::move(where)) {}
  const bj::object& o_;
  std::string where_;
};

// `var` names the variable the macro declares, so it cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PLAN_TRY(var, expr)                        \
  auto var##_r = (expr);                           \
  if (!var##_r) return std::move(var##_r).error(); \
  auto var = std::move(*var##_r)
// NOLINTEND(bugprone-macro-parentheses)

Result<Outcome> outcome_of(const std::string& text, const std::string& where, bool planned) {
  if (text == "would_update") return Outcome::kWouldUpdate;
  if (text == "unchanged") return Outcome::kUnchanged;
  if (text == "held") return Outcome::kHeld;
  if (text == "skipped") return Outcome::kSkipped;
  if (!planned && text == "updated") return Outcome::kUpdated;
  if (!planned && text == "failed") return Outcome::kFailed;
  return bad(where, "must be one of would_update, unchanged, held, skipped");
}

Result<ContractServiceAdjustment> adjustment_of(const bj::value& v, const std::string& where,
                                                const std::string& effective_time) {
  PLAN_TRY(o, Obj::of(v, where,
                      {"contractID", "contractServiceID", "serviceID", "unitChange",
                       "effectiveDate", "adjustedUnitCost", "adjustedUnitPrice"}));
  ContractServiceAdjustment a;
  PLAN_TRY(contract, o.integer("contractID", 1, INT64_MAX));
  PLAN_TRY(line, o.integer("contractServiceID", 1, INT64_MAX));
  PLAN_TRY(service, o.integer("serviceID", 1, INT64_MAX));
  PLAN_TRY(change, o.integer("unitChange", -kMaxUnits, kMaxUnits));
  PLAN_TRY(when, o.str("effectiveDate", 40));
  a.contractID = contract;
  a.contractServiceID = line;
  a.serviceID = service;
  a.unitChange = change;
  auto d = when.size() == 19 && when[10] == 'T' ? parse_date(when.substr(0, 10))
                                                : Result<Date>(bad("", ""));
  if (!d || when.substr(11) != effective_time) {
    return bad(o.at("effectiveDate"),
               "must be the entry's date with the plan's effective_time (" + effective_time + ")");
  }
  a.effectiveDate = *d;
  for (auto [key, out] :
       {std::pair<std::string_view, Field<Decimal>*>{"adjustedUnitCost", &a.adjustedUnitCost},
        std::pair<std::string_view, Field<Decimal>*>{"adjustedUnitPrice", &a.adjustedUnitPrice}}) {
    auto it = v.get_object().find(key);
    if (it == v.get_object().end()) continue;
    if (!it->value().is_number() && !it->value().is_string()) {
      return bad(o.at(key), "must be an amount");
    }
    auto amount = Decimal::from_json(it->value());
    if (!amount || *amount < Decimal()) return bad(o.at(key), "must be an amount >= 0");
    *out = *amount;
  }
  return a;
}

Result<Mapping> mapping_of(const bj::value& v, const std::string& where) {
  auto m = Mapping::from_json(v);
  if (!m) return bad(where, m.error().message);
  return std::move(*m);
}

}  // namespace

bj::object Plan::to_json() const {
  bj::object o;
  o["schema"] = kSchema;
  o["plan_id"] = plan_id;
  o["created_at"] = format_date_time(created_at) + "Z";
  o["run_date"] = format_date(run_date);
  o["effective_date"] = format_date(effective_date);
  o["time_zone"] = time_zone;
  o["effective_date_policy"] = to_string(policy);
  o["effective_time"] = effective_time;
  bj::object opts;
  opts["decrease"] = to_string(decrease);
  if (jump_guard) {
    opts["jump_guard"] =
        bj::object{{"max_increase_units", opt_int(jump_guard->max_increase_units)},
                   {"max_increase_ratio", jump_guard->max_increase_ratio
                                              ? bj::value(*jump_guard->max_increase_ratio)
                                              : bj::value(nullptr)}};
  } else {
    opts["jump_guard"] = nullptr;
  }
  opts["set_unit_price"] = set_unit_price;
  opts["offboarding"] = to_string(offboarding);
  opts["contract_notes"] = contract_notes;
  o["options"] = std::move(opts);
  o["requests"] = static_cast<std::int64_t>(requests);
  o["apply_requests"] = static_cast<std::int64_t>(apply_requests);
  o["samples_ignored"] = static_cast<std::int64_t>(samples_ignored);
  bj::array cur;
  for (auto c : currencies) cur.emplace_back(c);
  o["currencies"] = std::move(cur);
  bj::array unmapped;
  for (const auto& u : unmapped_usage) unmapped.emplace_back(u);
  o["unmapped_usage"] = std::move(unmapped);

  bj::array es;
  for (const auto& e : entries) {
    bj::object x;
    x["approved"] = e.approved;
    x["mapping"] = e.mapping.to_json();
    x["outcome"] = to_string(e.outcome);
    x["reason_code"] = e.reason_code;
    x["reason"] = e.reason;
    x["company_name"] = e.company_name;
    x["contract_name"] = e.contract_name;
    x["service_name"] = e.service_name;
    x["currency_id"] = opt_int(e.currency_id);
    x["contract_service_id"] = opt_int(e.contract_service_id);
    x["effective_date"] = opt_date(e.effective_date);
    x["effective_date_reason"] = e.effective_date_reason;
    x["usage"] =
        bj::object{{"source", e.usage_source},
                   {"samples_in_period", static_cast<std::int64_t>(e.samples_in_period)},
                   {"samples_outside_period", static_cast<std::int64_t>(e.samples_outside_period)}};
    x["units"] =
        bj::object{{"current", opt_int(e.units_before)}, {"target", opt_int(e.units_target)}};
    x["unit_cost"] =
        bj::object{{"current", opt_money(e.cost_before)}, {"target", opt_money(e.cost_target)}};
    x["unit_price"] =
        bj::object{{"current", opt_money(e.price_before)}, {"target", opt_money(e.price_target)}};
    x["delta"] = e.adjustment ? bj::value(e.adjustment->unitChange) : bj::value(nullptr);
    x["adjustment"] = e.adjustment ? bj::value(adjustment_json(*e.adjustment, effective_time))
                                   : bj::value(nullptr);
    x["previous_line"] = e.previous_line
                             ? bj::value(previous_json(*e.previous_line, effective_time))
                             : bj::value(nullptr);
    es.emplace_back(std::move(x));
  }
  o["entries"] = std::move(es);
  return o;
}

Result<Plan> Plan::from_json(const bj::value& v) {
  PLAN_TRY(
      o, Obj::of(v, "plan",
                 {"schema", "plan_id", "created_at", "run_date", "effective_date", "time_zone",
                  "effective_date_policy", "effective_time", "options", "requests",
                  "apply_requests", "samples_ignored", "currencies", "unmapped_usage", "entries"}));
  PLAN_TRY(schema, o.str("schema", 64));
  if (schema != kSchema) return bad(o.at("schema"), "must be \"" + std::string(kSchema) + "\"");
  Plan p;
  PLAN_TRY(id, o.str("plan_id", 64));
  if (id.empty()) return bad(o.at("plan_id"), "must not be empty");
  p.plan_id = id;
  PLAN_TRY(created, o.str("created_at", 40));
  auto created_at = parse_date_time(created);
  if (!created_at) return bad(o.at("created_at"), "must be a date-time");
  p.created_at = *created_at;
  PLAN_TRY(run_date, o.date("run_date"));
  PLAN_TRY(effective, o.date("effective_date"));
  p.run_date = run_date;
  p.effective_date = effective;
  PLAN_TRY(tz, o.str("time_zone", 64));
  if (auto check = civil_date_in_zone(std::chrono::system_clock::time_point{}, tz); !check) {
    return bad(o.at("time_zone"), check.error().message);
  }
  p.time_zone = tz;
  PLAN_TRY(policy, o.str("effective_date_policy", 40));
  auto pol = parse_effective_date_policy(policy);
  if (!pol) return bad(o.at("effective_date_policy"), pol.error().message);
  p.policy = *pol;
  PLAN_TRY(time, o.str("effective_time", 16));
  if (time.size() != 8 || !parse_date_time("2000-01-01T" + time)) {
    return bad(o.at("effective_time"), "must be a time of day like 12:00:00");
  }
  p.effective_time = time;

  PLAN_TRY(optv, o.get("options"));
  PLAN_TRY(opts,
           Obj::of(*optv, o.at("options"),
                   {"decrease", "jump_guard", "set_unit_price", "offboarding", "contract_notes"}));
  PLAN_TRY(decrease, opts.str("decrease", 40));
  auto dec = parse_decrease_policy(decrease);
  if (!dec) return bad(opts.at("decrease"), dec.error().message);
  p.decrease = *dec;
  PLAN_TRY(guardv, opts.get("jump_guard"));
  if (!guardv->is_null()) {
    PLAN_TRY(g,
             Obj::of(*guardv, opts.at("jump_guard"), {"max_increase_units", "max_increase_ratio"}));
    JumpGuard jg;
    PLAN_TRY(units, g.opt_int("max_increase_units", 0, kMaxUnits));
    jg.max_increase_units = units;
    PLAN_TRY(ratio, g.get("max_increase_ratio"));
    if (!ratio->is_null()) {
      if (!ratio->is_number() || !std::isfinite(ratio->to_number<double>()) ||
          ratio->to_number<double>() < 1.0 || ratio->to_number<double>() > 1e9) {
        return bad(g.at("max_increase_ratio"), "must be a number >= 1");
      }
      jg.max_increase_ratio = ratio->to_number<double>();
    }
    p.jump_guard = jg;
  }
  PLAN_TRY(set_price, opts.boolean("set_unit_price"));
  p.set_unit_price = set_price;
  PLAN_TRY(offboarding, opts.str("offboarding", 40));
  auto off = parse_offboarding_policy(offboarding);
  if (!off) return bad(opts.at("offboarding"), off.error().message);
  p.offboarding = *off;
  PLAN_TRY(notes, opts.boolean("contract_notes"));
  p.contract_notes = notes;

  PLAN_TRY(requests, o.integer("requests", 0, INT64_MAX));
  PLAN_TRY(apply_requests, o.integer("apply_requests", 0, INT64_MAX));
  PLAN_TRY(ignored, o.integer("samples_ignored", 0, INT64_MAX));
  p.requests = static_cast<std::uint64_t>(requests);
  p.apply_requests = static_cast<std::uint64_t>(apply_requests);
  p.samples_ignored = static_cast<std::size_t>(ignored);
  PLAN_TRY(cur, o.array("currencies"));
  for (std::size_t i = 0; i < cur->size(); ++i) {
    const auto& c = (*cur)[i];
    if (!c.is_int64())
      return bad(o.at("currencies") + "[" + std::to_string(i) + "]", "must be an integer");
    p.currencies.push_back(c.get_int64());
  }
  PLAN_TRY(unmapped, o.array("unmapped_usage"));
  for (std::size_t i = 0; i < unmapped->size(); ++i) {
    const auto& u = (*unmapped)[i];
    if (!u.is_string())
      return bad(o.at("unmapped_usage") + "[" + std::to_string(i) + "]", "must be a string");
    p.unmapped_usage.emplace_back(u.get_string());
  }

  PLAN_TRY(entries, o.array("entries"));
  std::set<Id> lines;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = "plan.entries[" + std::to_string(i) + "]";
    PLAN_TRY(x, Obj::of((*entries)[i], where,
                        {"approved", "mapping", "outcome", "reason_code", "reason", "company_name",
                         "contract_name", "service_name", "currency_id", "contract_service_id",
                         "effective_date", "effective_date_reason", "usage", "units", "unit_cost",
                         "unit_price", "delta", "adjustment", "previous_line"}));
    PlanEntry e;
    PLAN_TRY(approved, x.boolean("approved"));
    e.approved = approved;
    PLAN_TRY(mv, x.get("mapping"));
    PLAN_TRY(mapping, mapping_of(*mv, x.at("mapping")));
    e.mapping = std::move(mapping);
    PLAN_TRY(outcome_text, x.str("outcome", 40));
    PLAN_TRY(outcome, outcome_of(outcome_text, x.at("outcome"), true));
    e.outcome = outcome;
    PLAN_TRY(code, x.str("reason_code", 200));
    PLAN_TRY(reason, x.str("reason"));
    PLAN_TRY(company, x.str("company_name", 1000));
    PLAN_TRY(contract, x.str("contract_name", 1000));
    PLAN_TRY(service, x.str("service_name", 1000));
    e.reason_code = code;
    e.reason = reason;
    e.company_name = company;
    e.contract_name = contract;
    e.service_name = service;
    PLAN_TRY(currency, x.opt_int("currency_id", INT64_MIN, INT64_MAX));
    e.currency_id = currency;
    PLAN_TRY(line, x.opt_int("contract_service_id", 1, INT64_MAX));
    e.contract_service_id = line;
    PLAN_TRY(eff, x.opt_date("effective_date"));
    e.effective_date = eff;
    PLAN_TRY(eff_reason, x.str("effective_date_reason"));
    e.effective_date_reason = eff_reason;

    PLAN_TRY(uv, x.get("usage"));
    PLAN_TRY(
        u, Obj::of(*uv, x.at("usage"), {"source", "samples_in_period", "samples_outside_period"}));
    PLAN_TRY(source, u.str("source", 40));
    if (!source.empty() && source != "high_water_mark" && source != "samples" &&
        source != "offboarding") {
      return bad(u.at("source"), "must be high_water_mark, samples, offboarding or empty");
    }
    e.usage_source = source;
    PLAN_TRY(in_period, u.integer("samples_in_period", 0, INT64_MAX));
    PLAN_TRY(outside, u.integer("samples_outside_period", 0, INT64_MAX));
    e.samples_in_period = static_cast<std::size_t>(in_period);
    e.samples_outside_period = static_cast<std::size_t>(outside);

    PLAN_TRY(unv, x.get("units"));
    PLAN_TRY(units, Obj::of(*unv, x.at("units"), {"current", "target"}));
    PLAN_TRY(uc, units.opt_int("current", 0, kMaxUnits));
    PLAN_TRY(ut, units.opt_int("target", 0, kMaxUnits));
    e.units_before = uc;
    e.units_target = ut;
    PLAN_TRY(cv, x.get("unit_cost"));
    PLAN_TRY(cost, Obj::of(*cv, x.at("unit_cost"), {"current", "target"}));
    PLAN_TRY(cc, cost.opt_money("current"));
    PLAN_TRY(ct, cost.opt_money("target"));
    e.cost_before = cc;
    e.cost_target = ct;
    PLAN_TRY(pv, x.get("unit_price"));
    PLAN_TRY(price, Obj::of(*pv, x.at("unit_price"), {"current", "target"}));
    PLAN_TRY(pc, price.opt_money("current"));
    PLAN_TRY(pt, price.opt_money("target"));
    e.price_before = pc;
    e.price_target = pt;
    PLAN_TRY(delta, x.opt_int("delta", -kMaxUnits, kMaxUnits));
    PLAN_TRY(av, x.get("adjustment"));
    if (!av->is_null()) {
      PLAN_TRY(a, adjustment_of(*av, x.at("adjustment"), p.effective_time));
      e.adjustment = a;
    }

    // An adjustment must be this entry's: its line, its date, target - current.
    if (e.outcome == Outcome::kWouldUpdate) {
      if (!e.adjustment || !e.contract_service_id || !e.effective_date || !e.units_before ||
          !e.units_target || !e.cost_before || !e.cost_target || !delta) {
        return bad(where,
                   "a would_update entry needs contract_service_id, effective_date, "
                   "units, unit_cost, delta and adjustment");
      }
      const ContractServiceAdjustment& a = *e.adjustment;
      if (a.contractID != e.mapping.contract_id || a.serviceID != e.mapping.service_id ||
          a.contractServiceID != *e.contract_service_id ||
          (e.mapping.contract_service_id &&
           *e.mapping.contract_service_id != *e.contract_service_id)) {
        return bad(x.at("adjustment"),
                   "does not name the mapping's contract, service and "
                   "contract service");
      }
      if (a.effectiveDate != *e.effective_date) {
        return bad(x.at("adjustment") + ".effectiveDate", "is not the entry's effective_date");
      }
      if (a.unitChange != *delta || *delta != *e.units_target - *e.units_before) {
        return bad(x.at("delta"),
                   "must equal units.target - units.current and the "
                   "adjustment's unitChange");
      }
      if (!a.adjustedUnitCost.has_value() || *a.adjustedUnitCost != *e.cost_target) {
        return bad(x.at("adjustment") + ".adjustedUnitCost", "must equal unit_cost.target");
      }
      if (a.adjustedUnitPrice.has_value() != e.price_target.has_value() ||
          (e.price_target && *a.adjustedUnitPrice != *e.price_target) ||
          (e.price_target && !p.set_unit_price)) {
        return bad(x.at("adjustment") + ".adjustedUnitPrice",
                   "must equal unit_price.target, and only with set_unit_price");
      }
      if (!lines.insert(a.contractServiceID).second) {
        return bad(where,
                   "a second entry for contract service " + std::to_string(a.contractServiceID));
      }
    } else if (e.adjustment || delta) {
      return bad(where, "only a would_update entry carries a delta and an adjustment");
    }

    PLAN_TRY(prev, x.get("previous_line"));
    if (!prev->is_null()) {
      const std::string pw = x.at("previous_line");
      PLAN_TRY(
          po, Obj::of(*prev, pw,
                      {"contract_id", "contract_service_id", "service_id", "outcome", "reason_code",
                       "reason", "effective_date", "units_current", "adjustment"}));
      PreviousLineChange pl;
      PLAN_TRY(pc_id, po.integer("contract_id", 1, INT64_MAX));
      PLAN_TRY(pl_id, po.integer("contract_service_id", 1, INT64_MAX));
      PLAN_TRY(ps_id, po.integer("service_id", 0, INT64_MAX));
      pl.contract_id = pc_id;
      pl.contract_service_id = pl_id;
      pl.service_id = ps_id;
      PLAN_TRY(po_text, po.str("outcome", 40));
      PLAN_TRY(po_outcome, outcome_of(po_text, po.at("outcome"), true));
      pl.outcome = po_outcome;
      PLAN_TRY(pcode, po.str("reason_code", 200));
      PLAN_TRY(preason, po.str("reason"));
      pl.reason_code = pcode;
      pl.reason = preason;
      PLAN_TRY(peff, po.opt_date("effective_date"));
      pl.effective_date = peff;
      PLAN_TRY(punits, po.opt_int("units_current", 0, kMaxUnits));
      pl.units_before = punits;
      PLAN_TRY(pav, po.get("adjustment"));
      if (!pav->is_null()) {
        PLAN_TRY(pa, adjustment_of(*pav, po.at("adjustment"), p.effective_time));
        pl.adjustment = pa;
      }
      if (pl.outcome == Outcome::kWouldUpdate) {
        if (!pl.adjustment || !pl.units_before || !pl.effective_date ||
            pl.adjustment->contractID != pl.contract_id ||
            pl.adjustment->contractServiceID != pl.contract_service_id ||
            pl.adjustment->serviceID != pl.service_id ||
            pl.adjustment->unitChange != -*pl.units_before ||
            pl.adjustment->effectiveDate != *pl.effective_date ||
            pl.adjustment->adjustedUnitCost.has_value() ||
            pl.adjustment->adjustedUnitPrice.has_value() ||
            !e.mapping.previous_contract_service_id ||
            *e.mapping.previous_contract_service_id != pl.contract_service_id) {
          return bad(pw,
                     "a would_update old line needs an adjustment that zeroes exactly the "
                     "mapping's previous_contract_service_id");
        }
        if (!lines.insert(pl.contract_service_id).second) {
          return bad(
              pw, "a second entry for contract service " + std::to_string(pl.contract_service_id));
        }
      } else if (pl.adjustment) {
        return bad(pw, "only a would_update old line carries an adjustment");
      }
      e.previous_line = std::move(pl);
    }
    p.entries.push_back(std::move(e));
  }
  return p;
}

}  // namespace autotask_sync
