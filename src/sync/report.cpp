#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/billing.hpp>

#include <algorithm>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

template <class T, class Fn>
bj::value opt(const std::optional<T>& v, Fn fn) {
  return v ? bj::value(fn(*v)) : bj::value(nullptr);
}

bj::value opt_int(const std::optional<std::int64_t>& v) {
  return opt(v, [](std::int64_t n) { return n; });
}

bj::value opt_money(const std::optional<Decimal>& v) {
  return opt(v, [](Decimal d) { return bj::string(d.to_string()); });
}

bj::object error_json(const Error& e) {
  bj::object o;
  o["code"] = to_string(e.code);
  o["message"] = e.message;
  o["http_status"] = e.http_status;
  bj::array texts;
  for (const auto& t : e.server_errors) texts.emplace_back(t);
  o["server_errors"] = std::move(texts);
  return o;
}

// Count of code points, for column widths of UTF-8 text.
std::size_t display_width(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Pads or cuts UTF-8 text to `width` code points, never splitting a multi-byte character.
std::string fit(std::string_view s, std::size_t width) {
  if (display_width(s) <= width) return std::string(s) + std::string(width - display_width(s), ' ');
  std::string out;
  std::size_t points = 0;
  for (const char c : s) {
    if ((c & 0xC0) != 0x80) {
      if (points == width - 1) break;
      ++points;
    }
    out.push_back(c);
  }
  return out + "~";
}

std::string right(std::string_view s, std::size_t width) {
  const std::size_t w = display_width(s);
  return w >= width ? std::string(s) : std::string(width - w, ' ') + std::string(s);
}

std::string change(const std::optional<std::string>& before,
                   const std::optional<std::string>& after) {
  if (!before && !after) return "-";
  const std::string b = before.value_or("?");
  const std::string a = after.value_or("?");
  return b == a ? b : b + " -> " + a;
}

}  // namespace

bj::object SyncReport::to_json() const {
  bj::object o;
  o["schema"] = "autotask_sync.sync_report.v1";
  o["dry_run"] = dry_run;
  o["run_date"] = format_date(run_date);
  o["effective_date"] = format_date(effective_date);
  o["effective_date_policy"] = to_string(policy);
  o["time_zone"] = time_zone;
  bj::object t;
  t["mappings"] = static_cast<std::int64_t>(results.size());
  t["updated"] = static_cast<std::int64_t>(totals.updated);
  t["would_update"] = static_cast<std::int64_t>(totals.would_update);
  t["unchanged"] = static_cast<std::int64_t>(totals.unchanged);
  t["skipped"] = static_cast<std::int64_t>(totals.skipped);
  t["failed"] = static_cast<std::int64_t>(totals.failed);
  t["held"] = static_cast<std::int64_t>(totals.held);
  t["requests"] = static_cast<std::int64_t>(requests);
  o["totals"] = std::move(t);
  o["plan_id"] = plan_id;
  o["partial"] = partial;
  bj::array nd;
  for (const auto& n : not_done) nd.emplace_back(n);
  o["not_done"] = std::move(nd);
  o["stopped"] =
      stopped_code.empty()
          ? bj::value(nullptr)
          : bj::value(bj::object{{"reason_code", stopped_code}, {"reason", stopped_reason}});
  o["samples_ignored"] = static_cast<std::int64_t>(samples_ignored);
  bj::array cur;
  for (auto c : currencies) cur.emplace_back(c);
  o["currencies"] = std::move(cur);
  o["requests"] = static_cast<std::int64_t>(requests);
  o["duration_ms"] = duration_ms;

  bj::array rs;
  for (const auto& r : results) {
    bj::object x;
    x["org_id"] = r.mapping.org_id;
    x["org_name"] = r.mapping.org_name;
    x["company_id"] = r.mapping.company_id;
    x["company_name"] = r.company_name;
    x["contract_id"] = r.mapping.contract_id;
    x["contract_name"] = r.contract_name;
    x["service_id"] = r.mapping.service_id;
    x["service_name"] = r.service_name;
    x["contract_service_id"] = opt_int(r.contract_service_id);
    x["outcome"] = to_string(r.outcome);
    x["reason"] = r.reason;
    if (!r.reason_code.empty()) x["reason_code"] = r.reason_code;
    x["effective_date"] = opt(r.effective_date, [](Date d) { return bj::string(format_date(d)); });
    x["units"] = bj::object{{"before", opt_int(r.units_before)},
                            {"target", opt_int(r.units_target)},
                            {"after", opt_int(r.units_after)}};
    x["unit_cost"] = bj::object{{"before", opt_money(r.cost_before)},
                                {"target", opt_money(r.cost_target)},
                                {"after", opt_money(r.cost_after)}};
    x["adjustment"] =
        r.adjustment ? bj::value(r.adjustment->to_json(effective_time)) : bj::value(nullptr);
    x["adjustment_id"] = opt_int(r.adjustment_id);
    x["error"] = r.error ? bj::value(error_json(*r.error)) : bj::value(nullptr);
    x["effective_date_reason"] = r.effective_date_reason;
    x["unit_price"] = bj::object{{"before", opt_money(r.price_before)},
                                 {"target", opt_money(r.price_target)},
                                 {"after", opt_money(r.price_after)}};
    x["currency_id"] = opt_int(r.currency_id);
    x["usage"] =
        bj::object{{"source", r.usage_source},
                   {"samples_in_period", static_cast<std::int64_t>(r.samples_in_period)},
                   {"samples_outside_period", static_cast<std::int64_t>(r.samples_outside_period)}};
    if (r.previous_line) {
      const PreviousLineChange& p = *r.previous_line;
      x["previous_line"] = bj::object{
          {"contract_id", p.contract_id},
          {"contract_service_id", p.contract_service_id},
          {"service_id", p.service_id},
          {"outcome", to_string(p.outcome)},
          {"reason_code", p.reason_code},
          {"reason", p.reason},
          {"effective_date",
           opt(p.effective_date, [](Date d) { return bj::string(format_date(d)); })},
          {"units",
           bj::object{{"before", opt_int(p.units_before)}, {"after", opt_int(p.units_after)}}},
          {"adjustment",
           p.adjustment ? bj::value(p.adjustment->to_json(effective_time)) : bj::value(nullptr)},
          {"adjustment_id", opt_int(p.adjustment_id)},
          {"remove_by_hand",
           p.outcome == Outcome::kUpdated || p.reason_code == "remap.old_line_empty"}};
    } else {
      x["previous_line"] = nullptr;
    }
    x["note_id"] = opt_int(r.note_id);
    bj::array notes;
    for (const auto& n : r.notes) notes.emplace_back(n);
    x["notes"] = std::move(notes);
    rs.emplace_back(std::move(x));
  }
  o["results"] = std::move(rs);
  bj::array unmapped;
  for (const auto& u : unmapped_usage) unmapped.emplace_back(u);
  o["unmapped_usage"] = std::move(unmapped);
  return o;
}

