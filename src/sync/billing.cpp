#include <autotask_sync/sync/billing.hpp>
#include <autotask_sync/model/json_util.hpp>

#include "sync/mapping_check.hpp"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace autotask_sync {
namespace bj = boost::json;

const char* to_string(EffectiveDatePolicy p) noexcept {
  switch (p) {
    case EffectiveDatePolicy::kPeriod: return "period";
    case EffectiveDatePolicy::kNextPeriod: return "next_period";
    case EffectiveDatePolicy::kProrate: return "prorate";
  }
  return "period";
}

Result<EffectiveDatePolicy> parse_effective_date_policy(std::string_view text) {
  if (text == "period") return EffectiveDatePolicy::kPeriod;
  if (text == "next_period") return EffectiveDatePolicy::kNextPeriod;
  if (text == "prorate") return EffectiveDatePolicy::kProrate;
  return Error(ErrorCode::kInvalidArgument,
               "billing.effective_date must be one of period, next_period, prorate (got '" +
                   std::string(text.substr(0, 40)) + "')");
}

const char* to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::kUpdated: return "updated";
    case Outcome::kWouldUpdate: return "would_update";
    case Outcome::kUnchanged: return "unchanged";
    case Outcome::kSkipped: return "skipped";
    case Outcome::kFailed: return "failed";
  }
  return "failed";
}

Result<Usage> Usage::from_json(const bj::value& v) {
  if (!v.is_object()) return Error(ErrorCode::kInvalidArgument, "a usage entry must be an object");
  const bj::object& o = v.get_object();
  std::string where = "usage";
  if (auto it = o.find("org_id"); it != o.end() && it->value().is_string()) {
    where += " of '" + std::string(it->value().get_string()) + "'";
  }
  for (const auto& kv : o) {
    if (kv.key() != "org_id" && kv.key() != "high_water_mark" && kv.key() != "unit_cost") {
      return Error(ErrorCode::kInvalidArgument,
                   where + ": unknown key '" + std::string(kv.key()) + "'");
    }
  }
  Usage u;
  auto org = o.find("org_id");
  if (org == o.end() || !org->value().is_string() || org->value().get_string().empty()) {
    return Error(ErrorCode::kInvalidArgument, where + ": 'org_id' must be a non-empty string");
  }
  u.org_id = std::string(org->value().get_string());
  auto hwm = o.find("high_water_mark");
  if (hwm == o.end() || !(hwm->value().is_int64() || hwm->value().is_uint64())) {
    return Error(ErrorCode::kInvalidArgument,
                 where + ": 'high_water_mark' must be a whole number of users");
  }
  const auto n = hwm->value().to_number<std::int64_t>();
  if (n < 0 || n > 2'000'000'000) {
    return Error(ErrorCode::kInvalidArgument,
                 where + ": 'high_water_mark' must be between 0 and 2000000000");
  }
  u.high_water_mark = n;
  auto cost = o.find("unit_cost");
  if (cost == o.end() || cost->value().is_null()) {
    return Error(ErrorCode::kInvalidArgument, where + ": 'unit_cost' is required");
  }
  auto d = Decimal::from_json(cost->value());
  if (!d) return Error(ErrorCode::kInvalidArgument, where + ": 'unit_cost': " + d.error().message);
  if (*d < Decimal()) {
    return Error(ErrorCode::kInvalidArgument, where + ": 'unit_cost' must not be negative");
  }
  u.unit_cost = *d;
  return u;
}

Result<Date> civil_date_in_zone(std::chrono::system_clock::time_point now,
                                const std::string& time_zone) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(time_zone);
  } catch (const std::exception&) {
    return Error(ErrorCode::kInvalidArgument,
                 "billing.time_zone '" + time_zone + "' is not an IANA time zone name");
  }
  const auto local = zone->to_local(std::chrono::floor<std::chrono::seconds>(now));
  const auto local_days = std::chrono::floor<std::chrono::days>(local.time_since_epoch());
  return Date{std::chrono::sys_days{local_days}};
}

