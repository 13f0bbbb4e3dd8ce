#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/billing.hpp>

#include "sync/mapping_check.hpp"
#include "sync/plan_internal.hpp"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace autotask_sync {
namespace bj = boost::json;

const char* to_string(EffectiveDatePolicy p) noexcept {
  switch (p) {
    case EffectiveDatePolicy::kPeriod:
      return "period";
    case EffectiveDatePolicy::kNextPeriod:
      return "next_period";
    case EffectiveDatePolicy::kProrate:
      return "prorate";
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
    case Outcome::kUpdated:
      return "updated";
    case Outcome::kWouldUpdate:
      return "would_update";
    case Outcome::kUnchanged:
      return "unchanged";
    case Outcome::kSkipped:
      return "skipped";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kHeld:
      return "held";
  }
  return "failed";
}

const char* to_string(DecreasePolicy p) noexcept {
  return p == DecreasePolicy::kNeverWithinPeriod ? "never_within_period" : "mirror";
}

Result<DecreasePolicy> parse_decrease_policy(std::string_view text) {
  if (text == "mirror") return DecreasePolicy::kMirror;
  if (text == "never_within_period") return DecreasePolicy::kNeverWithinPeriod;
  return Error(ErrorCode::kInvalidArgument,
               "billing.decrease must be mirror or never_within_period (got '" +
                   std::string(text.substr(0, 40)) + "')");
}

const char* to_string(OffboardingPolicy p) noexcept {
  return p == OffboardingPolicy::kZeroNextPeriod ? "zero_next_period" : "report";
}

