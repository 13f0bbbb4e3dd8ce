#include <autotask_sync/sync/billing.hpp>
#include <autotask_sync/model/json_util.hpp>

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

bj::value date_filter_value(Date d) { return bj::string(format_date(d) + "T00:00:00"); }

template <class T>
std::unordered_map<Id, T> by_id(std::vector<T> items) {
  std::unordered_map<Id, T> out;
  for (auto& i : items) {
    const Id id = i.id;
    out.emplace(id, std::move(i));
  }
  return out;
}

// The row covering d; when two rows claim d (an end date read as exclusive), the later one.
const ContractServiceUnit* covering_row(const std::vector<ContractServiceUnit>& rows, Date d) {
  const ContractServiceUnit* best = nullptr;
  for (const auto& r : rows) {
    if (r.covers(d) && (!best || best->startDate < r.startDate)) best = &r;
  }
  return best;
}

std::string contract_label(const Contract& c) {
  return "contract " + std::to_string(c.id) +
         (c.contractName.empty() ? "" : " '" + c.contractName + "'");
}

// Why the contract is not in force on the effective date, or nullopt when it is.
std::optional<std::string> out_of_force(const Contract& c, Date effective) {
  if (c.endDate.has_value() && *c.endDate < effective) {
    return contract_label(c) + " ended on " + format_date(*c.endDate) +
           ", before the effective date " + format_date(effective) +
           "; renew the contract or remap the org";
  }
  if (c.startDate.has_value() && effective < *c.startDate) {
    return contract_label(c) + " starts on " + format_date(*c.startDate) +
           ", after the effective date " + format_date(effective) +
           "; map the org to the contract in force or wait for it to start";
  }
  return std::nullopt;
}

struct Resolved {
  const Company* company = nullptr;
  const Contract* contract = nullptr;
  const Service* service = nullptr;
  const ContractService* line = nullptr;
};

class Run {
 public:
  Run(Client& client, const std::vector<Mapping>& mappings, const std::vector<Usage>& usage,
      const BillingOptions& options)
      : client_(client), mappings_(mappings), usage_(usage), options_(options) {}

  Result<SyncReport> execute();

 private:
  void skip(MappingResult& r, std::string reason) {
    r.outcome = Outcome::kSkipped;
    r.reason = std::move(reason);
  }
  Result<void> load();
  void resolve(std::size_t index, MappingResult& r);
  void plan(MappingResult& r, const Resolved& x);
  void write(MappingResult& r);
  void read_back(SyncReport& report);

  Client& client_;
  const std::vector<Mapping>& mappings_;
  const std::vector<Usage>& usage_;
  const BillingOptions& options_;

  Date run_date_{};
  Date period_start_{}, next_period_start_{}, default_effective_{};
  std::unordered_map<std::string, const Usage*> usage_by_org_;
  std::vector<bool> eligible_;
  std::unordered_map<Id, Company> companies_;
  std::unordered_map<Id, Contract> contracts_;
  std::unordered_map<Id, Service> services_;
  std::unordered_map<Id, std::vector<ContractService>> lines_by_contract_;
  std::unordered_map<Id, std::vector<ContractServiceUnit>> rows_by_line_;
  std::vector<Resolved> resolved_;
};