namespace {

using Clock = std::chrono::steady_clock;

bj::value date_filter_value(Date d) { return bj::string(detail::date_filter_text(d)); }

template <class T>
std::unordered_map<Id, T> by_id(std::vector<T> items) {
  std::unordered_map<Id, T> out;
  for (auto& i : items) {
    const Id id = i.id;
    out.emplace(id, std::move(i));
  }
  return out;
}

using detail::covering_row;
using detail::MappingState;

class Run {
 public:
  Run(Client& client, const std::vector<Mapping>& mappings, const std::vector<Usage>& usage,
      const BillingOptions& options)
      : client_(client), mappings_(mappings), usage_(usage), options_(options) {}

  Result<SyncReport> execute();

 private:
  void skip(MappingResult& r, std::string code, std::string reason) {
    r.outcome = Outcome::kSkipped;
    r.reason_code = std::move(code);
    r.reason = std::move(reason);
  }
  Result<void> load();
  void resolve(std::size_t index, MappingResult& r);
  void plan(MappingResult& r, const MappingState& x);
  void write(MappingResult& r);
  void read_back(SyncReport& report);

  Client& client_;
  const std::vector<Mapping>& mappings_;
  const std::vector<Usage>& usage_;
  const BillingOptions& options_;

  detail::RunDates dates_;
  Date run_date_{};
  Date period_start_{}, next_period_start_{}, default_effective_{};
  std::unordered_map<std::string, const Usage*> usage_by_org_;
  std::vector<bool> eligible_;
  detail::TenantView view_;
  std::vector<MappingState> resolved_;
};

Result<void> Run::load() {
  std::vector<const Mapping*> eligible;
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (eligible_[i]) eligible.push_back(&mappings_[i]);
  }
  // Rows around the candidate effective dates only: the current and the next period, or the day.
  detail::LoadOptions lo;
  lo.rows_from = dates_.rows_from;
  lo.rows_to = dates_.rows_to;
  auto view = detail::load_tenant_view(client_, eligible, lo);
  if (!view) return std::move(view).error();
  view_ = std::move(*view);
  return {};
}

void Run::resolve(std::size_t index, MappingResult& r) {
  detail::MappingRules rules;
  rules.effective = default_effective_;
  rules.active_contract_status = options_.active_contract_status;
  rules.allowed_company_types = options_.allowed_company_types;
  MappingState& x = resolved_[index] = detail::check_mapping(view_, mappings_[index], rules);
  r.company_name = x.company_name;
  r.contract_name = x.contract_name;
  r.service_name = x.service_name;
  if (!x.findings.empty()) {
    const auto& f = x.findings.front();
    return skip(r, f.code, f.reason());
  }
  r.contract_service_id = x.line->id;
}

void Run::plan(MappingResult& r, const MappingState& x) {
  const Contract& c = *x.contract;
  const ContractService& line = *x.line;
  const Usage& u = *usage_by_org_.at(r.mapping.org_id);
  const auto& rows = view_.rows_by_line[line.id];

  bool moved = false;
  const Date effective = detail::effective_date_for(dates_, options_.effective_date, rows, moved);
  std::string note;
  if (moved) {
    note = "the period starting " + format_date(period_start_) +
           " is already approved and posted, so the change starts with the next period";
  }
  r.effective_date = effective;

  auto finding = [&](const detail::MappingFinding& f) { skip(r, f.code, f.reason()); };
  if (auto why = detail::contract_out_of_force(c, effective)) return finding(*why);
  const ContractServiceUnit* row = covering_row(rows, effective);
  if (!row) return finding(detail::no_units_row(line, effective));
  if (!line.unitCost.has_value()) return finding(detail::cost_unreadable(line));

  r.units_before = row->units;
  r.cost_before = *line.unitCost;
  r.units_target = u.high_water_mark;
  r.cost_target = u.unit_cost;
  if (row->units == u.high_water_mark && *line.unitCost == u.unit_cost) {
    r.outcome = Outcome::kUnchanged;
    r.units_after = row->units;
    r.cost_after = *line.unitCost;
    return;
  }

  ContractServiceAdjustment a;
  a.contractID = c.id;
  a.contractServiceID = line.id;
  a.serviceID = line.serviceID;
  a.unitChange = u.high_water_mark - row->units;
  a.effectiveDate = effective;
  a.adjustedUnitCost = u.unit_cost;
  r.adjustment = a;
  r.outcome = Outcome::kWouldUpdate;
  r.reason = note;
}

