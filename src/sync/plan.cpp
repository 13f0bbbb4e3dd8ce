// Planning the billing sync: reads what the mappings point at, batched, and decides per mapping
// what would be written and why. Writes nothing.
#include "sync/mapping_check.hpp"
#include "sync/plan_internal.hpp"

#include <autotask_sync/model/json_util.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

namespace autotask_sync {
namespace bj = boost::json;

namespace detail {

Query rows_window(Date from, Date to) {
  Query q;
  q.filter.push_back(Filter::condition(Op::kLte, "startDate", bj::string(date_filter_text(to))));
  q.filter.push_back(Filter::condition(Op::kGte, "endDate", bj::string(date_filter_text(from))));
  return q;
}

Result<std::function<void()>> take_lock(const SyncLock& lock) {
  if (!lock) return std::function<void()>([] {});
  std::string why;
  try {
    auto taken = lock();
    if (taken && *taken) return std::move(*taken);
    if (taken) return std::function<void()>([] {});
    why = taken.error().message;
  } catch (const std::exception& e) {
    why = e.what();
  }
  // The host's lock says why (another sync holds it, or the lock itself is broken).
  return Error(ErrorCode::kConflict,
               "the sync lock could not be taken: " + why + "; nothing was read or written");
}

namespace {

std::size_t batches(std::size_t n) {
  return (n + 499) / 500;
}

}  // namespace

std::uint64_t apply_request_estimate(const Plan& plan, bool reread) {
  std::set<Id> lines;
  std::uint64_t writes = 0;
  for (const auto& e : plan.entries) {
    if (e.outcome == Outcome::kWouldUpdate && e.adjustment) {
      lines.insert(e.adjustment->contractServiceID);
      ++writes;
    }
    if (e.previous_line && e.previous_line->outcome == Outcome::kWouldUpdate &&
        e.previous_line->adjustment) {
      lines.insert(e.previous_line->contract_service_id);
      ++writes;
    }
  }
  if (writes == 0) return 0;
  const std::uint64_t per_read = 2 * batches(lines.size());  // units rows + contract services
  std::uint64_t n = writes + per_read;                       // writes + read-back
  if (reread) n += per_read;
  if (writes > 1) ++n;  // the landing check after the first write
  if (plan.contract_notes) n += writes;
  return n;
}

namespace {

Date day_before(Date d) {
  return Date{std::chrono::sys_days(d) - std::chrono::days(1)};
}

std::string random_plan_id() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return buf;
}

std::string ratio_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", r);
  return buf;
}

class Planner {
 public:
  Planner(Client& client, const std::vector<Mapping>& mappings, const std::vector<Usage>& usage,
          const BillingOptions& options)
      : client_(client), mappings_(mappings), usage_(usage), options_(options) {}

  Result<PlannedRun> execute();

 private:
  static void skip(MappingResult& r, std::string code, std::string reason) {
    r.outcome = Outcome::kSkipped;
    r.reason_code = std::move(code);
    r.reason = std::move(reason);
  }
  static void hold(MappingResult& r, std::string code, std::string reason) {
    r.outcome = Outcome::kHeld;
    r.reason_code = std::move(code);
    r.reason = std::move(reason);
  }
  Result<void> load();
  void resolve(std::size_t index, PlanEntry& r);
  void plan_entry(std::size_t index, PlanEntry& r);
  void plan_previous_line(PlanEntry& r);

  Client& client_;
  const std::vector<Mapping>& mappings_;
  const std::vector<Usage>& usage_;
  const BillingOptions& options_;

  RunDates dates_;
  std::unordered_map<std::string, const Usage*> usage_by_org_;
  std::vector<bool> eligible_, offboarded_;
  TenantView view_;
  std::vector<MappingState> resolved_;
  // Old lines of remapped orgs, and their rows.
  std::unordered_map<Id, ContractService> previous_lines_;
  std::unordered_map<Id, std::vector<ContractServiceUnit>> previous_rows_;
};

Result<void> Planner::load() {
  std::vector<const Mapping*> eligible;
  std::set<Id> previous;
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (!eligible_[i]) continue;
    eligible.push_back(&mappings_[i]);
    if (mappings_[i].previous_contract_service_id) {
      previous.insert(*mappings_[i].previous_contract_service_id);
    }
  }
  LoadOptions lo;
  lo.rows_from = dates_.rows_from;
  lo.rows_to = dates_.rows_to;
  auto view = load_tenant_view(client_, eligible, lo);
  if (!view) return std::move(view).error();
  view_ = std::move(*view);
  if (previous.empty()) return {};