Result<OffboardingPolicy> parse_offboarding_policy(std::string_view text) {
  if (text == "report") return OffboardingPolicy::kReport;
  if (text == "zero_next_period") return OffboardingPolicy::kZeroNextPeriod;
  return Error(ErrorCode::kInvalidArgument,
               "billing.offboarding must be report or zero_next_period (got '" +
                   std::string(text.substr(0, 40)) + "')");
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
using detail::covering_row;
using RowsByLine = std::unordered_map<Id, std::vector<ContractServiceUnit>>;

Date day_before(Date d) {
  return Date{std::chrono::sys_days(d) - std::chrono::days(1)};
}

std::string money(const std::optional<Decimal>& d) {
  return d ? d->to_string() : "?";
}

// A failed create that Autotask may have carried out: the request went out and no answer says
// it was refused.
bool ambiguous(const Error& e) {
  return e.request_sent && (e.code == ErrorCode::kTimeout || e.code == ErrorCode::kTransport ||
                            e.code == ErrorCode::kOutage || e.code == ErrorCode::kProtocol ||
                            e.code == ErrorCode::kInternal);
}

// Where a write of `delta` dated `effective` should leave the rows, compared with where it did:
// a message with the figures when the change landed on another date or replaced an earlier
// same-date change instead of adding to it.
std::optional<std::string> landing_mismatch(Id line, Date effective, std::int64_t before,
                                            std::int64_t delta,
                                            const std::vector<ContractServiceUnit>& rows_before,
                                            const std::vector<ContractServiceUnit>& rows_after) {
  const std::string label = "contract service " + std::to_string(line);
  std::set<Date> starts;
  for (const auto& r : rows_before) starts.insert(r.startDate);
  for (const auto& r : rows_after) {
    if (r.startDate != effective && !starts.count(r.startDate) &&
        r.startDate < first_of_next_month(effective)) {
      return "the adjustment dated " + format_date(effective) + " on " + label + " landed on " +
             format_date(r.startDate) +
             " (Autotask moved the date, probably by its database's time zone); set "
             "billing.effective_time so that the date survives, e.g. 12:00:00";
    }
  }
  const Date prior = day_before(effective);
  const ContractServiceUnit* was = covering_row(rows_before, prior);
  const ContractServiceUnit* now = covering_row(rows_after, prior);
  if (was && now && was->units != now->units) {
    return "the adjustment dated " + format_date(effective) + " on " + label +
           " also changed the units of " + format_date(prior) + " from " +
           std::to_string(was->units) + " to " + std::to_string(now->units) +
           ": Autotask dated it earlier than sent";
  }
  const ContractServiceUnit* row = covering_row(rows_after, effective);
  if (!row)
    return "after the adjustment " + label + " has no units row covering " + format_date(effective);
  if (row->units != before + delta) {
    return label + " holds " + std::to_string(row->units) + " units on " + format_date(effective) +
           " after an adjustment of " + (delta >= 0 ? "+" : "") + std::to_string(delta) + " from " +
           std::to_string(before) + " (expected " + std::to_string(before + delta) +
           "): adjustments dated the same day replace each other instead of adding up";
  }
  return std::nullopt;
}

class Applier {
 public:
  Applier(Client& client, const Plan& plan, const ApplyOptions& options, const RowsByLine* fresh)
      : client_(client), plan_(plan), options_(options), fresh_(fresh) {}

  Result<SyncReport> execute();

 private:
  struct Written {
    bool ok = false;
    std::optional<Id> id;
    std::string note;
    std::optional<Error> error;
    std::string reason;
  };

  Result<void> reread();
  void check_stale(MappingResult& r);
  Written write(const ContractServiceAdjustment& a, std::int64_t before, std::int64_t target,
                std::optional<Decimal> cost_target);
  Result<std::pair<std::vector<ContractServiceUnit>, std::optional<ContractService>>> read_line(
      Id line, Date effective);
  Result<std::vector<ContractServiceUnit>> read_rows(Id line, Date effective);
  void after_first_write(const ContractServiceAdjustment& a, std::int64_t before,
                         const std::vector<ContractServiceUnit>& rows_after, MappingResult& r,
                         PreviousLineChange* p);
  void write_main(MappingResult& r);
  void write_previous(MappingResult& r);
  void note(MappingResult& r, const std::string& what);
  void read_back();
  void stop_skip(MappingResult& r);

  Client& client_;
  const Plan& plan_;
  const ApplyOptions& options_;
  const RowsByLine* fresh_;
  SyncReport report_;
  RowsByLine rows_before_;
  std::unordered_map<Id, ContractService> lines_now_;
  std::set<std::pair<Id, std::int64_t>> written_;  // (contract service, effective day)
  std::size_t writes_total_ = 0, writes_done_ = 0;
  bool landing_pending_ = false;  // the one write's landing is checked with the read-back
  struct Pending {
    MappingResult* r = nullptr;
    PreviousLineChange* p = nullptr;
    ContractServiceAdjustment a;
    std::int64_t before = 0;
  } pending_;
};

Result<void> Applier::reread() {
  std::set<Id> lines;
  Date from{}, to{};
  bool any = false;
  auto add = [&](const ContractServiceAdjustment& a) {
    lines.insert(a.contractServiceID);
    const Date f = day_before(a.effectiveDate), t = last_of_month(a.effectiveDate);
    if (!any || f < from) from = f;
    if (!any || to < t) to = t;
    any = true;
  };
  for (const auto& r : report_.results) {
    if (r.outcome == Outcome::kWouldUpdate && r.adjustment) add(*r.adjustment);
    if (r.previous_line && r.previous_line->outcome == Outcome::kWouldUpdate &&
        r.previous_line->adjustment) {
      add(*r.previous_line->adjustment);
    }
  }
  writes_total_ = 0;
  for (const auto& r : report_.results) {
    if (r.outcome == Outcome::kWouldUpdate) ++writes_total_;
    if (r.previous_line && r.previous_line->outcome == Outcome::kWouldUpdate) ++writes_total_;
  }
  if (fresh_) {
    rows_before_ = *fresh_;
    return {};
  }
  if (lines.empty()) return {};
  const std::vector<Id> ids(lines.begin(), lines.end());
  auto rows = client_.query_in_as<ContractServiceUnit>("contractServiceID", ids,
                                                       detail::rows_window(from, to));
  if (!rows) return std::move(rows).error();
  for (const auto& row : *rows) rows_before_[row.contractServiceID].push_back(row);
  auto now = client_.query_in_as<ContractService>("id", ids);
  if (!now) return std::move(now).error();
  for (auto& l : *now) lines_now_.emplace(l.id, std::move(l));
  for (auto& r : report_.results) check_stale(r);
  return {};
}

void Applier::check_stale(MappingResult& r) {
  auto stale = [&](std::string code, std::string why) {
    r.outcome = Outcome::kSkipped;
    r.reason_code = std::move(code);
    r.reason = std::move(why);
  };
  if (r.outcome == Outcome::kWouldUpdate && r.adjustment) {
    const ContractServiceAdjustment& a = *r.adjustment;
    auto it = lines_now_.find(a.contractServiceID);
    const ContractServiceUnit* row =
        covering_row(rows_before_[a.contractServiceID], a.effectiveDate);
    if (it == lines_now_.end()) {
      stale("plan.stale", "contract service " + std::to_string(a.contractServiceID) +
                              " is no longer in Autotask; make a new plan");
    } else if (it->second.contractID != a.contractID || it->second.serviceID != a.serviceID) {
      stale("line.mismatch", "contract service " + std::to_string(a.contractServiceID) +
                                 " belongs to contract " + std::to_string(it->second.contractID) +
                                 " and service " + std::to_string(it->second.serviceID) +
                                 ", not to contract " + std::to_string(a.contractID) +
                                 " and service " + std::to_string(a.serviceID));
    } else if (!row || row->units != r.units_before) {
      stale("plan.stale", "the units moved since the plan was made: planned from " +
                              std::to_string(r.units_before.value_or(0)) + ", Autotask now holds " +
                              (row ? std::to_string(row->units) : std::string("no row")) + " on " +
                              format_date(a.effectiveDate) + "; make a new plan");
    } else if (!it->second.unitCost.has_value() || *it->second.unitCost != r.cost_before) {
      stale("plan.stale",
            "the unit cost moved since the plan was made: planned from " + money(r.cost_before) +
                ", Autotask now holds " +
                money(it->second.unitCost.has_value() ? std::optional<Decimal>(*it->second.unitCost)
                                                      : std::nullopt) +
                "; make a new plan");
    } else if (r.price_target &&
               (it->second.unitPrice.has_value() ? std::optional<Decimal>(*it->second.unitPrice)
                                                 : std::nullopt) != r.price_before) {
      stale("plan.stale", "the unit price moved since the plan was made; make a new plan");
    }
  }
  if (r.previous_line && r.previous_line->outcome == Outcome::kWouldUpdate &&
      r.previous_line->adjustment) {
    PreviousLineChange& p = *r.previous_line;
    const ContractServiceAdjustment& a = *p.adjustment;
    auto it = lines_now_.find(a.contractServiceID);
    const ContractServiceUnit* row =
        covering_row(rows_before_[a.contractServiceID], a.effectiveDate);
    std::string why;
    if (it == lines_now_.end() || it->second.contractID != a.contractID ||
        it->second.serviceID != a.serviceID) {
      why = "the old contract service " + std::to_string(a.contractServiceID) +
            " is no longer on contract " + std::to_string(a.contractID) + " for service " +
            std::to_string(a.serviceID);
    } else if (!row || row->units != p.units_before) {
      why = "the old line's units moved since the plan was made (planned from " +
            std::to_string(p.units_before.value_or(0)) + ", now " +
            (row ? std::to_string(row->units) : std::string("no row")) + ")";
    }
    if (!why.empty()) {
      p.outcome = Outcome::kSkipped;
      p.reason_code = "plan.stale";
      p.reason = why + "; make a new plan";
    }
  }
}

Result<std::vector<ContractServiceUnit>> Applier::read_rows(Id line, Date effective) {
  return client_.query_in_as<ContractServiceUnit>(
      "contractServiceID", {line},
      detail::rows_window(day_before(effective), last_of_month(effective)));
}

Result<std::pair<std::vector<ContractServiceUnit>, std::optional<ContractService>>>
Applier::read_line(Id line, Date effective) {
  auto rows = read_rows(line, effective);
  if (!rows) return std::move(rows).error();
  auto lines = client_.query_in_as<ContractService>("id", {line});
  if (!lines) return std::move(lines).error();
  std::optional<ContractService> l;
  if (!lines->empty()) l = std::move(lines->front());
  return std::make_pair(std::move(*rows), std::move(l));
}

Applier::Written Applier::write(const ContractServiceAdjustment& a, std::int64_t before,
                                std::int64_t target, std::optional<Decimal> cost_target) {
  Written w;
  const auto key = std::make_pair(
      a.contractServiceID,
      static_cast<std::int64_t>(std::chrono::sys_days(a.effectiveDate).time_since_epoch().count()));
  if (written_.count(key)) {
    w.reason = "a second adjustment of contract service " + std::to_string(a.contractServiceID) +
               " dated " + format_date(a.effectiveDate) + " in one run is refused";
    return w;
  }
  const std::string path = "Contracts/" + std::to_string(a.contractID) + "/ServiceAdjustments";
  auto id = client_.create(path, a.to_json(plan_.effective_time));
  if (id) {
    written_.insert(key);
    w.ok = true;
    w.id = *id;
    return w;
  }
  Error e = std::move(id).error();
  if (!ambiguous(e)) {
    w.reason = "the adjustment was refused: " + e.describe();
    w.error = std::move(e);
    return w;
  }
  // Autotask may have applied it: read the line before sending anything again.
  auto now = read_line(a.contractServiceID, a.effectiveDate);
  if (!now) {
    w.reason = "the adjustment may or may not have been applied (" + e.describe() +
               ") and the units could not be read again (" + now.error().describe() +
               "); the next run reads the units again before writing";
    w.error = std::move(e);
    return w;
  }
  const ContractServiceUnit* row = covering_row(now->first, a.effectiveDate);
  const bool cost_ok = !cost_target || (now->second && now->second->unitCost.has_value() &&
                                        *now->second->unitCost == *cost_target);
  if (row && row->units == target && cost_ok) {
    written_.insert(key);
    w.ok = true;
    w.note = "the answer to the adjustment was lost (" + e.describe() +
             "), but Autotask already holds the target; it was not sent again";
    return w;
  }
  if (!row || row->units != before) {
    w.reason = "the adjustment may or may not have been applied (" + e.describe() +
               "); the units now read " +
               (row ? std::to_string(row->units) : std::string("no row")) + ", neither the " +
               std::to_string(before) + " before nor the target " + std::to_string(target) +
               ", so it is not retried";
    w.error = std::move(e);
    return w;
  }
  auto again = client_.create(path, a.to_json(plan_.effective_time));
  if (!again) {
    w.reason = "the adjustment failed twice: " + e.describe() + "; then " +
               again.error().describe() + "; the units were read in between and still held " +
               std::to_string(before);
    w.error = std::move(again).error();
    return w;
  }
  written_.insert(key);
  w.ok = true;
  w.id = *again;
  w.note = "the first attempt failed without an answer (" + e.describe() +
           "); the units still held " + std::to_string(before) + ", so it was sent once more";
  return w;
}

void Applier::stop_skip(MappingResult& r) {
  if (r.outcome == Outcome::kWouldUpdate) {
    r.outcome = Outcome::kSkipped;
    r.reason_code = "sync.landing_mismatch";
    r.reason = "not written: the run stopped writing after its first write (" +
               report_.stopped_reason + ")";
  }
  if (r.previous_line && r.previous_line->outcome == Outcome::kWouldUpdate) {
    r.previous_line->outcome = Outcome::kSkipped;
    r.previous_line->reason_code = "sync.landing_mismatch";
    r.previous_line->reason =
        "not zeroed: the run stopped writing (" + report_.stopped_reason + ")";
  }
}

void Applier::after_first_write(const ContractServiceAdjustment& a, std::int64_t before,
                                const std::vector<ContractServiceUnit>& rows_after,
                                MappingResult& r, PreviousLineChange* p) {
  auto why = landing_mismatch(a.contractServiceID, a.effectiveDate, before, a.unitChange,
                              rows_before_[a.contractServiceID], rows_after);
  if (!why) return;
  report_.stopped_code = "sync.landing_mismatch";
  report_.stopped_reason = *why;
  client_.logger().error("billing sync stopped writing: " + *why);
  if (p) {
    p->outcome = Outcome::kFailed;
    p->reason_code = "sync.landing_mismatch";
    p->reason = *why;
  } else {
    r.outcome = Outcome::kFailed;
    r.reason_code = "sync.landing_mismatch";
    r.reason = *why;
  }
}

void Applier::note(MappingResult& r, const std::string& what) {
  if (!plan_.contract_notes) return;
  const Id contract = r.mapping.contract_id;
  bj::object body;
  body["contractID"] = contract;
  std::string title = "Billing sync: " + what;
  if (title.size() > 250) title.resize(250);
  body["title"] = title;
  std::string d =
      "The billing sync (plan " + plan_.plan_id + ") " + what + " for portal org '" +
      r.mapping.org_id + "'" + (r.mapping.org_name.empty() ? "" : " (" + r.mapping.org_name + ")") +
      ", effective " + (r.effective_date ? format_date(*r.effective_date) : "?") + ". Why: " +
      (r.usage_source == "samples" ? "the peak of the portal's user samples in the billing month"
       : r.usage_source == "offboarding" ? "the org left the portal"
                                         : "the portal's high-water mark of users") +
      (r.effective_date_reason.empty() ? "" : "; " + r.effective_date_reason) +
      (r.reason.empty() ? "" : "; " + r.reason) + ".";
  body["description"] = d;
  auto id = client_.create("Contracts/" + std::to_string(contract) + "/Notes", body);
  if (id) {
    r.note_id = *id;
  } else {
    r.notes.push_back("the contract note could not be written: " + id.error().describe());
    client_.logger().warn("org " + r.mapping.org_id +
                          ": contract note failed: " + id.error().describe());
  }
}

void Applier::write_main(MappingResult& r) {
  const ContractServiceAdjustment& a = *r.adjustment;
  Written w = write(a, *r.units_before, *r.units_target, r.cost_target);
  if (!w.ok) {
    r.outcome = Outcome::kFailed;
    r.reason = w.reason;
    r.error = std::move(w.error);
    client_.logger().warn("org " + r.mapping.org_id + ": " + r.reason);
    return;
  }
  r.outcome = Outcome::kUpdated;
  r.adjustment_id = w.id;
  if (!w.note.empty()) r.notes.push_back(w.note);
  ++writes_done_;
  if (writes_done_ == 1) {
    if (writes_total_ > 1) {
      auto rows = read_rows(a.contractServiceID, a.effectiveDate);
      if (rows) {
        after_first_write(a, *r.units_before, *rows, r, nullptr);
      } else {
        r.notes.push_back("the landing check could not read the line: " + rows.error().describe());
      }
    } else {
      landing_pending_ = true;
      pending_ = {&r, nullptr, a, *r.units_before};
    }
  }
  std::string what = "set " +
                     (r.service_name.empty() ? "service " + std::to_string(a.serviceID)
                                             : "'" + r.service_name + "'") +
                     " (contract service " + std::to_string(a.contractServiceID) + ") from " +
                     std::to_string(*r.units_before) + " to " + std::to_string(*r.units_target) +
                     " units";
  if (r.cost_before != r.cost_target) {
    what += ", unit cost " + money(r.cost_before) + " to " + money(r.cost_target);
  }
  if (r.price_target && r.price_before != r.price_target) {
    what += ", unit price " + money(r.price_before) + " to " + money(r.price_target);
  }
  note(r, what);
}

void Applier::write_previous(MappingResult& r) {
  PreviousLineChange& p = *r.previous_line;
  const ContractServiceAdjustment& a = *p.adjustment;
  Written w = write(a, *p.units_before, 0, std::nullopt);
  if (!w.ok) {
    p.outcome = Outcome::kFailed;
    p.reason = "the old line could not be zeroed: " + w.reason;
    return;
  }
  p.outcome = Outcome::kUpdated;
  p.adjustment_id = w.id;
  if (!w.note.empty()) r.notes.push_back(w.note);
  ++writes_done_;
  if (writes_done_ == 1) {
    if (writes_total_ > 1) {
      auto rows = read_rows(a.contractServiceID, a.effectiveDate);
      if (rows) after_first_write(a, *p.units_before, *rows, r, &p);
    } else {
      landing_pending_ = true;
      pending_ = {&r, &p, a, *p.units_before};
    }
  }
  note(r, "zeroed the old contract service " + std::to_string(a.contractServiceID) + " (was " +
              std::to_string(*p.units_before) + " units) after a remap; remove it by hand");
}

void Applier::read_back() {
  std::set<Id> written;
  Date from{}, to{};
  bool any = false;
  auto add = [&](const ContractServiceAdjustment& a) {
    written.insert(a.contractServiceID);
    const Date f = day_before(a.effectiveDate), t = last_of_month(a.effectiveDate);
    if (!any || f < from) from = f;
    if (!any || to < t) to = t;
    any = true;
  };
  for (const auto& r : report_.results) {
    if (r.outcome == Outcome::kUpdated ||
        (r.outcome == Outcome::kFailed && r.reason_code == "sync.landing_mismatch")) {
      add(*r.adjustment);
    }
    if (r.previous_line && r.previous_line->adjustment &&
        (r.previous_line->outcome == Outcome::kUpdated ||
         r.previous_line->reason_code == "sync.landing_mismatch")) {
      add(*r.previous_line->adjustment);
    }
  }
  if (written.empty()) return;
  const std::vector<Id> ids(written.begin(), written.end());
  auto rows = client_.query_in_as<ContractServiceUnit>("contractServiceID", ids,
                                                       detail::rows_window(from, to));
  auto lines = client_.query_in_as<ContractService>("id", ids);
  if (!rows || !lines) {
    const Error& e = !rows ? rows.error() : lines.error();
    for (auto& r : report_.results) {
      if (r.outcome == Outcome::kUpdated) {
        r.notes.push_back("written, but the read-back failed: " + e.describe());
      }
    }
    return;
  }
  RowsByLine rows_by_line;
  for (const auto& row : *rows) rows_by_line[row.contractServiceID].push_back(row);
  std::unordered_map<Id, ContractService> lines_by_id;
  for (auto& l : *lines) lines_by_id.emplace(l.id, std::move(l));

  if (landing_pending_ && report_.stopped_code.empty()) {
    after_first_write(pending_.a, pending_.before, rows_by_line[pending_.a.contractServiceID],
                      *pending_.r, pending_.p);
  }
  for (auto& r : report_.results) {
    if (r.previous_line && r.previous_line->adjustment &&
        r.previous_line->outcome == Outcome::kUpdated) {
      PreviousLineChange& p = *r.previous_line;
      if (const auto* row =
              covering_row(rows_by_line[p.contract_service_id], p.adjustment->effectiveDate)) {
        p.units_after = row->units;
      }
      if (p.units_after != 0) {
        p.outcome = Outcome::kFailed;
        p.reason = "the old line was adjusted, but Autotask now holds " +
                   (p.units_after ? std::to_string(*p.units_after) : std::string("no")) +
                   " units instead of 0; check the contract in Autotask";
      }
    }
    if (r.outcome != Outcome::kUpdated) continue;
    const ContractServiceUnit* row =
        covering_row(rows_by_line[*r.contract_service_id], *r.effective_date);
    if (row) r.units_after = row->units;
    if (auto l = lines_by_id.find(*r.contract_service_id); l != lines_by_id.end()) {
      if (l->second.unitCost.has_value()) r.cost_after = *l->second.unitCost;
      if (l->second.unitPrice.has_value()) r.price_after = *l->second.unitPrice;
    }
    const bool price_off = r.price_target && r.price_after != r.price_target;
    if (r.units_after != r.units_target || r.cost_after != r.cost_target || price_off) {
      r.outcome = Outcome::kFailed;
      r.reason = "adjustment " +
                 (r.adjustment_id ? std::to_string(*r.adjustment_id) : std::string("(lost)")) +
                 " was accepted, but Autotask now holds " +
                 (r.units_after ? std::to_string(*r.units_after) : std::string("no")) +
                 " units at " + money(r.cost_after) + " instead of " +
                 std::to_string(*r.units_target) + " at " + money(r.cost_target) +
                 "; check the contract in Autotask";
      client_.logger().warn("org " + r.mapping.org_id + ": " + r.reason);
    }
  }
}

Result<SyncReport> Applier::execute() {
  const auto started = Clock::now();
  const std::uint64_t requests_before = client_.request_count();
  report_.dry_run = options_.dry_run;
  report_.run_date = plan_.run_date;
  report_.effective_date = plan_.effective_date;
  report_.time_zone = plan_.time_zone;
  report_.policy = plan_.policy;
  report_.effective_time = plan_.effective_time;
  report_.plan_id = plan_.plan_id;
  report_.unmapped_usage = plan_.unmapped_usage;
  report_.currencies = plan_.currencies;
  report_.samples_ignored = plan_.samples_ignored;
  report_.results.reserve(plan_.entries.size());
  for (const auto& e : plan_.entries) {
    MappingResult r = e;
    if (options_.only_approved && !e.approved) {
      if (r.outcome == Outcome::kWouldUpdate) {
        r.outcome = Outcome::kSkipped;
        r.reason_code = "plan.not_approved";
        r.reason = "the entry was not approved in the plan";
      }
      if (r.previous_line && r.previous_line->outcome == Outcome::kWouldUpdate) {
        r.previous_line->outcome = Outcome::kSkipped;
        r.previous_line->reason_code = "plan.not_approved";
        r.previous_line->reason = "the entry was not approved in the plan";
      }
    }
    report_.results.push_back(std::move(r));
  }

  if (auto read = reread(); !read) return std::move(read).error();

  if (!options_.dry_run) {
    std::size_t done = 0;
    for (auto& r : report_.results) {
      if (!report_.stopped_code.empty()) {
        stop_skip(r);
      } else {
        if (r.outcome == Outcome::kWouldUpdate && r.adjustment) write_main(r);
        const bool billed = r.outcome == Outcome::kUpdated || r.outcome == Outcome::kUnchanged;
        if (r.previous_line && r.previous_line->outcome == Outcome::kWouldUpdate) {
          if (!billed) {
            r.previous_line->outcome = Outcome::kSkipped;
            r.previous_line->reason_code = "remap.waiting";
            r.previous_line->reason =
                "the old line is not zeroed while the new line is not "
                "billed";
          } else if (report_.stopped_code.empty()) {
            write_previous(r);
          } else {
            stop_skip(r);
          }
        }
      }
      if (r.outcome == Outcome::kSkipped) {
        client_.logger().warn("org " + r.mapping.org_id + " skipped: " + r.reason);
      }
      if (options_.progress) options_.progress(++done, report_.results.size());
    }
    read_back();
  } else if (options_.progress) {
    options_.progress(report_.results.size(), report_.results.size());
  }

  for (auto& r : report_.results) {
    if (r.outcome == Outcome::kUnchanged) {
      r.units_after = r.units_before;
      r.cost_after = r.cost_before;
      r.price_after = r.price_before;
    }
    switch (r.outcome) {
      case Outcome::kUpdated:
        ++report_.totals.updated;
        break;
      case Outcome::kWouldUpdate:
        ++report_.totals.would_update;
        break;
      case Outcome::kUnchanged:
        ++report_.totals.unchanged;
        break;
      case Outcome::kSkipped:
        ++report_.totals.skipped;
        break;
      case Outcome::kFailed:
        ++report_.totals.failed;
        break;
      case Outcome::kHeld:
        ++report_.totals.held;
        break;
    }
    const bool not_done = r.outcome == Outcome::kFailed || r.reason_code == "plan.stale" ||
                          r.reason_code == "sync.landing_mismatch";
    if (not_done) {
      report_.not_done.push_back(r.mapping.org_id + " (" + to_string(r.outcome) + "): " + r.reason);
    }
    if (r.previous_line && (r.previous_line->outcome == Outcome::kFailed ||
                            r.previous_line->reason_code == "plan.stale" ||
                            r.previous_line->reason_code == "sync.landing_mismatch")) {
      report_.not_done.push_back(
          r.mapping.org_id + " old line " + std::to_string(r.previous_line->contract_service_id) +
          " (" + to_string(r.previous_line->outcome) + "): " + r.previous_line->reason);
    }
  }
  report_.partial =
      report_.totals.failed > 0 || !report_.not_done.empty() || !report_.stopped_code.empty();
  report_.requests = client_.request_count() - requests_before;
  report_.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  client_.logger().info("billing sync finished: " + report_.summary());
  return std::move(report_);
}

}  // namespace