Result<void> Run::load() {
  std::set<Id> company_ids, contract_ids, service_ids;
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    if (!eligible_[i]) continue;
    company_ids.insert(mappings_[i].company_id);
    contract_ids.insert(mappings_[i].contract_id);
    service_ids.insert(mappings_[i].service_id);
  }
  if (contract_ids.empty()) return {};
  auto ids = [](const std::set<Id>& s) { return std::vector<Id>(s.begin(), s.end()); };

  auto companies = client_.query_in_as<Company>("id", ids(company_ids));
  if (!companies) return std::move(companies).error();
  companies_ = by_id(std::move(*companies));

  auto contracts = client_.query_in_as<Contract>("id", ids(contract_ids));
  if (!contracts) return std::move(contracts).error();
  contracts_ = by_id(std::move(*contracts));

  auto services = client_.query_in_as<Service>("id", ids(service_ids));
  if (!services) return std::move(services).error();
  services_ = by_id(std::move(*services));

  // Every line of the mapped contracts: needed to tell "service not on the contract" and
  // "service on it twice" apart from a wrong contract service id.
  auto lines = client_.query_in_as<ContractService>("contractID", ids(contract_ids));
  if (!lines) return std::move(lines).error();
  std::set<Id> line_ids;
  for (auto& l : *lines) {
    if (service_ids.count(l.serviceID)) line_ids.insert(l.id);
    lines_by_contract_[l.contractID].push_back(std::move(l));
  }
  if (line_ids.empty()) return {};

  // Rows around the candidate effective dates only: the current and the next period, or the day.
  const Date low = options_.effective_date == EffectiveDatePolicy::kProrate ? run_date_
                   : options_.effective_date == EffectiveDatePolicy::kNextPeriod
                       ? next_period_start_
                       : period_start_;
  const Date high = options_.effective_date == EffectiveDatePolicy::kProrate ? run_date_
                                                                            : next_period_start_;
  Query around;
  around.filter.push_back(Filter::condition(Op::kLte, "startDate", date_filter_value(high)));
  around.filter.push_back(Filter::condition(Op::kGte, "endDate", date_filter_value(low)));
  auto rows = client_.query_in_as<ContractServiceUnit>("contractServiceID", ids(line_ids), around);
  if (!rows) return std::move(rows).error();
  for (auto& row : *rows) rows_by_line_[row.contractServiceID].push_back(std::move(row));
  return {};
}

void Run::resolve(std::size_t index, MappingResult& r) {
  const Mapping& m = mappings_[index];
  Resolved& x = resolved_[index];
  // Names first, so that even a skipped mapping reads well in the report.
  if (auto s = services_.find(m.service_id); s != services_.end()) r.service_name = s->second.name;
  if (auto c = contracts_.find(m.contract_id); c != contracts_.end()) {
    r.contract_name = c->second.contractName;
  }

  auto company = companies_.find(m.company_id);
  if (company == companies_.end()) {
    return skip(r, "company " + std::to_string(m.company_id) +
                       " was not found in Autotask (deleted, or not visible to the API user)");
  }
  x.company = &company->second;
  r.company_name = x.company->companyName;
  if (x.company->isActive.has_value() && !*x.company->isActive) {
    return skip(r, "company " + std::to_string(m.company_id) + " '" + r.company_name +
                       "' is inactive in Autotask; reactivate it or remap the org");
  }

  auto contract = contracts_.find(m.contract_id);
  if (contract == contracts_.end()) {
    return skip(r, "contract " + std::to_string(m.contract_id) + " was not found in Autotask");
  }
  x.contract = &contract->second;
  const Contract& c = *x.contract;
  r.contract_name = c.contractName;
  if (c.companyID != m.company_id) {
    return skip(r, contract_label(c) + " belongs to company " + std::to_string(c.companyID) +
                       ", not to company " + std::to_string(m.company_id) + "; fix the mapping");
  }
  if (c.contractType.value_or(0) != kContractTypeRecurringService) {
    return skip(r, contract_label(c) + " is not a Recurring Service contract (contractType " +
                       (c.contractType ? std::to_string(*c.contractType) : "unset") +
                       "); map the org to a Recurring Service contract");
  }
  if (c.status.value_or(-1) != options_.active_contract_status) {
    return skip(r, contract_label(c) + " is not active (status " +
                       (c.status ? std::to_string(*c.status) : "unset") +
                       "); activate it or remap the org");
  }

  if (auto why = out_of_force(c, default_effective_)) return skip(r, *why);

  auto service = services_.find(m.service_id);
  if (service == services_.end()) {
    return skip(r, "service " + std::to_string(m.service_id) + " was not found in Autotask");
  }
  x.service = &service->second;
  r.service_name = x.service->name;

  const auto& lines = lines_by_contract_[c.id];
  if (m.contract_service_id) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const ContractService& l) { return l.id == *m.contract_service_id; });
    if (it == lines.end()) {
      return skip(r, "contract service " + std::to_string(*m.contract_service_id) +
                         " is not on " + contract_label(c) + "; fix or remove contract_service_id");
    }
    if (it->serviceID != m.service_id) {
      return skip(r, "contract service " + std::to_string(it->id) + " is for service " +
                         std::to_string(it->serviceID) + ", not for service " +
                         std::to_string(m.service_id) + "; fix the mapping");
    }
    x.line = &*it;
  } else {
    std::vector<const ContractService*> matching;
    for (const auto& l : lines) {
      if (l.serviceID == m.service_id) matching.push_back(&l);
    }
    if (matching.empty()) {
      return skip(r, contract_label(c) + " does not carry service " +
                         std::to_string(m.service_id) + " '" + r.service_name +
                         "': add the service to the contract in Autotask (the sync never adds a "
                         "contract line by itself)");
    }
    if (matching.size() > 1) {
      return skip(r, contract_label(c) + " carries service " + std::to_string(m.service_id) +
                         " " + std::to_string(matching.size()) +
                         " times; set contract_service_id in the mapping to pick one");
    }
    x.line = matching.front();
  }
  r.contract_service_id = x.line->id;
}