void Run::write(MappingResult& r) {
  const ContractServiceAdjustment& a = *r.adjustment;
  const std::string path = "Contracts/" + std::to_string(a.contractID) + "/ServiceAdjustments";
  auto id = client_.create(path, a.to_json(options_.effective_time));
  if (!id) {
    Error e = std::move(id).error();
    r.outcome = Outcome::kFailed;
    r.reason = "the adjustment was refused: " + e.describe();
    if (e.request_sent && (e.code == ErrorCode::kTimeout || e.code == ErrorCode::kTransport ||
                           e.code == ErrorCode::kOutage)) {
      r.reason = "the adjustment may or may not have been applied (" + e.describe() +
                 "); the next run reads the units again before writing";
    }
    r.error = std::move(e);
    client_.logger().warn("org " + r.mapping.org_id + ": " + r.reason);
    return;
  }
  r.outcome = Outcome::kUpdated;
  r.adjustment_id = *id;
}

void Run::read_back(SyncReport& report) {
  std::vector<Id> written;
  for (const auto& r : report.results) {
    if (r.outcome == Outcome::kUpdated) written.push_back(*r.contract_service_id);
  }
  if (written.empty()) return;

  Query around;
  const Date low = std::min(run_date_, period_start_);
  around.filter.push_back(
      Filter::condition(Op::kLte, "startDate", date_filter_value(next_period_start_)));
  around.filter.push_back(Filter::condition(Op::kGte, "endDate", date_filter_value(low)));
  auto rows = client_.query_in_as<ContractServiceUnit>("contractServiceID", written, around);
  auto lines = client_.query_in_as<ContractService>("id", written);
  if (!rows || !lines) {
    const Error& e = !rows ? rows.error() : lines.error();
    for (auto& r : report.results) {
      if (r.outcome == Outcome::kUpdated) {
        r.reason = "written, but the read-back failed: " + e.describe();
      }
    }
    return;
  }
  std::unordered_map<Id, std::vector<ContractServiceUnit>> rows_by_line;
  for (auto& row : *rows) rows_by_line[row.contractServiceID].push_back(std::move(row));
  auto lines_by_id = by_id(std::move(*lines));

  for (auto& r : report.results) {
    if (r.outcome != Outcome::kUpdated) continue;
    const ContractServiceUnit* row = covering_row(rows_by_line[*r.contract_service_id],
                                                  *r.effective_date);
    if (row) r.units_after = row->units;
    if (auto l = lines_by_id.find(*r.contract_service_id);
        l != lines_by_id.end() && l->second.unitCost.has_value()) {
      r.cost_after = *l->second.unitCost;
    }
    if (r.units_after != r.units_target || r.cost_after != r.cost_target) {
      r.outcome = Outcome::kFailed;
      r.reason = "adjustment " + std::to_string(r.adjustment_id.value_or(0)) +
                 " was accepted, but Autotask now holds " +
                 (r.units_after ? std::to_string(*r.units_after) : std::string("no")) +
                 " units at " + (r.cost_after ? r.cost_after->to_string() : std::string("?")) +
                 " instead of " + std::to_string(*r.units_target) + " at " +
                 r.cost_target->to_string() + "; check the contract in Autotask";
      client_.logger().warn("org " + r.mapping.org_id + ": " + r.reason);
    }
  }
}