namespace detail {

Result<SyncReport> apply_plan(Client& client, const Plan& plan, const ApplyOptions& options,
                              const RowsByLine* fresh) {
  Applier a(client, plan, options, fresh);
  return a.execute();
}

}  // namespace detail

Result<SyncReport> apply_billing_plan(Client& client, const Plan& plan,
                                      const ApplyOptions& options) {
  auto release = detail::take_lock(options.lock);
  if (!release) return std::move(release).error();
  auto report = detail::apply_plan(client, plan, options, nullptr);
  (*release)();
  return report;
}

Result<SyncReport> run_billing_sync(Client& client, const std::vector<Mapping>& mappings,
                                    const std::vector<Usage>& usage,
                                    const BillingOptions& options) {
  auto release = detail::take_lock(options.lock);
  if (!release) return std::move(release).error();
  struct Release {
    std::function<void()>& f;
    ~Release() { f(); }
  } guard{*release};
  const std::uint64_t requests_before = client.request_count();
  const auto started = Clock::now();
  auto planned = detail::make_plan(client, mappings, usage, options);
  if (!planned) return std::move(planned).error();
  ApplyOptions ao;
  ao.only_approved = false;
  ao.dry_run = options.dry_run;
  ao.progress = options.progress;
  ao.now = options.now;
  auto report = detail::apply_plan(client, planned->plan, ao, &planned->rows_by_line);
  if (!report) return report;
  report->requests = client.request_count() - requests_before;
  report->duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  return report;
}

}  // namespace autotask_sync