  const std::vector<Id> ids(previous.begin(), previous.end());
  auto lines = client_.query_in_as<ContractService>("id", ids);
  if (!lines) return std::move(lines).error();
  for (auto& l : *lines) previous_lines_.emplace(l.id, std::move(l));
  auto rows = client_.query_in_as<ContractServiceUnit>("contractServiceID", ids,
                                                       rows_window(lo.rows_from, lo.rows_to));
  if (!rows) return std::move(rows).error();
  for (const auto& row : *rows) previous_rows_[row.contractServiceID].push_back(row);
  return {};
}

void Planner::resolve(std::size_t index, PlanEntry& r) {
  MappingRules rules;
  rules.effective = offboarded_[index] ? dates_.next_period_start : dates_.default_effective;
  rules.active_contract_status = options_.active_contract_status;
  rules.allowed_company_types = options_.allowed_company_types;
  MappingState& x = resolved_[index] = check_mapping(view_, mappings_[index], rules);
  r.company_name = x.company_name;
  r.contract_name = x.contract_name;
  r.service_name = x.service_name;
  if (x.company && x.company->currencyID.has_value()) r.currency_id = *x.company->currencyID;
  if (!x.findings.empty()) {
    const auto& f = x.findings.front();
    return skip(r, f.code, f.reason());
  }
  r.contract_service_id = x.line->id;
}