Result<SyncReport> Run::execute() {
  const auto started = Clock::now();
  const std::uint64_t requests_before = client_.request_count();
  SyncReport report;
  report.dry_run = options_.dry_run;
  report.time_zone = options_.time_zone;
  report.policy = options_.effective_date;
  report.effective_time = options_.effective_time;

  // Validate the input before any request.
  auto dates = detail::run_dates(options_);
  if (!dates) return std::move(dates).error();
  dates_ = *dates;
  run_date_ = dates_.run_date;
  period_start_ = dates_.period_start;
  next_period_start_ = dates_.next_period_start;
  default_effective_ = dates_.default_effective;
  report.run_date = run_date_;
  report.effective_date = default_effective_;
  for (const auto& u : usage_) {
    if (!usage_by_org_.emplace(u.org_id, &u).second) {
      return Error(ErrorCode::kInvalidArgument, "usage for org '" + u.org_id + "' is given twice");
    }
  }

  std::set<std::string> mapped;
  eligible_.assign(mappings_.size(), false);
  resolved_.assign(mappings_.size(), MappingState{});
  report.results.resize(mappings_.size());
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    MappingResult& r = report.results[i];
    r.mapping = mappings_[i];
    if (!mapped.insert(mappings_[i].org_id).second) {
      skip(r, "mapping.duplicate_org", "org '" + mappings_[i].org_id + "' is mapped more than once; only its first "
                                               "mapping is synced");
    } else if (!usage_by_org_.count(mappings_[i].org_id)) {
      skip(r, "usage.missing", "no usage was reported for this org");
    } else {
      eligible_[i] = true;
    }
  }
  for (const auto& u : usage_) {
    if (!mapped.count(u.org_id)) report.unmapped_usage.push_back(u.org_id);
  }
  client_.logger().info("billing sync of " + std::to_string(mappings_.size()) +
                        " mappings, effective " + format_date(default_effective_) + " (" +
                        to_string(options_.effective_date) + ", " + options_.time_zone + ")" +
                        (options_.dry_run ? ", dry run" : ""));

  if (auto loaded = load(); !loaded) return std::move(loaded).error();

  // Resolve and plan every mapping; then refuse two orgs billing the same contract line.
  std::map<Id, std::vector<std::size_t>> by_line;
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (!eligible_[i]) continue;
    resolve(i, report.results[i]);
    if (report.results[i].contract_service_id && report.results[i].reason.empty()) {
      by_line[*report.results[i].contract_service_id].push_back(i);
    }
  }
  for (const auto& [line, indexes] : by_line) {
    if (indexes.size() < 2) {
      plan(report.results[indexes.front()], resolved_[indexes.front()]);
      continue;
    }
    std::string orgs;
    for (auto i : indexes) orgs += (orgs.empty() ? "" : ", ") + mappings_[i].org_id;
    for (auto i : indexes) {
      skip(report.results[i], "line.shared", "orgs " + orgs + " are all mapped to contract service " +
                                  std::to_string(line) + "; map each org to its own line");
    }
  }

  // Write, one adjustment per contract service, in input order.
  std::size_t done = 0;
  for (auto& r : report.results) {
    if (r.outcome == Outcome::kWouldUpdate && !options_.dry_run) write(r);
    if (r.outcome == Outcome::kSkipped) {
      client_.logger().warn("org " + r.mapping.org_id + " skipped: " + r.reason);
    }
    if (options_.progress) options_.progress(++done, report.results.size());
  }
  if (!options_.dry_run) read_back(report);

  for (const auto& r : report.results) {
    switch (r.outcome) {
      case Outcome::kUpdated: ++report.totals.updated; break;
      case Outcome::kWouldUpdate: ++report.totals.would_update; break;
      case Outcome::kUnchanged: ++report.totals.unchanged; break;
      case Outcome::kSkipped: ++report.totals.skipped; break;
      case Outcome::kFailed: ++report.totals.failed; break;
    }
  }
  report.requests = client_.request_count() - requests_before;
  report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           Clock::now() - started)
                           .count();
  client_.logger().info("billing sync finished: " + report.summary());
  return report;
}

}  // namespace

Result<SyncReport> run_billing_sync(Client& client, const std::vector<Mapping>& mappings,
                                    const std::vector<Usage>& usage,
                                    const BillingOptions& options) {
  Run run(client, mappings, usage, options);
  return run.execute();
}

}  // namespace autotask_sync
