#include "sync/mapping_check.hpp"

#include <autotask_sync/model/json_util.hpp>

#include <algorithm>
#include <set>

namespace autotask_sync::detail {
namespace bj = boost::json;

namespace {

template <class T>
std::unordered_map<Id, T> by_id(std::vector<T> items) {
  std::unordered_map<Id, T> out;
  for (auto& i : items) {
    const Id id = i.id;
    out.emplace(id, std::move(i));
  }
  return out;
}

std::vector<Id> ids(const std::set<Id>& s) {
  return {s.begin(), s.end()};
}

std::string quoted(const std::string& name) {
  return name.empty() ? "" : " '" + name + "'";
}

}  // namespace

Result<RunDates> run_dates(const BillingOptions& options) {
  const auto now = options.now ? options.now() : std::chrono::system_clock::now();
  auto today = civil_date_in_zone(now, options.time_zone);
  if (!today) return std::move(today).error();
  RunDates d;
  d.run_date = *today;
  d.period_start = first_of_month(d.run_date);
  d.next_period_start = first_of_next_month(d.run_date);
  switch (options.effective_date) {
    case EffectiveDatePolicy::kPeriod:
      d.default_effective = d.period_start;
      d.rows_from = d.period_start;
      d.rows_to = d.next_period_start;
      break;
    case EffectiveDatePolicy::kNextPeriod:
      d.default_effective = d.next_period_start;
      d.rows_from = d.rows_to = d.next_period_start;
      break;
    case EffectiveDatePolicy::kProrate:
      d.default_effective = d.run_date;
      d.rows_from = d.rows_to = d.run_date;
      break;
  }
  return d;
}

Date effective_date_for(const RunDates& dates, EffectiveDatePolicy policy,
                        const std::vector<ContractServiceUnit>& rows, bool& moved) {
  moved = false;
  if (policy != EffectiveDatePolicy::kPeriod) return dates.default_effective;
  const ContractServiceUnit* current = covering_row(rows, dates.period_start);
  if (current && current->approveAndPostDate.has_value()) {
    moved = true;
    return dates.next_period_start;
  }
  return dates.default_effective;
}

std::string date_filter_text(Date d) {
  return format_date(d) + "T00:00:00";
}

std::string contract_label(const Contract& c) {
  return "contract " + std::to_string(c.id) + quoted(c.contractName);
}

const ContractServiceUnit* covering_row(const std::vector<ContractServiceUnit>& rows, Date d) {
  const ContractServiceUnit* best = nullptr;
  for (const auto& r : rows) {
    if (r.covers(d) && (!best || best->startDate < r.startDate)) best = &r;
  }
  return best;
}

std::optional<MappingFinding> contract_out_of_force(const Contract& c, Date effective) {
  if (c.endDate.has_value() && *c.endDate < effective) {
    return MappingFinding{"contract.ended",
                          contract_label(c) + " ended on " + format_date(*c.endDate) +
                              ", before the effective date " + format_date(effective),
                          "renew the contract (Contracts > the contract > Edit: extend the end "
                          "date) or remap the org to the contract in force",
                          false};
  }
  if (c.startDate.has_value() && effective < *c.startDate) {
    return MappingFinding{"contract.not_started",
                          contract_label(c) + " starts on " + format_date(*c.startDate) +
                              ", after the effective date " + format_date(effective),
                          "map the org to the contract in force, or wait for this one to start",
                          false};
  }
  return std::nullopt;
}

MappingFinding cost_unreadable(const ContractService& line) {
  return {"costs.unreadable",
          "the unit cost of contract service " + std::to_string(line.id) + " cannot be read",
          "give the API user a security level that can read costs (API User (system), not "
          "\"Can't Read Costs\"): Admin > Resources (Users) > the API user > Security Level",
          false};
}

MappingFinding no_units_row(const ContractService& line, Date effective) {
  return {"units.no_row",
          "Autotask has no units row for contract service " + std::to_string(line.id) +
              " covering " + format_date(effective),
          "open the contract's Services tab in Autotask and check the service's billing "
          "periods; a row appears once the contract covers the period",
          false};
}

Result<TenantView> load_tenant_view(Client& client, const std::vector<const Mapping*>& mappings,
                                    const LoadOptions& options) {
  TenantView view;
  std::set<Id> company_ids, contract_ids, service_ids;
  for (const Mapping* m : mappings) {
    company_ids.insert(m->company_id);
    contract_ids.insert(m->contract_id);
    service_ids.insert(m->service_id);
  }
  if (contract_ids.empty()) return view;

  auto companies = client.query_in_as<Company>("id", ids(company_ids));
  if (!companies) return std::move(companies).error();
  view.companies = by_id(std::move(*companies));

  auto contracts = client.query_in_as<Contract>("id", ids(contract_ids));
  if (!contracts) return std::move(contracts).error();
  view.contracts = by_id(std::move(*contracts));

  auto services = client.query_in_as<Service>("id", ids(service_ids));
  if (!services) return std::move(services).error();
  view.services = by_id(std::move(*services));

  // Every line of the mapped contracts: needed to tell "service not on the contract" and
  // "service on it twice" apart from a wrong contract service id.
  auto lines = client.query_in_as<ContractService>("contractID", ids(contract_ids));
  if (!lines) return std::move(lines).error();
  std::set<Id> line_ids;
  for (auto& l : *lines) {
    if (service_ids.count(l.serviceID)) line_ids.insert(l.id);
    view.lines_by_contract[l.contractID].push_back(std::move(l));
  }
  if (line_ids.empty()) return view;

  Query around;
  around.filter.push_back(
      Filter::condition(Op::kLte, "startDate", bj::string(date_filter_text(options.rows_to))));
  around.filter.push_back(
      Filter::condition(Op::kGte, "endDate", bj::string(date_filter_text(options.rows_from))));
  auto rows = client.query_in_as<ContractServiceUnit>("contractServiceID", ids(line_ids), around);
  if (!rows) return std::move(rows).error();
  for (const auto& row : *rows) view.rows_by_line[row.contractServiceID].push_back(row);
  return view;
}

MappingState check_mapping(const TenantView& view, const Mapping& m, const MappingRules& rules) {
  MappingState st;
  auto add = [&](std::string code, std::string message, std::string remediation,
                 bool drift = false) {
    st.findings.push_back({std::move(code), std::move(message), std::move(remediation), drift});
  };

  // --- Company ---------------------------------------------------------------------------------
  if (auto it = view.companies.find(m.company_id); it != view.companies.end()) {
    st.company = &it->second;
    st.company_name = st.company->companyName;
  }
  const std::string company_ref = "company " + std::to_string(m.company_id);
  if (!st.company) {
    add("company.not_found",
        company_ref +
            " was not found in Autotask (deleted, merged, or not visible to the API "
            "user)",
        "check company_id against CRM > Companies, or give the API user a security level "
        "that sees every company");
  } else {
    const Company& co = *st.company;
    const std::string label = company_ref + quoted(co.companyName);
    if (m.company_name && *m.company_name != co.companyName) {
      add("drift.company_renamed",
          company_ref + " was renamed from '" + *m.company_name + "' to '" + co.companyName +
              "' since the mapping was made",
          "confirm that org '" + m.org_id +
              "' still belongs to this company, then record the "
              "new name in the mapping's company_name",
          true);
    }
    if (co.isActive.has_value() && !*co.isActive) {
      add(m.company_name ? "drift.company_inactive" : "company.inactive",
          label + " is inactive in Autotask",
          "reactivate it (CRM > Companies > the company > Edit > Active) or remap the org",
          m.company_name.has_value());
    }
    // A company whose type is not readable is not held back for it.
    if (!rules.allowed_company_types.empty() && co.companyType.has_value()) {
      const std::int64_t type = *co.companyType;
      if (std::find(rules.allowed_company_types.begin(), rules.allowed_company_types.end(), type) ==
          rules.allowed_company_types.end()) {
        std::string type_name = rules.company_type_label ? rules.company_type_label(type) : "";
        add("company.type_not_allowed",
            label + " is of company type " + std::to_string(type) +
                (type_name.empty() ? "" : " (" + type_name + ")") +
                ", which is not among the allowed company types",
            "change the company's type in Autotask (CRM > Companies > Edit > Company Type) or "
            "add the type to billing.allowed_company_types");
      }
    }
  }

  // --- Contract --------------------------------------------------------------------------------
  if (auto it = view.contracts.find(m.contract_id); it != view.contracts.end()) {
    st.contract = &it->second;
    st.contract_name = st.contract->contractName;
  }
  if (!st.contract) {
    add("contract.not_found",
        "contract " + std::to_string(m.contract_id) + " was not found in Autotask",
        "check contract_id against Contracts > Search > Contracts for the company");
  } else {
    const Contract& c = *st.contract;
    // With the company missing, "belongs to another company" would only repeat that fault.
    if (st.company && c.companyID != m.company_id) {
      add("contract.other_company",
          contract_label(c) + " belongs to company " + std::to_string(c.companyID) +
              ", not to company " + std::to_string(m.company_id),
          "fix the mapping: pick a contract of company " + std::to_string(m.company_id));
    }
    if (c.contractType.value_or(0) != kContractTypeRecurringService) {
      add("contract.not_recurring_service",
          contract_label(c) + " is not a Recurring Service contract (contractType " +
              (c.contractType ? std::to_string(*c.contractType) : "unset") + ")",
          "create a Recurring Service contract for the company (Contracts > New Contract > "
          "Recurring Service) and map the org to it");
    } else if (rules.is_monthly_period && c.contractPeriodType.has_value()) {
      if (auto monthly = rules.is_monthly_period(*c.contractPeriodType);
          monthly.has_value() && !*monthly) {
        const std::string label =
            rules.period_type_label ? rules.period_type_label(*c.contractPeriodType) : "";
        add("contract.period_not_monthly",
            contract_label(c) + " bills per period type " + std::to_string(*c.contractPeriodType) +
                (label.empty() ? "" : " (" + label + ")") + ", not monthly",
            "the sync sets a monthly high-water mark and supports monthly billing periods "
            "only; map the org to a contract with a monthly period");
      }
    }
    if (c.status.value_or(-1) != rules.active_contract_status) {
      add(m.company_name ? "drift.contract_inactive" : "contract.inactive",
          contract_label(c) + " is not active (status " +
              (c.status ? std::to_string(*c.status) : "unset") + ")",
          "set the contract's status to Active (Contracts > the contract > Edit) or remap the "
          "org to an active contract",
          m.company_name.has_value());
    }
    if (auto why = contract_out_of_force(c, rules.effective)) {
      if (m.company_name && why->code == "contract.ended") {
        why->code = "drift.contract_ended";
        why->drift = true;
      }
      st.findings.push_back(std::move(*why));
    }
  }

  // --- Service ---------------------------------------------------------------------------------
  if (auto it = view.services.find(m.service_id); it != view.services.end()) {
    st.service = &it->second;
    st.service_name = st.service->name;
  }
  const std::string service_ref = "service " + std::to_string(m.service_id);
  if (!st.service) {
    if (auto b = view.bundles.find(m.service_id); b != view.bundles.end()) {
      st.service_name = b->second;
      add("service.is_bundle",
          service_ref + " is the service bundle" + quoted(b->second) + ", not a service",
          "the sync bills contract services, not service bundles: map the org to the service "
          "that stands for the product (Admin > Products & Services > Services)");
    } else {
      add("service.not_found", service_ref + " was not found in Autotask",
          "check service_id against Admin > Products & Services > Services");
    }
  } else if (st.service->isActive.has_value() && !*st.service->isActive) {
    add("service.inactive", service_ref + quoted(st.service->name) + " is inactive",
        "reactivate the service (Admin > Products & Services > Services) or map the org to "
        "the active service for the product");
  }

  // --- The contract line -----------------------------------------------------------------------
  // Only a Recurring Service contract carries contract services.
  if (!st.contract || !st.service ||
      st.contract->contractType.value_or(0) != kContractTypeRecurringService) {
    return st;
  }
  const Contract& c = *st.contract;
  static const std::vector<ContractService> kNoLines;
  auto lit = view.lines_by_contract.find(c.id);
  const auto& lines = lit == view.lines_by_contract.end() ? kNoLines : lit->second;
  if (m.contract_service_id) {
    auto it = std::find_if(lines.begin(), lines.end(), [&](const ContractService& l) {
      return l.id == *m.contract_service_id;
    });
    if (it == lines.end()) {
      add(m.company_name ? "drift.line_removed" : "line.not_on_contract",
          "contract service " + std::to_string(*m.contract_service_id) + " is not on " +
              contract_label(c),
          "fix or remove contract_service_id in the mapping", m.company_name.has_value());
    } else if (it->serviceID != m.service_id) {
      add("line.other_service",
          "contract service " + std::to_string(it->id) + " is for service " +
              std::to_string(it->serviceID) + ", not for service " + std::to_string(m.service_id),
          "fix the mapping: service_id and contract_service_id must name the same service");
    } else {
      st.line = &*it;
    }
    return st;
  }
  std::vector<const ContractService*> matching;
  for (const auto& l : lines) {
    if (l.serviceID == m.service_id) matching.push_back(&l);
  }
  if (matching.empty()) {
    add(m.company_name ? "drift.service_removed" : "line.service_not_on_contract",
        contract_label(c) + " does not carry " + service_ref + quoted(st.service_name),
        "add the service to the contract in Autotask (Contracts > the contract > Services > "
        "New); the sync never adds a contract line by itself",
        m.company_name.has_value());
  } else if (matching.size() > 1) {
    add("line.service_twice",
        contract_label(c) + " carries " + service_ref + " " + std::to_string(matching.size()) +
            " times",
        "set contract_service_id in the mapping to pick one line, or remove the duplicate line "
        "from the contract");
  } else {
    st.line = matching.front();
  }
  return st;
}

}  // namespace autotask_sync::detail