void Planner::plan_entry(std::size_t index, PlanEntry& r) {
  const MappingState& x = resolved_[index];
  const Contract& c = *x.contract;
  const ContractService& line = *x.line;
  const auto& rows = view_.rows_by_line[line.id];
  const bool offboard = offboarded_[index];

  Date effective{};
  bool moved = false;
  if (offboard) {
    effective = dates_.next_period_start;
    r.effective_date_reason =
        "offboarding zero_next_period: the org left the portal, so its units end with the "
        "current period";
  } else {
    effective = effective_date_for(dates_, options_.effective_date, rows, moved);
    if (moved) {
      r.effective_date_reason = "the period starting " + format_date(dates_.period_start) +
                                " is already approved and posted, so the change starts with the "
                                "next period";
    } else {
      switch (options_.effective_date) {
        case EffectiveDatePolicy::kPeriod:
          r.effective_date_reason = "policy period: the current period's first day";
          break;
        case EffectiveDatePolicy::kNextPeriod:
          r.effective_date_reason = "policy next_period: the next period's first day";
          break;
        case EffectiveDatePolicy::kProrate:
          r.effective_date_reason =
              "policy prorate: the run date; Autotask bills the difference pro rata";
          break;
      }
    }
  }
  r.effective_date = effective;

  auto finding = [&](const MappingFinding& f) { skip(r, f.code, f.reason()); };
  if (auto why = contract_out_of_force(c, effective)) return finding(*why);
  const ContractServiceUnit* row = covering_row(rows, effective);
  if (!row) return finding(no_units_row(line, effective));
  if (!line.unitCost.has_value()) return finding(cost_unreadable(line));

  r.units_before = row->units;
  r.cost_before = *line.unitCost;
  if (line.unitPrice.has_value()) r.price_before = *line.unitPrice;

  // The target.
  std::int64_t target = 0;
  Decimal cost = *line.unitCost;
  if (offboard) {
    r.usage_source = "offboarding";
  } else {
    const Usage& u = *usage_by_org_.at(r.mapping.org_id);
    cost = u.unit_cost;
    if (u.has_samples) {
      r.usage_source = "samples";
      auto peak = peak_in_month(u.samples, dates_.period_start, options_.time_zone);
      if (!peak) return skip(r, "usage.invalid", peak.error().message);
      r.samples_in_period = peak->in_period;
      r.samples_outside_period = peak->outside_period;
      if (!peak->peak) {
        return skip(r, "usage.no_samples_in_period",
                    "none of the org's " + std::to_string(u.samples.size()) +
                        " usage samples falls in the billing month starting " +
                        format_date(dates_.period_start) + " in " + options_.time_zone +
                        "; send the month's samples");
      }
      target = *peak->peak;
    } else {
      r.usage_source = "high_water_mark";
      target = u.high_water_mark;
    }
    if (options_.set_unit_price) {
      if (!u.unit_price) {
        return skip(r, "usage.no_unit_price",
                    "billing.set_unit_price is on but the usage of this org has no unit_price");
      }
      r.price_target = *u.unit_price;
    }
  }
  r.units_target = target;
  r.cost_target = cost;

  // A period already changed at different dates (by hand, inside the period) is not ours to
  // fix: the delta of one row would not give the others their target.
  if (options_.effective_date != EffectiveDatePolicy::kProrate) {
    const Date from = first_of_month(effective), to = last_of_month(effective);
    std::vector<const ContractServiceUnit*> in_period;
    for (const auto& other : rows) {
      if (other.startDate <= to && other.endDate >= from) in_period.push_back(&other);
    }
    std::sort(in_period.begin(), in_period.end(),
              [](auto* a, auto* b) { return a->startDate < b->startDate; });
    for (std::size_t i = 1; i < in_period.size(); ++i) {
      if (in_period[i]->units != in_period[0]->units) {
        r.units_target = target;
        return hold(r, "units.changed_mid_period",
                    "contract service " + std::to_string(line.id) + " holds " +
                        std::to_string(in_period[0]->units) + " units from " +
                        format_date(in_period[0]->startDate) + " and " +
                        std::to_string(in_period[i]->units) + " from " +
                        format_date(in_period[i]->startDate) +
                        " in the same period (changed inside the period, probably by hand); "
                        "the target is " +
                        std::to_string(target) +
                        ". Review the contract's Services tab and set the units by hand");
      }
    }
  }

  std::string note = moved ? r.effective_date_reason : std::string();
  if (target < row->units && options_.decrease == DecreasePolicy::kNeverWithinPeriod &&
      effective < dates_.next_period_start) {
    note = (note.empty() ? "" : note + "; ") + "the portal's figure " + std::to_string(target) +
           " is lower than the " + std::to_string(row->units) + " units of the period starting " +
           format_date(first_of_month(effective)) +
           "; billing.decrease is never_within_period, so the units are held until the next "
           "period";
    r.reason_code = "decrease.held_until_next_period";
    target = row->units;
    r.units_target = target;
  }

  if (target > row->units && options_.jump_guard) {
    const JumpGuard& g = *options_.jump_guard;
    const std::int64_t up = target - row->units;
    const bool units_over = g.max_increase_units && up > *g.max_increase_units;
    const bool ratio_over =
        g.max_increase_ratio && row->units > 0 &&
        static_cast<double>(target) > static_cast<double>(row->units) * *g.max_increase_ratio;
    if (units_over || ratio_over) {
      std::string limits;
      if (g.max_increase_units) limits += "+" + std::to_string(*g.max_increase_units) + " units";
      if (g.max_increase_ratio) {
        limits += (limits.empty() ? "" : " or ") + ratio_text(*g.max_increase_ratio) + " times";
      }
      return hold(r, "guard.jump",
                  "the change from " + std::to_string(row->units) + " to " +
                      std::to_string(target) + " units (+" + std::to_string(up) +
                      (row->units > 0 ? ", " +
                                            ratio_text(static_cast<double>(target) /
                                                       static_cast<double>(row->units)) +
                                            " times"
                                      : std::string()) +
                      ") is beyond billing.jump_guard (at most " + limits +
                      "); confirm the figure and apply it by hand, or raise the guard");
    }
  }

  const bool price_same = !r.price_target || r.price_before == r.price_target;
  if (target == row->units && cost == *line.unitCost && price_same) {
    r.outcome = Outcome::kUnchanged;
    r.reason = note;
    return;
  }
  ContractServiceAdjustment a;
  a.contractID = c.id;
  a.contractServiceID = line.id;
  a.serviceID = line.serviceID;
  a.unitChange = target - row->units;
  a.effectiveDate = effective;
  a.adjustedUnitCost = cost;
  if (r.price_target) a.adjustedUnitPrice = *r.price_target;
  r.adjustment = a;
  r.outcome = Outcome::kWouldUpdate;
  r.reason = note.empty() && offboard ? "the org is no longer in the portal; its units are set "
                                        "to 0 from the next period"
                                      : note;
  if (offboard) r.reason_code = "offboarding.zero_next_period";
}