std::string SyncReport::summary() const {
  std::string s = dry_run ? "dry run: would update " + std::to_string(totals.would_update)
                          : "updated " + std::to_string(totals.updated);
  s += ", unchanged " + std::to_string(totals.unchanged) + ", skipped " +
       std::to_string(totals.skipped) + ", failed " + std::to_string(totals.failed) +
       (totals.held ? ", held " + std::to_string(totals.held) : std::string()) + "; " +
       std::to_string(requests) + " Autotask requests" + (partial ? " (partial)" : "");
  return s;
}

std::string SyncReport::to_text() const {
  constexpr std::size_t kOrg = 24, kCompany = 24, kContract = 22, kService = 22, kUnits = 11,
                        kCost = 20;
  std::string out;
  out += "Billing sync " + std::string(dry_run ? "(dry run) " : "") + "for " +
         format_date(run_date) + " in " + time_zone + ", effective " + format_date(effective_date) +
         " (" + to_string(policy) + ")\n";
  out += fit("Org", kOrg) + " " + fit("Company", kCompany) + " " + fit("Contract", kContract) +
         " " + fit("Service", kService) + " " + right("Units", kUnits) + " " +
         right("Unit cost", kCost) + "  Result\n";
  out += std::string(kOrg + kCompany + kContract + kService + kUnits + kCost + 14, '-') + "\n";

  auto num = [](const std::optional<std::int64_t>& n) {
    return n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt;
  };
  auto money = [](const std::optional<Decimal>& d) {
    return d ? std::optional<std::string>(d->to_string()) : std::nullopt;
  };
  for (const auto& r : results) {
    const bool planned = r.outcome == Outcome::kWouldUpdate;
    const auto units_after = planned ? num(r.units_target) : num(r.units_after);
    const auto cost_after = planned ? money(r.cost_target) : money(r.cost_after);
    const std::string org = r.mapping.org_name.empty() ? r.mapping.org_id : r.mapping.org_name;
    const std::string company =
        r.company_name.empty() ? std::to_string(r.mapping.company_id) : r.company_name;
    const std::string contract =
        r.contract_name.empty() ? std::to_string(r.mapping.contract_id) : r.contract_name;
    const std::string service =
        r.service_name.empty() ? std::to_string(r.mapping.service_id) : r.service_name;
    out += fit(org, kOrg) + " " + fit(company, kCompany) + " " + fit(contract, kContract) + " " +
           fit(service, kService) + " " + right(change(num(r.units_before), units_after), kUnits) +
           " " + right(change(money(r.cost_before), cost_after), kCost) + "  " +
           to_string(r.outcome) + "\n";
  }
  bool header = false;
  for (const auto& r : results) {
    if (r.reason.empty()) continue;
    if (!header) out += "\nNotes:\n";
    header = true;
    out += "  " + r.mapping.org_id + " (" + to_string(r.outcome) + "): " + r.reason + "\n";
  }
  for (const auto& r : results) {
    std::vector<std::string> more = r.notes;
    if (r.previous_line && !r.previous_line->reason.empty()) {
      more.push_back("old line " + std::to_string(r.previous_line->contract_service_id) + " (" +
                     to_string(r.previous_line->outcome) + "): " + r.previous_line->reason);
    }
    for (const auto& n : more) {
      if (!header) out += "\nNotes:\n";
      header = true;
      out += "  " + r.mapping.org_id + ": " + n + "\n";
    }
  }
  if (!stopped_reason.empty()) out += "\nStopped writing: " + stopped_reason + "\n";
  if (currencies.size() > 1) {
    out += "\nThe mapped companies bill in " + std::to_string(currencies.size()) +
           " currencies (Companies.currencyID:";
    for (auto c : currencies) out += " " + std::to_string(c);
    out += "); unit costs are compared as given\n";
  }
  if (!unmapped_usage.empty()) {
    out += "\nUsage without a mapping (not billed):";
    for (const auto& u : unmapped_usage) out += " " + u;
    out += "\n";
  }
  out += "\n" + summary() + "\n";
  return out;
}

}  // namespace autotask_sync
