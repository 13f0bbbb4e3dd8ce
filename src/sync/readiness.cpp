#include <autotask_sync/sync/readiness.hpp>

#include <autotask_sync/model/json_util.hpp>

#include "sync/mapping_check.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace autotask_sync {
namespace bj = boost::json;

const char* to_string(Severity s) noexcept {
  return s == Severity::kBlocking ? "blocking" : "warning";
}

bool ReadinessReport::blocking() const {
  return count(Severity::kBlocking) > 0;
}

std::size_t ReadinessReport::count(Severity s) const {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                [s](const Finding& f) { return f.severity == s; }));
}

namespace {

bool contains_ci(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

bool server_says(const Error& e, std::string_view text) {
  for (const auto& t : e.server_errors) {
    if (contains_ci(t, text)) return true;
  }
  return contains_ci(e.message, text);
}

// What the integration needs of one entity.
struct Need {
  const char* entity;
  bool query, create, update;
  bool billing;  // the billing sync needs it (blocking); otherwise ticket alerts do (warning)
};

constexpr Need kNeeds[] = {
    {"Companies", true, false, false, true},
    {"Contracts", true, false, false, true},
    {"Services", true, false, false, true},
    {"ContractServices", true, false, false, true},
    {"ContractServiceUnits", true, false, false, true},
    {"ContractServiceAdjustments", false, true, false, true},
    {"Tickets", true, true, true, false},
    {"TicketNotes", false, true, false, false},
};

std::uint64_t batches(std::size_t n) {
  return (n + 499) / 500;
}

class Check {
 public:
  Check(Client& client, const ReadinessInput& input, const BillingOptions& billing)
      : client_(client), input_(input), billing_(billing) {}

  Result<ReadinessReport> run();

 private:
  Finding& add(std::string code, Severity severity, std::string area, std::string message,
               std::string remediation) {
    Finding f;
    f.code = std::move(code);
    f.severity = severity;
    f.area = std::move(area);
    f.message = std::move(message);
    f.remediation = std::move(remediation);
    report_.findings.push_back(std::move(f));
    return report_.findings.back();
  }
  // False when the check cannot go on (the credentials were refused).
  Result<bool> credentials();
  // False when the mappings cannot be read.
  bool permissions();
  Result<void> costs(const detail::TenantView& view);
  void mappings(const detail::TenantView& view);
  void portal();
  void budget();

  Client& client_;
  const ReadinessInput& input_;
  const BillingOptions& billing_;
  ReadinessReport report_;
  detail::RunDates dates_;
  bool costs_unreadable_ = false;
  std::uint64_t load_requests_ = 0;
  std::size_t writes_ = 0;
  std::vector<std::size_t> first_mapping_of_org_;  // indexes of mappings that are checked
};

Result<bool> Check::credentials() {
  auto zone = client_.zone();
  if (!zone) {
    if (zone.error().code != ErrorCode::kAuthentication) return std::move(zone).error();
    add("credentials.username_unknown", Severity::kBlocking, "credentials",
        "Autotask does not know the configured API username",
        "use the API user's key as the username (Admin > Resources (Users) > the API user > "
        "Credentials: the generated Username (Key)), not a person's e-mail address");
    return false;
  }
  // The first authenticated request tells the secret and the integration code apart.
  auto info = client_.entity_info("Companies");
  if (!info && info.error().code == ErrorCode::kAuthentication) {
    const Error& e = info.error();
    if (server_says(e, "integrationcode")) {
      add("credentials.integration_code_rejected", Severity::kBlocking, "credentials",
          "Autotask rejected the integration code (API tracking identifier)",
          "set the API user's API Tracking Identifier to Integration Vendor and pick the "
          "portal's vendor (Admin > Resources (Users) > the API user > API Tracking "
          "Identifier), and configure that vendor's integration code");
    } else {
      add("credentials.secret_rejected", Severity::kBlocking, "credentials",
          "Autotask refused the API user's secret (HTTP " + std::to_string(e.http_status) + ")",
          "generate a new secret for the API user (Admin > Resources (Users) > the API user > "
          "Credentials > Generate Secret) and configure it; check that the user is active and "
          "not locked");
    }
    return false;
  }
  if (!info && info.error().code == ErrorCode::kRateLimited) {
    const auto status = client_.budget();
    add("budget.exhausted", Severity::kBlocking, "budget",
        "the tenant's hourly request budget is spent" +
            (status ? " (" + std::to_string(status->used) + " of " +
                          std::to_string(status->threshold) + " requests this hour)"
                    : std::string()) +
            ": neither this check nor the sync can run now",
        "run again within the hour, and find the integration using the budget (Admin > "
        "Extensions & Integrations > Other > API usage)");
    return false;
  }
  if (!info && info.error().code != ErrorCode::kPermission) return std::move(info).error();
  report_.passed.emplace_back("credentials");
  return true;
}

bool Check::permissions() {
  bool reads_ok = true, all_ok = true;
  for (const Need& need : kNeeds) {
    std::vector<std::string> missing;
    auto info = client_.entity_info(need.entity);
    if (!info) {
      missing.emplace_back("any access (" + info.error().message + ")");
    } else {
      if (need.query && !info->can_query) missing.emplace_back("query");
      if (need.create && !info->can_create) missing.emplace_back("create");
      if (need.update && !info->can_update) missing.emplace_back("update");
    }
    if (missing.empty()) continue;
    std::string what;
    for (const auto& m : missing) what += (what.empty() ? "" : ", ") + m;
    const Severity severity = need.billing ? Severity::kBlocking : Severity::kWarning;
    Finding& f = add(
        "permissions.missing", severity, "permissions",
        std::string("the API user's security level does not allow ") + what + " on " + need.entity +
            (need.billing ? "; the billing sync needs it" : "; ticket alerts need it"),
        "give the API user the API User (system) security level, or grant this in its copy: "
        "Admin > Resources (Users) > Security Levels > the API user's level");
    f.entity = need.entity;
    all_ok = false;
    if (need.billing && need.query) reads_ok = false;
  }
  if (all_ok) report_.passed.emplace_back("permissions");
  return reads_ok;
}

Result<void> Check::costs(const detail::TenantView& view) {
  std::size_t seen = 0, readable = 0;
  for (const auto& [id, s] : view.services) {
    ++seen;
    if (s.unitCost.has_value()) ++readable;
  }
  if (seen == 0) {
    Query q;
    q.filter.push_back(Filter::exist("id"));
    q.include_fields = {"id", "unitCost"};
    q.max_records = 10;
    auto services = client_.query_as<Service>(q);
    if (!services) return std::move(services).error();
    for (const auto& s : *services) {
      ++seen;
      if (s.unitCost.has_value()) ++readable;
    }
  }
  if (seen > 0 && readable == 0) {
    costs_unreadable_ = true;
    add("costs.unreadable", Severity::kBlocking, "costs",
        "unit costs come back empty: the API user's security level cannot read costs, so "
        "Autotask would ignore the unit costs the sync sends",
        "give the API user the API User (system) security level, not \"API User (system) "
        "Can't Read Costs\" (Admin > Resources (Users) > the API user > Security Level)");
    return {};
  }
  report_.passed.emplace_back("costs");
  return {};
}

void Check::mappings(const detail::TenantView& view) {
  detail::MappingRules rules;
  rules.effective = dates_.default_effective;
  rules.active_contract_status = billing_.active_contract_status;
  rules.allowed_company_types = billing_.allowed_company_types;

  // Labels from the tenant's picklists: company types for messages, contract period types to
  // tell monthly contracts from the others.
  std::map<std::int64_t, std::string> type_labels, period_labels;
  auto labels_of = [&](std::string_view entity, std::string_view field,
                       std::map<std::int64_t, std::string>& out) {
    auto fields = client_.fields(entity);
    if (!fields) return;
    if (const FieldInfo* f = find_field(*fields, field)) {
      for (const auto& v : f->picklist_values) {
        try {
          out[std::stoll(v.value)] = v.label;
        } catch (const std::exception&) {
          // A value that is not an integer cannot be on an entity row; ignore it.
        }
      }
    }
  };
  labels_of("Companies", "companyType", type_labels);
  labels_of("Contracts", "contractPeriodType", period_labels);
  rules.company_type_label = [&](std::int64_t v) {
    auto it = type_labels.find(v);
    return it == type_labels.end() ? std::string() : it->second;
  };
  rules.period_type_label = [&](std::int64_t v) {
    auto it = period_labels.find(v);
    return it == period_labels.end() ? std::string() : it->second;
  };
  rules.is_monthly_period = [&](std::int64_t v) -> std::optional<bool> {
    auto it = period_labels.find(v);
    if (it == period_labels.end()) return std::nullopt;
    return contains_ci(it->second, "month");
  };

  std::unordered_map<std::string, const Usage*> usage;
  for (const auto& u : input_.usage) usage.emplace(u.org_id, &u);

  std::map<Id, std::vector<std::size_t>> by_line;
  std::map<Id, detail::MappingState> line_state;  // for naming a shared line's objects
  std::vector<bool> ready(input_.mappings.size(), false);
  for (std::size_t i : first_mapping_of_org_) {
    const Mapping& m = input_.mappings[i];
    ++report_.mappings_checked;
    detail::MappingState st = detail::check_mapping(view, m, rules);
    auto emit = [&](const detail::MappingFinding& mf) {
      Finding& f = add(mf.code, Severity::kBlocking, "mapping",
                       "org '" + m.org_id + "': " + mf.message, mf.remediation);
      f.drift = mf.drift;
      f.org_ids = {m.org_id};
      f.company_id = m.company_id;
      f.contract_id = m.contract_id;
      f.service_id = m.service_id;
      f.contract_service_id = st.line ? std::optional<Id>(st.line->id) : m.contract_service_id;
      f.company_name = st.company_name;
      f.contract_name = st.contract_name;
      f.service_name = st.service_name;
    };
    for (const auto& mf : st.findings) emit(mf);
    if (!st.findings.empty()) continue;

    static const std::vector<ContractServiceUnit> kNoRows;
    auto rit = view.rows_by_line.find(st.line->id);
    const auto& rows = rit == view.rows_by_line.end() ? kNoRows : rit->second;
    bool moved = false;
    const Date effective = detail::effective_date_for(dates_, billing_.effective_date, rows, moved);
    if (moved) {
      if (auto why = detail::contract_out_of_force(*st.contract, effective)) {
        emit(*why);
        continue;
      }
    }
    const ContractServiceUnit* row = detail::covering_row(rows, effective);
    if (!row) {
      emit(detail::no_units_row(*st.line, effective));
      continue;
    }
    if (!st.line->unitCost.has_value() && !costs_unreadable_) {
      emit(detail::cost_unreadable(*st.line));
      continue;
    }
    ready[i] = true;
    by_line[st.line->id].push_back(i);
    line_state.emplace(st.line->id, st);
    if (auto u = usage.find(m.org_id); u != usage.end()) {
      const bool cost_differs =
          st.line->unitCost.has_value() && *st.line->unitCost != u->second->unit_cost;
      if (row->units != u->second->high_water_mark || cost_differs) ++writes_;
    }
  }
  for (const auto& [line, indexes] : by_line) {
    if (indexes.size() < 2) continue;
    std::string orgs;
    Finding f;
    for (auto i : indexes) {
      orgs += (orgs.empty() ? "'" : ", '") + input_.mappings[i].org_id + "'";
      f.org_ids.push_back(input_.mappings[i].org_id);
      ready[i] = false;
    }
    const detail::MappingState& st = line_state.at(line);
    f.code = "line.shared";
    f.severity = Severity::kBlocking;
    f.area = "mapping";
    f.message = "orgs " + orgs + " are mapped to the same contract service " +
                std::to_string(line) + " (" + detail::contract_label(*st.contract) + ")";
    f.company_id = st.company->id;
    f.company_name = st.company_name;
    f.contract_name = st.contract_name;
    f.service_name = st.service_name;
    f.remediation =
        "map each org to its own contract service (give each its own contract, or its own "
        "service on the contract); the sync skips all of them until then";
    f.contract_service_id = line;
    f.contract_id = input_.mappings[indexes.front()].contract_id;
    f.service_id = input_.mappings[indexes.front()].service_id;
    report_.findings.push_back(std::move(f));
  }
  report_.mappings_ready = static_cast<std::size_t>(std::count(ready.begin(), ready.end(), true));
  if (report_.mappings_ready == report_.mappings_checked) report_.passed.emplace_back("mappings");
}

void Check::portal() {
  bool ok = true;
  std::set<std::string> mapped;
  for (const auto& m : input_.mappings) mapped.insert(m.org_id);
  std::set<std::string> reported;
  for (const auto& u : input_.usage) {
    if (mapped.count(u.org_id) || !reported.insert(u.org_id).second) continue;
    Finding& f = add("portal.unmapped_usage", Severity::kWarning, "portal",
                     "org '" + u.org_id + "' has usage (" + std::to_string(u.high_water_mark) +
                         " users) but no mapping, so it is not billed",
                     "map the org to its Autotask company, contract and service (autotask-sync "
                     "suggest lists candidates)");
    f.org_ids = {u.org_id};
    ok = false;
  }
  std::set<std::string> usage_orgs;
  for (const auto& u : input_.usage) usage_orgs.insert(u.org_id);
  std::set<std::string> portal;
  if (input_.portal_orgs) portal.insert(input_.portal_orgs->begin(), input_.portal_orgs->end());
  std::set<std::string> seen;
  for (const auto& m : input_.mappings) {
    if (!seen.insert(m.org_id).second) {
      Finding& f = add("mapping.duplicate_org", Severity::kWarning, "portal",
                       "org '" + m.org_id +
                           "' is mapped more than once; the sync bills only its "
                           "first mapping",
                       "remove the extra mappings of the org");
      f.org_ids = {m.org_id};
      f.company_id = m.company_id;
      f.contract_id = m.contract_id;
      f.service_id = m.service_id;
      ok = false;
      continue;
    }
    if (input_.portal_orgs && !portal.count(m.org_id)) {
      Finding& f = add("portal.org_gone", Severity::kWarning, "portal",
                       "org '" + m.org_id + "' is mapped but the portal no longer has it",
                       "end the org's contract service in Autotask if the client has left, then "
                       "remove the mapping");
      f.org_ids = {m.org_id};
      f.company_id = m.company_id;
      f.contract_id = m.contract_id;
      f.service_id = m.service_id;
      ok = false;
    } else if (!usage_orgs.count(m.org_id)) {
      Finding& f = add("usage.missing", Severity::kWarning, "portal",
                       "org '" + m.org_id + "' is mapped but has no usage, so the sync skips it",
                       "check that the portal reports the org's high-water mark");
      f.org_ids = {m.org_id};
      ok = false;
    }
  }
  if (ok) report_.passed.emplace_back("portal");
}

void Check::budget() {
  // The nightly sync: a zone lookup and a first poll, the same reads this check made, one write
  // per change, a batched read-back (units rows and lines) of what was written, and one more
  // poll every 200 requests.
  std::uint64_t estimate = 2 + load_requests_ + writes_;
  if (writes_ > 0) estimate += 2 * batches(writes_);
  if (writes_ > 1) estimate += 1;  // the sync reads its first write's line back before going on
  estimate += estimate / 200;
  report_.estimated_sync_requests = estimate;

  auto status = client_.refresh_budget();
  if (!status) {
    add("budget.unknown", Severity::kWarning, "budget",
        "the hourly request budget could not be read (" + status.error().message + ")",
        "check that the API user may call ThresholdInformation");
    return;
  }
  report_.budget = *status;
  if (status->threshold <= 0) {
    report_.passed.emplace_back("budget");
    return;
  }
  const double after = static_cast<double>(status->used + static_cast<std::int64_t>(estimate)) /
                       static_cast<double>(status->threshold);
  const LimitPolicy& limits = client_.limits();
  const std::string figures =
      std::to_string(status->used) + " of " + std::to_string(status->threshold) +
      " requests of this hour are used by the tenant's integrations; a sync needs about " +
      std::to_string(estimate);
  const auto percent = [](double share) { return std::to_string(std::lround(share * 100)) + "%"; };
  if (after > limits.stop_share) {
    add("budget.exhausted", Severity::kBlocking, "budget",
        figures + ", which would pass " + percent(limits.stop_share) +
            " of the budget, where the sync stops",
        "run the sync later, or find the integration using the budget (Admin > Extensions & "
        "Integrations > Other > API usage) and throttle it");
  } else if (after > limits.slow_down_share) {
    add("budget.high", Severity::kWarning, "budget",
        figures + ", past " + percent(limits.slow_down_share) +
            " of the budget, where the sync slows down",
        "schedule the sync for a quieter hour");
  } else {
    report_.passed.emplace_back("budget");
  }
}

Result<ReadinessReport> Check::run() {
  const std::uint64_t requests_before = client_.request_count();
  auto dates = detail::run_dates(billing_);
  if (!dates) return std::move(dates).error();
  dates_ = *dates;
  report_.run_date = dates_.run_date;
  report_.effective_date = dates_.default_effective;
  report_.time_zone = billing_.time_zone;
  report_.policy = billing_.effective_date;
  {
    std::set<std::string> orgs;
    for (const auto& u : input_.usage) {
      if (!orgs.insert(u.org_id).second) {
        return Error(ErrorCode::kInvalidArgument,
                     "usage for org '" + u.org_id + "' is given twice");
      }
    }
  }

  auto finish = [&]() {
    report_.requests = client_.request_count() - requests_before;
    return std::move(report_);
  };

  auto authenticated = credentials();
  if (!authenticated) return std::move(authenticated).error();
  if (!*authenticated) return finish();
  const bool can_read = permissions();

  std::set<std::string> orgs;
  std::vector<const Mapping*> checked;
  for (std::size_t i = 0; i < input_.mappings.size(); ++i) {
    if (!orgs.insert(input_.mappings[i].org_id).second) continue;
    first_mapping_of_org_.push_back(i);
    checked.push_back(&input_.mappings[i]);
  }
  if (can_read) {
    detail::LoadOptions lo;
    lo.rows_from = dates_.rows_from;
    lo.rows_to = dates_.rows_to;
    const std::uint64_t before = client_.request_count();
    auto view = detail::load_tenant_view(client_, checked, lo);
    if (!view) return std::move(view).error();
    load_requests_ = client_.request_count() - before;
    // Ids that are not services may be service bundles; the sync does not ask.
    std::vector<Id> missing;
    for (const Mapping* m : checked) {
      if (!view->services.count(m->service_id)) missing.push_back(m->service_id);
    }
    if (!missing.empty()) {
      std::sort(missing.begin(), missing.end());
      missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
      Query q;
      q.include_fields = {"id", "name"};
      auto bundles = client_.query_in("ServiceBundles", "id", missing, q);
      if (bundles) {
        for (const auto& b : *bundles) {
          auto id = json::read_int(b, "id", "ServiceBundle");
          auto name = json::read_string(b, "name", "ServiceBundle");
          if (id && name && id->has_value()) view->bundles.emplace(**id, name->value_or(""));
        }
      }
    }
    if (auto c = costs(*view); !c) return std::move(c).error();
    mappings(*view);
  }
  portal();
  budget();
  return finish();
}

bj::value opt_id(const std::optional<Id>& id) {
  return id ? bj::value(*id) : bj::value();
}

}  // namespace

Result<ReadinessReport> check_readiness(Client& client, const ReadinessInput& input,
                                        const BillingOptions& billing) {
  Check check(client, input, billing);
  return check.run();
}

bj::object ReadinessReport::to_json() const {
  bj::object o;
  o["schema"] = "autotask_sync.readiness_report.v1";
  o["ready"] = !blocking();
  o["run_date"] = format_date(run_date);
  o["effective_date"] = format_date(effective_date);
  o["time_zone"] = time_zone;
  o["effective_date_policy"] = to_string(policy);
  bj::array fs;
  for (const auto& f : findings) {
    bj::array orgs;
    for (const auto& id : f.org_ids) orgs.emplace_back(id);
    bj::object x;
    x["code"] = f.code;
    x["severity"] = to_string(f.severity);
    x["area"] = f.area;
    x["message"] = f.message;
    x["remediation"] = f.remediation;
    x["drift"] = f.drift;
    x["org_ids"] = std::move(orgs);
    x["company_id"] = opt_id(f.company_id);
    x["company_name"] = f.company_name;
    x["contract_id"] = opt_id(f.contract_id);
    x["contract_name"] = f.contract_name;
    x["service_id"] = opt_id(f.service_id);
    x["service_name"] = f.service_name;
    x["contract_service_id"] = opt_id(f.contract_service_id);
    x["entity"] = f.entity;
    fs.emplace_back(std::move(x));
  }
  o["findings"] = std::move(fs);
  bj::array passed_steps;
  for (const auto& p : passed) passed_steps.emplace_back(p);
  o["passed"] = std::move(passed_steps);
  o["totals"] = bj::object{{"blocking", count(Severity::kBlocking)},
                           {"warning", count(Severity::kWarning)},
                           {"mappings_checked", mappings_checked},
                           {"mappings_ready", mappings_ready}};
  if (budget) {
    o["budget"] = bj::object{
        {"used", budget->used}, {"threshold", budget->threshold}, {"share", budget->share()}};
  } else {
    o["budget"] = nullptr;
  }
  o["estimated_sync_requests"] = estimated_sync_requests;
  o["requests"] = requests;
  return o;
}

std::string ReadinessReport::summary() const {
  const auto blocking_n = count(Severity::kBlocking), warning_n = count(Severity::kWarning);
  const bool checked = std::find(passed.begin(), passed.end(), "credentials") != passed.end() &&
                       (mappings_checked > 0 || budget.has_value());
  return std::to_string(blocking_n) + " blocking, " + std::to_string(warning_n) +
         (warning_n == 1 ? " warning; " : " warnings; ") +
         (checked ? std::to_string(mappings_ready) + " of " + std::to_string(mappings_checked) +
                        " mappings ready; "
                  : std::string("mappings not checked; ")) +
         std::to_string(requests) + " requests";
}

std::string ReadinessReport::to_text() const {
  std::string out = "Readiness check, " + format_date(run_date) + " (" + time_zone +
                    "), effective date " + format_date(effective_date) + " (" + to_string(policy) +
                    ")\n";
  if (findings.empty()) out += "\nNo findings: the tenant is ready.\n";
  for (const auto& f : findings) {
    out += "\n[" + std::string(f.severity == Severity::kBlocking ? "BLOCKING" : "warning") + "] " +
           f.code + (f.drift ? " (changed since the mapping was made)" : "") + "\n";
    out += "  " + f.message + "\n";
    out += "  Fix: " + f.remediation + "\n";
  }
  out += "\n";
  if (budget) {
    out += "API budget: " + std::to_string(budget->used) + " of " +
           std::to_string(budget->threshold) + " requests used this hour; a nightly sync of " +
           "these mappings needs about " + std::to_string(estimated_sync_requests) + " requests\n";
  }
  out += "Summary: " + summary() + "\n";
  return out;
}

}  // namespace autotask_sync