void Planner::plan_previous_line(PlanEntry& r) {
  const Mapping& m = r.mapping;
  if (!m.previous_contract_service_id) return;
  PreviousLineChange p;
  p.contract_service_id = *m.previous_contract_service_id;
  p.contract_id = m.previous_contract_id.value_or(m.contract_id);
  p.effective_date = r.effective_date;
  auto done = [&](Outcome o, std::string code, std::string reason) {
    p.outcome = o;
    p.reason_code = std::move(code);
    p.reason = std::move(reason);
    r.previous_line = std::move(p);
  };
  const std::string label = "the old contract service " + std::to_string(p.contract_service_id);
  if (r.outcome != Outcome::kWouldUpdate && r.outcome != Outcome::kUnchanged) {
    return done(Outcome::kSkipped, "remap.waiting",
                label + " is not zeroed while the new line is not billed");
  }
  if (r.contract_service_id && *r.contract_service_id == p.contract_service_id) {
    return done(Outcome::kSkipped, "remap.same_line",
                "previous_contract_service_id names the line the org is billed on now; remove "
                "it from the mapping");
  }
  auto it = previous_lines_.find(p.contract_service_id);
  if (it == previous_lines_.end()) {
    return done(Outcome::kSkipped, "remap.old_line_not_found",
                label + " was not found in Autotask; nothing to zero");
  }
  const ContractService& old = it->second;
  p.service_id = old.serviceID;
  if (old.contractID != p.contract_id) {
    return done(Outcome::kSkipped, "remap.old_line_other_contract",
                label + " is on contract " + std::to_string(old.contractID) + ", not on contract " +
                    std::to_string(p.contract_id) + "; fix previous_contract_id in the mapping");
  }
  const ContractServiceUnit* row = covering_row(previous_rows_[old.id], *r.effective_date);
  if (!row) {
    return done(Outcome::kUnchanged, "remap.old_line_no_row",
                label + " has no units row covering " + format_date(*r.effective_date) +
                    "; remove the line by hand in Autotask if it is still on the contract");
  }
  p.units_before = row->units;
  if (row->units <= 0) {
    p.units_after = row->units;
    return done(Outcome::kUnchanged, "remap.old_line_empty",
                label +
                    " already holds 0 units; remove it by hand in Autotask (Contracts > the "
                    "contract > Services)");
  }
  ContractServiceAdjustment a;
  a.contractID = old.contractID;
  a.contractServiceID = old.id;
  a.serviceID = old.serviceID;
  a.unitChange = -row->units;
  a.effectiveDate = *r.effective_date;
  p.adjustment = a;
  done(Outcome::kWouldUpdate, "remap.old_line_zeroed",
       label + " on contract " + std::to_string(old.contractID) + " still holds " +
           std::to_string(row->units) + " units from " + format_date(*r.effective_date) +
           "; it is zeroed by an adjustment and should be removed by hand in Autotask "
           "(Contracts > the contract > Services)");
}