void Run::plan(MappingResult& r, const Resolved& x) {
  const Contract& c = *x.contract;
  const ContractService& line = *x.line;
  const Usage& u = *usage_by_org_.at(r.mapping.org_id);
  const auto& rows = rows_by_line_[line.id];

  Date effective = default_effective_;
  std::string note;
  if (options_.effective_date == EffectiveDatePolicy::kPeriod) {
    const ContractServiceUnit* current = covering_row(rows, period_start_);
    if (current && current->approveAndPostDate.has_value()) {
      effective = next_period_start_;
      note = "the period starting " + format_date(period_start_) +
             " is already approved and posted, so the change starts with the next period";
    }
  }
  r.effective_date = effective;

  if (auto why = out_of_force(c, effective)) return skip(r, *why);
  if (!line.unitCost.has_value()) {
    return skip(r, "the unit cost of contract service " + std::to_string(line.id) +
                       " cannot be read: give the API user a security level that can read costs "
                       "(API User (system))");
  }
  const ContractServiceUnit* row = covering_row(rows, effective);
  if (!row) {
    return skip(r, "Autotask has no units row for contract service " + std::to_string(line.id) +
                       " covering " + format_date(effective));
  }

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
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
  auto today = civil_date_in_zone(now, options_.time_zone);
  if (!today) return std::move(today).error();
  run_date_ = *today;
  period_start_ = first_of_month(run_date_);
  next_period_start_ = first_of_next_month(run_date_);
  default_effective_ = options_.effective_date == EffectiveDatePolicy::kPeriod ? period_start_
                       : options_.effective_date == EffectiveDatePolicy::kNextPeriod
                           ? next_period_start_
                           : run_date_;
  report.run_date = run_date_;
  report.effective_date = default_effective_;
  for (const auto& u : usage_) {
    if (!usage_by_org_.emplace(u.org_id, &u).second) {
      return Error(ErrorCode::kInvalidArgument, "usage for org '" + u.org_id + "' is given twice");
    }
  }

  std::set<std::string> mapped;
  eligible_.assign(mappings_.size(), false);
  resolved_.assign(mappings_.size(), Resolved{});
  report.results.resize(mappings_.size());
  for (std::size_t i = 0; i < mappings_.size(); ++i) {
    MappingResult& r = report.results[i];
    r.mapping = mappings_[i];
    if (!mapped.insert(mappings_[i].org_id).second) {
      skip(r, "org '" + mappings_[i].org_id + "' is mapped more than once; only its first "
                                               "mapping is synced");
    } else if (!usage_by_org_.count(mappings_[i].org_id)) {
      skip(r, "no usage was reported for this org");
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
      skip(report.results[i], "orgs " + orgs + " are all mapped to contract service " +
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