Result<PlannedRun> Planner::execute() {
  const std::uint64_t requests_before = client_.request_count();
  PlannedRun out;
  Plan& plan = out.plan;
  plan.time_zone = options_.time_zone;
  plan.policy = options_.effective_date;
  plan.effective_time = options_.effective_time;
  plan.decrease = options_.decrease;
  plan.jump_guard = options_.jump_guard;
  plan.set_unit_price = options_.set_unit_price;
  plan.offboarding = options_.offboarding;
  plan.contract_notes = options_.contract_notes;

  auto dates = run_dates(options_);
  if (!dates) return std::move(dates).error();
  dates_ = *dates;
  // The day before the earliest effective date (to see where a change lands) to the end of the
  // next period (to see a period changed inside it).
  dates_.rows_from = day_before(std::min(dates_.run_date, dates_.period_start));
  dates_.rows_to = last_of_month(dates_.next_period_start);
  plan.run_date = dates_.run_date;
  plan.effective_date = dates_.default_effective;
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
  plan.created_at = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
  plan.plan_id = random_plan_id();
  if (options_.jump_guard) {
    const auto& g = *options_.jump_guard;
    if ((g.max_increase_units && *g.max_increase_units < 0) ||
        (g.max_increase_ratio && !(*g.max_increase_ratio >= 1.0))) {
      return Error(ErrorCode::kInvalidArgument,
                   "billing.jump_guard: max_increase_units must be >= 0 and max_increase_ratio "
                   ">= 1");
    }
  }
  for (const auto& u : usage_) {
    if (!usage_by_org_.emplace(u.org_id, &u).second) {
      return Error(ErrorCode::kInvalidArgument, "usage for org '" + u.org_id + "' is given twice");
    }
  }
  std::set<std::string> portal;
  if (options_.portal_org_ids)
    portal.insert(options_.portal_org_ids->begin(), options_.portal_org_ids->end());

  std::set<std::string> mapped;
  eligible_.assign(mappings_.size(), false);
  offboarded_.assign(mappings_.size(), false);
  resolved_.assign(mappings_.size(), MappingState{});
  plan.entries.resize(mappings_.size());
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    PlanEntry& r = plan.entries[i];
    r.mapping = mappings_[i];
    const std::string& org = mappings_[i].org_id;
    if (!mapped.insert(org).second) {
      skip(r, "mapping.duplicate_org",
           "org '" + org + "' is mapped more than once; only its first mapping is synced");
    } else if (options_.portal_org_ids && !portal.count(org)) {
      if (options_.offboarding == OffboardingPolicy::kZeroNextPeriod) {
        offboarded_[i] = eligible_[i] = true;
      } else {
        skip(r, "org.offboarded",
             "org '" + org +
                 "' is no longer in the portal; its units are left as they are "
                 "(billing.offboarding is report): end the contract line in Autotask, or set "
                 "billing.offboarding to zero_next_period");
      }
    } else if (!usage_by_org_.count(org)) {
      skip(r, "usage.missing", "no usage was reported for this org");
    } else {
      eligible_[i] = true;
    }
  }
  for (const auto& u : usage_) {
    if (!mapped.count(u.org_id)) plan.unmapped_usage.push_back(u.org_id);
  }
  client_.logger().info("billing plan of " + std::to_string(mappings_.size()) +
                        " mappings, effective " + format_date(dates_.default_effective) + " (" +
                        to_string(options_.effective_date) + ", " + options_.time_zone + ")");

  if (auto loaded = load(); !loaded) return std::move(loaded).error();

  std::map<Id, std::vector<std::size_t>> by_line;
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (!eligible_[i]) continue;
    resolve(i, plan.entries[i]);
    if (plan.entries[i].contract_service_id && plan.entries[i].reason.empty()) {
      by_line[*plan.entries[i].contract_service_id].push_back(i);
    }
  }
  for (const auto& [line, indexes] : by_line) {
    if (indexes.size() < 2) {
      plan_entry(indexes.front(), plan.entries[indexes.front()]);
      continue;
    }
    std::string orgs;
    for (auto i : indexes) orgs += (orgs.empty() ? "" : ", ") + mappings_[i].org_id;
    for (auto i : indexes) {
      skip(plan.entries[i], "line.shared",
           "orgs " + orgs + " are all mapped to contract service " + std::to_string(line) +
               "; map each org to its own line");
    }
  }
  // A remapped org's old line: also refused when another entry bills it now.
  std::set<Id> billed;
  for (const auto& e : plan.entries) {
    if (e.contract_service_id) billed.insert(*e.contract_service_id);
  }
  std::set<std::int64_t> currencies;
  for (auto& e : plan.entries) {
    if (e.mapping.previous_contract_service_id &&
        billed.count(*e.mapping.previous_contract_service_id) &&
        e.contract_service_id != e.mapping.previous_contract_service_id) {
      e.previous_line = PreviousLineChange{};
      e.previous_line->contract_service_id = *e.mapping.previous_contract_service_id;
      e.previous_line->contract_id = e.mapping.previous_contract_id.value_or(e.mapping.contract_id);
      e.previous_line->reason_code = "remap.old_line_in_use";
      e.previous_line->reason = "the old contract service " +
                                std::to_string(*e.mapping.previous_contract_service_id) +
                                " is billed by another mapping; it is not zeroed";
    } else {
      plan_previous_line(e);
    }
    if (e.currency_id) currencies.insert(*e.currency_id);
    plan.samples_ignored += e.samples_outside_period;
  }
  if (currencies.size() > 1) plan.currencies.assign(currencies.begin(), currencies.end());

  for (const auto& [id, rows] : view_.rows_by_line) out.rows_by_line[id] = rows;
  for (const auto& [id, rows] : previous_rows_) out.rows_by_line[id] = rows;
  plan.requests = client_.request_count() - requests_before;
  plan.apply_requests = apply_request_estimate(plan, true);
  return out;
}

}  // namespace

Result<PlannedRun> make_plan(Client& client, const std::vector<Mapping>& mappings,
                             const std::vector<Usage>& usage, const BillingOptions& options) {
  Planner p(client, mappings, usage, options);
  return p.execute();
}

}  // namespace detail

Result<Plan> plan_billing_sync(Client& client, const std::vector<Mapping>& mappings,
                               const std::vector<Usage>& usage, const BillingOptions& options) {
  auto release = detail::take_lock(options.lock);
  if (!release) return std::move(release).error();
  auto planned = detail::make_plan(client, mappings, usage, options);
  (*release)();
  if (!planned) return std::move(planned).error();
  return std::move(planned->plan);
}

}  // namespace autotask_sync
