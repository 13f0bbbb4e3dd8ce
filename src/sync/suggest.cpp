#include <autotask_sync/sync/billing.hpp>
#include <autotask_sync/sync/suggest.hpp>

#include "sync/name_match.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace autotask_sync {
namespace bj = boost::json;

const char* to_string(MatchKind k) noexcept {
  switch (k) {
    case MatchKind::kExact:
      return "exact";
    case MatchKind::kAmbiguous:
      return "ambiguous";
    case MatchKind::kNone:
      return "none";
  }
  return "none";
}

namespace {

using detail::PreparedName;

// How many index candidates are scored per org, besides the exact-name hits.
constexpr std::size_t kScoredPerOrg = 50;

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

std::string id_list(const std::vector<Id>& ids) {
  std::string out;
  for (Id id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
  return out;
}

// One scored company for one org.
struct Hit {
  std::size_t company = 0;  // index into the companies read
  double score = 0;
  bool exact = false;
};

struct OrgWork {
  std::vector<Hit> candidates;  // kept (after max_candidates)
  std::vector<Hit> excluded;
  std::size_t eligible_exact = 0;
};

class Suggest {
 public:
  Suggest(Client& client, const std::vector<PortalOrg>& orgs, const SuggestOptions& options)
      : client_(client), orgs_(orgs), options_(options) {}

  Result<SuggestReport> run();

 private:
  Result<void> validate();
  Result<void> read_companies();
  void read_labels();
  void build_index();
  void match(const PortalOrg& org, OrgSuggestion& s, OrgWork& w);
  Result<void> read_contracts();
  bool eligible(const Company& c) const { return c.isActive.value_or(true) && type_allowed(c); }
  bool type_allowed(const Company& c) const {
    return allowed_.empty() || (c.companyType.has_value() && allowed_.count(*c.companyType) != 0);
  }
  std::optional<std::string> type_label(const Company& c) const {
    if (!c.companyType.has_value()) return std::nullopt;
    auto it = labels_.find(*c.companyType);
    return it == labels_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::string exclusion_reason(const Company& c) const;
  CompanyCandidate candidate(const Hit& h) const;
  void decide(OrgSuggestion& s, const OrgWork& w);

  Client& client_;
  const std::vector<PortalOrg>& orgs_;
  const SuggestOptions& options_;
  SuggestReport report_;
  std::set<std::int64_t> allowed_;
  PreparedName product_;

  std::vector<Company> companies_;
  std::map<std::int64_t, std::string> labels_;
  detail::NameIndex index_;
  std::vector<std::size_t> entry_company_;  // index entry -> companies_ position

  // Filled by read_contracts for the listed candidates, by company id.
  std::unordered_map<Id, std::vector<ContractOption>> contracts_;
  std::unordered_map<Id, std::vector<UnusableContract>> unusable_;
};

Result<void> Suggest::validate() {
  if (options_.max_candidates == 0) {
    return Error(ErrorCode::kInvalidArgument, "suggest: max_candidates must be at least 1");
  }
  if (!(options_.min_score > 0.0 && options_.min_score <= 1.0)) {
    return Error(ErrorCode::kInvalidArgument, "suggest: min_score must be in (0, 1]");
  }
  auto product = detail::normalize_name(options_.product_name, false);
  if (!product) {
    return Error(ErrorCode::kInvalidArgument, "suggest: product_name: " + product.error().message);
  }
  product_ = detail::prepare_name(std::move(*product));
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < orgs_.size(); ++i) {
    if (orgs_[i].org_id.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "suggest: org " + std::to_string(i + 1) + " has an empty org_id");
    }
    if (!seen.insert(orgs_[i].org_id).second) {
      return Error(ErrorCode::kInvalidArgument, "suggest: org_id " +
                                                    quote(detail::sanitize_utf8(orgs_[i].org_id)) +
                                                    " appears more than once");
    }
  }
  allowed_.insert(options_.allowed_company_types.begin(), options_.allowed_company_types.end());
  return {};
}

Result<void> Suggest::read_companies() {
  Query q;
  q.filter.push_back(Filter::condition(Op::kGte, "id", 0));
  q.include_fields = {"id", "companyName", "companyType", "isActive"};
  auto items = client_.query(Company::kEntity, q, Paging::kIdCursor);
  if (!items) return std::move(items).error();
  companies_.reserve(items->size());
  for (const auto& o : *items) {
    auto c = Company::from_json(o);
    if (!c) return std::move(c).error();
    companies_.push_back(std::move(*c));
  }
  return {};
}

void Suggest::read_labels() {
  auto fields = client_.fields(Company::kEntity);
  if (!fields) {
    report_.notes.push_back("the companyType picklist could not be read (" +
                            fields.error().describe() + "); company types are shown as numbers");
    client_.logger().warn("suggest: " + report_.notes.back());
    return;
  }
  const FieldInfo* type = find_field(*fields, "companyType");
  if (!type) return;
  for (const auto& v : type->picklist_values) {
    try {
      labels_[std::stoll(v.value)] = v.label;
    } catch (const std::exception&) {
      // A non-numeric picklist value cannot be a companyType; ignore it.
    }
  }
}

void Suggest::build_index() {
  std::size_t unreadable = 0;
  for (std::size_t i = 0; i < companies_.size(); ++i) {
    auto n = detail::normalize_name(companies_[i].companyName);
    if (!n) {
      ++unreadable;
      continue;
    }
    if (n->empty()) continue;
    index_.add(detail::prepare_name(std::move(*n)));
    entry_company_.push_back(i);
  }
  if (unreadable) {
    report_.notes.push_back(std::to_string(unreadable) +
                            " company names are not valid UTF-8 and were not matched");
  }
}

std::string Suggest::exclusion_reason(const Company& c) const {
  std::string out;
  if (!c.isActive.value_or(true)) out = "inactive";
  if (type_allowed(c)) return out;
  if (!c.companyType.has_value()) {
    out += std::string(out.empty() ? "" : "; ") + "no company type, not allowed";
  } else {
    const auto label = type_label(c);
    out += std::string(out.empty() ? "" : "; ") + "company type " + std::to_string(*c.companyType) +
           (label ? " (" + *label + ")" : "") + " not allowed";
  }
  return out;
}

void Suggest::match(const PortalOrg& org, OrgSuggestion& s, OrgWork& w) {
  s.org_id = org.org_id;
  s.org_name = detail::sanitize_utf8(org.org_name);
  auto norm = detail::normalize_name(org.org_name);
  if (!norm) {
    s.reason = "the org name cannot be matched: " + norm.error().message;
    return;
  }
  s.normalized_name = *norm;
  if (norm->empty()) {
    s.reason = "the org name has no letters or digits to match";
    return;
  }
  const PreparedName name = detail::prepare_name(std::move(*norm));

  std::vector<Hit> hits;
  std::unordered_set<std::uint32_t> seen;
  for (std::uint32_t e : index_.exact(name.text)) {
    seen.insert(e);
    hits.push_back({entry_company_[e], 1.0, true});
  }
  for (std::uint32_t e : index_.candidates(name, kScoredPerOrg)) {
    if (!seen.insert(e).second) continue;
    const double score = detail::name_similarity(name, index_.name(e));
    if (score >= options_.min_score) hits.push_back({entry_company_[e], score, false});
  }
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.score != b.score) return a.score > b.score;
    return companies_[a.company].id < companies_[b.company].id;
  });

  std::vector<Hit> good, bad;
  for (const Hit& h : hits) (eligible(companies_[h.company]) ? good : bad).push_back(h);
  auto keep = [&](std::vector<Hit>& list, std::size_t& omitted) {
    const auto exact = static_cast<std::size_t>(
        std::count_if(list.begin(), list.end(), [](const Hit& h) { return h.exact; }));
    const std::size_t n = std::max(options_.max_candidates, exact);
    if (list.size() > n) {
      omitted = list.size() - n;
      list.resize(n);
    }
    return exact;
  };
  w.eligible_exact = keep(good, s.candidates_omitted);
  keep(bad, s.excluded_omitted);
  w.candidates = std::move(good);
  w.excluded = std::move(bad);

  s.match = w.eligible_exact == 1   ? MatchKind::kExact
            : !w.candidates.empty() ? MatchKind::kAmbiguous
                                    : MatchKind::kNone;
  for (const Hit& h : w.excluded) {
    const Company& c = companies_[h.company];
    ExcludedCompany x;
    x.company_id = c.id;
    x.company_name = c.companyName;
    x.company_type = c.companyType.to_optional();
    x.company_type_label = type_label(c);
    x.is_active = c.isActive.value_or(true);
    x.score = h.score;
    x.exact_name = h.exact;
    x.reason = exclusion_reason(c);
    s.excluded.push_back(std::move(x));
  }
}

Result<void> Suggest::read_contracts() {
  std::set<Id> company_ids;
  for (const auto& [id, unused] : contracts_) company_ids.insert(id);
  if (company_ids.empty()) return {};
  const Date today = report_.as_of;

  Query rs;
  rs.filter.push_back(Filter::eq("contractType", kContractTypeRecurringService));
  rs.include_fields = {"id",     "companyID", "contractName", "contractType",
                       "status", "startDate", "endDate"};
  auto contracts = client_.query_in_as<Contract>(
      "companyID", std::vector<Id>(company_ids.begin(), company_ids.end()), rs);
  if (!contracts) return std::move(contracts).error();

  std::map<Id, const Contract*> usable;
  for (const Contract& c : *contracts) {
    if (!company_ids.count(c.companyID)) continue;
    if (c.contractType.value_or(0) != kContractTypeRecurringService) continue;
    std::string why;
    if (c.status.value_or(-1) != options_.active_contract_status) {
      why = "not active (status " + (c.status ? std::to_string(*c.status) : std::string("unset")) +
            ")";
    } else if (c.endDate.has_value() && *c.endDate < today) {
      why = "ended on " + format_date(*c.endDate);
    } else if (c.startDate.has_value() && today < *c.startDate) {
      why = "starts on " + format_date(*c.startDate);
    }
    if (!why.empty()) {
      unusable_[c.companyID].push_back({c.id, c.contractName, std::move(why)});
      continue;
    }
    usable.emplace(c.id, &c);
  }
  if (usable.empty()) return {};

  std::vector<Id> contract_ids;
  contract_ids.reserve(usable.size());
  for (const auto& [id, unused] : usable) contract_ids.push_back(id);
  Query lines_fields;
  lines_fields.include_fields = {"id", "contractID", "serviceID"};
  auto lines = client_.query_in_as<ContractService>("contractID", contract_ids, lines_fields);
  if (!lines) return std::move(lines).error();

  std::set<Id> service_ids;
  for (const auto& l : *lines) service_ids.insert(l.serviceID);
  std::unordered_map<Id, Service> services;
  if (!service_ids.empty()) {
    Query service_fields;
    service_fields.include_fields = {"id", "name", "isActive"};
    auto read = client_.query_in_as<Service>(
        "id", std::vector<Id>(service_ids.begin(), service_ids.end()), service_fields);
    if (!read) return std::move(read).error();
    for (auto& sv : *read) {
      const Id id = sv.id;
      services.emplace(id, std::move(sv));
    }
  }

  std::map<Id, std::vector<ServiceOption>> options_by_contract;
  for (const auto& l : *lines) {
    if (!usable.count(l.contractID)) continue;
    ServiceOption o;
    o.contract_service_id = l.id;
    o.service_id = l.serviceID;
    if (auto it = services.find(l.serviceID); it != services.end()) {
      o.service_name = it->second.name;
      o.service_is_active = it->second.isActive.to_optional();
      if (auto n = detail::normalize_name(o.service_name, false)) {
        o.product_score = detail::product_match(detail::prepare_name(std::move(*n)), product_);
      }
    }
    o.matches_product = o.product_score >= options_.min_score;
    options_by_contract[l.contractID].push_back(std::move(o));
  }
  for (const auto& [id, c] : usable) {
    ContractOption co;
    co.contract_id = id;
    co.contract_name = c->contractName;
    co.start_date = c->startDate.to_optional();
    co.end_date = c->endDate.to_optional();
    co.services = std::move(options_by_contract[id]);
    std::sort(co.services.begin(), co.services.end(),
              [](const ServiceOption& a, const ServiceOption& b) {
                if (a.product_score != b.product_score) return a.product_score > b.product_score;
                return a.contract_service_id < b.contract_service_id;
              });
    if (!co.services.empty() && co.services.front().matches_product) {
      co.services.front().best_match = true;
    }
    contracts_[c->companyID].push_back(std::move(co));
  }
  return {};
}

CompanyCandidate Suggest::candidate(const Hit& h) const {
  const Company& c = companies_[h.company];
  CompanyCandidate out;
  out.company_id = c.id;
  out.company_name = c.companyName;
  out.company_type = c.companyType.to_optional();
  out.company_type_label = type_label(c);
  out.is_active = c.isActive.value_or(true);
  out.score = h.score;
  out.exact_name = h.exact;
  if (auto it = contracts_.find(c.id); it != contracts_.end()) out.contracts = it->second;
  if (auto it = unusable_.find(c.id); it != unusable_.end()) out.unusable_contracts = it->second;
  return out;
}

void Suggest::decide(OrgSuggestion& s, const OrgWork& w) {
  for (const Hit& h : w.candidates) s.candidates.push_back(candidate(h));
  const std::string name = s.normalized_name.value_or("");

  if (s.match == MatchKind::kNone) {
    if (!s.reason.empty()) return;  // the name itself could not be matched
    s.reason = "no active company of an allowed type has a name like " + quote(name);
    if (!s.excluded.empty()) {
      const ExcludedCompany& x = s.excluded.front();
      s.reason += "; " + std::to_string(s.excluded.size() + s.excluded_omitted) +
                  " look-alike(s) excluded, the closest company " + std::to_string(x.company_id) +
                  " " + quote(x.company_name) + " (" + x.reason + ")";
    }
    return;
  }
  if (s.match == MatchKind::kAmbiguous) {
    if (w.eligible_exact > 1) {
      std::vector<Id> ids;
      for (const auto& c : s.candidates) {
        if (c.exact_name) ids.push_back(c.company_id);
      }
      s.reason = std::to_string(w.eligible_exact) +
                 " active companies of an allowed type are named " + quote(name) + " (" +
                 id_list(ids) +
                 "): duplicates in Autotask cannot be told apart by name; choose one, nothing "
                 "was proposed";
    } else {
      s.reason = "no active company of an allowed type is named " + quote(name) + "; " +
                 std::to_string(s.candidates.size() + s.candidates_omitted) +
                 " similar name(s) found; choose one or none, nothing was proposed";
    }
    return;
  }

  const CompanyCandidate& c = s.candidates.front();  // the exact one: others score below 1
  s.reason = "company " + std::to_string(c.company_id) + " " + quote(c.company_name) +
             " is the only active company of an allowed type named " + quote(name);
  auto no_proposal = [&](const std::string& why) {
    s.reason += ", but no mapping was proposed: " + why;
  };
  if (product_.text.empty()) {
    return no_proposal("no product_name was given, so no contract service can be picked");
  }
  if (c.contracts.empty()) {
    std::string why =
        "it has no active Recurring Service contract in force on " + format_date(report_.as_of);
    if (!c.unusable_contracts.empty()) {
      why += " (" + std::to_string(c.unusable_contracts.size()) +
             " other Recurring Service contract(s): " + c.unusable_contracts.front().reason +
             (c.unusable_contracts.size() > 1 ? ", ..." : "") + ")";
    }
    return no_proposal(why);
  }
  if (c.contracts.size() > 1) {
    std::vector<Id> ids;
    for (const auto& k : c.contracts) ids.push_back(k.contract_id);
    return no_proposal("it has " + std::to_string(c.contracts.size()) +
                       " active Recurring Service contracts in force (" + id_list(ids) +
                       "); choose one");
  }
  const ContractOption& k = c.contracts.front();
  std::vector<const ServiceOption*> matching;
  for (const auto& o : k.services) {
    if (o.matches_product) matching.push_back(&o);
  }
  const std::string contract = "contract " + std::to_string(k.contract_id) +
                               (k.contract_name.empty() ? "" : " " + quote(k.contract_name));
  if (matching.empty()) {
    return no_proposal(contract + " carries no service matching " + quote(options_.product_name) +
                       "; add the service to the contract or choose the contract service");
  }
  if (matching.size() > 1) {
    std::vector<Id> ids;
    ids.reserve(matching.size());
    for (const auto* o : matching) ids.push_back(o->contract_service_id);
    return no_proposal(contract + " carries " + std::to_string(matching.size()) +
                       " contract services matching " + quote(options_.product_name) + " (" +
                       id_list(ids) + "); choose one");
  }
  const ServiceOption& line = *matching.front();
  if (line.service_is_active.has_value() && !*line.service_is_active) {
    return no_proposal("service " + std::to_string(line.service_id) + " " +
                       quote(line.service_name) + " on " + contract + " is inactive in Autotask");
  }
  Mapping m;
  m.org_id = s.org_id;
  m.org_name = s.org_name;
  m.company_id = c.company_id;
  m.contract_id = k.contract_id;
  m.service_id = line.service_id;
  m.contract_service_id = line.contract_service_id;
  m.company_name = c.company_name;  // recorded, so that the nightly sync notices a rename
  s.proposed = std::move(m);
  s.reason += "; " + contract + " carries service " + std::to_string(line.service_id) + " " +
              quote(line.service_name) + " once (contract service " +
              std::to_string(line.contract_service_id) + ")";
}

Result<SuggestReport> Suggest::run() {
  if (auto v = validate(); !v) return std::move(v).error();
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
  auto today = civil_date_in_zone(now, options_.time_zone);
  if (!today) return std::move(today).error();
  report_.as_of = *today;
  report_.time_zone = options_.time_zone;
  report_.product_name = options_.product_name;
  report_.allowed_company_types = options_.allowed_company_types;
  report_.min_score = options_.min_score;
  report_.max_candidates = options_.max_candidates;
  if (orgs_.empty()) return std::move(report_);

  const std::uint64_t start = client_.request_count();
  if (auto r = read_companies(); !r) return std::move(r).error();
  report_.companies_read = companies_.size();
  if (!companies_.empty()) read_labels();
  build_index();

  std::vector<OrgWork> work(orgs_.size());
  report_.orgs.resize(orgs_.size());
  for (std::size_t i = 0; i < orgs_.size(); ++i) {
    match(orgs_[i], report_.orgs[i], work[i]);
    for (const Hit& h : work[i].candidates) contracts_.try_emplace(companies_[h.company].id);
  }
  if (auto r = read_contracts(); !r) return std::move(r).error();
  for (std::size_t i = 0; i < orgs_.size(); ++i) {
    OrgSuggestion& s = report_.orgs[i];
    decide(s, work[i]);
    ++report_.totals.orgs;
    switch (s.match) {
      case MatchKind::kExact:
        ++report_.totals.exact;
        break;
      case MatchKind::kAmbiguous:
        ++report_.totals.ambiguous;
        break;
      case MatchKind::kNone:
        ++report_.totals.none;
        break;
    }
    if (s.proposed) ++report_.totals.proposed;
  }
  report_.requests = client_.request_count() - start;
  return std::move(report_);
}

bj::value opt_date(const std::optional<Date>& d) {
  return d ? bj::value(format_date(*d)) : bj::value(nullptr);
}

bj::value opt_int(const std::optional<std::int64_t>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

bj::value opt_text(const std::optional<std::string>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

bj::object company_json(Id id, const std::string& name, const std::optional<std::int64_t>& type,
                        const std::optional<std::string>& label, bool active, double score,
                        bool exact) {
  return bj::object{{"company_id", id},
                    {"company_name", name},
                    {"company_type", opt_int(type)},
                    {"company_type_label", opt_text(label)},
                    {"is_active", active},
                    {"score", score},
                    {"exact_name", exact}};
}

std::string type_text(const std::optional<std::int64_t>& type,
                      const std::optional<std::string>& label) {
  if (!type) return "no type";
  return "type " + std::to_string(*type) + (label ? " " + *label : "");
}

std::string score_text(double s) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(2);
  o << s;
  return o.str();
}

}  // namespace

Result<SuggestReport> suggest_mappings(Client& client, const std::vector<PortalOrg>& orgs,
                                       const SuggestOptions& options) {
  return Suggest(client, orgs, options).run();
}

bj::object SuggestReport::to_json() const {
  auto num = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  bj::object o;
  o["schema"] = "autotask_sync.suggest_report.v1";
  o["as_of"] = format_date(as_of);
  o["time_zone"] = time_zone;
  o["product_name"] = product_name;
  bj::array types;
  for (auto t : allowed_company_types) types.emplace_back(t);
  o["allowed_company_types"] = std::move(types);
  o["min_score"] = min_score;
  o["max_candidates"] = num(max_candidates);
  o["companies_read"] = num(companies_read);
  o["requests"] = num(requests);
  o["totals"] = bj::object{{"orgs", num(totals.orgs)},
                           {"exact", num(totals.exact)},
                           {"ambiguous", num(totals.ambiguous)},
                           {"none", num(totals.none)},
                           {"proposed", num(totals.proposed)}};
  bj::array note_list;
  for (const auto& n : notes) note_list.emplace_back(n);
  o["notes"] = std::move(note_list);

  bj::array org_list;
  for (const auto& s : orgs) {
    bj::object j;
    j["org_id"] = s.org_id;
    j["org_name"] = s.org_name;
    j["normalized_name"] = opt_text(s.normalized_name);
    j["match"] = to_string(s.match);
    j["reason"] = s.reason;
    j["proposed"] = s.proposed ? bj::value(s.proposed->to_json()) : bj::value(nullptr);
    bj::array cands;
    for (const auto& c : s.candidates) {
      bj::object cj = company_json(c.company_id, c.company_name, c.company_type,
                                   c.company_type_label, c.is_active, c.score, c.exact_name);
      bj::array contracts;
      for (const auto& k : c.contracts) {
        bj::array services;
        for (const auto& l : k.services) {
          services.emplace_back(
              bj::object{{"contract_service_id", l.contract_service_id},
                         {"service_id", l.service_id},
                         {"service_name", l.service_name},
                         {"service_is_active", l.service_is_active ? bj::value(*l.service_is_active)
                                                                   : bj::value(nullptr)},
                         {"product_score", l.product_score},
                         {"matches_product", l.matches_product},
                         {"best_match", l.best_match}});
        }
        contracts.emplace_back(bj::object{{"contract_id", k.contract_id},
                                          {"contract_name", k.contract_name},
                                          {"start_date", opt_date(k.start_date)},
                                          {"end_date", opt_date(k.end_date)},
                                          {"services", std::move(services)}});
      }
      cj["contracts"] = std::move(contracts);
      bj::array unusable;
      for (const auto& u : c.unusable_contracts) {
        unusable.emplace_back(bj::object{{"contract_id", u.contract_id},
                                         {"contract_name", u.contract_name},
                                         {"reason", u.reason}});
      }
      cj["unusable_contracts"] = std::move(unusable);
      cands.emplace_back(std::move(cj));
    }
    j["candidates"] = std::move(cands);
    j["candidates_omitted"] = num(s.candidates_omitted);
    bj::array excl;
    for (const auto& x : s.excluded) {
      bj::object xj = company_json(x.company_id, x.company_name, x.company_type,
                                   x.company_type_label, x.is_active, x.score, x.exact_name);
      xj["reason"] = x.reason;
      excl.emplace_back(std::move(xj));
    }
    j["excluded"] = std::move(excl);
    j["excluded_omitted"] = num(s.excluded_omitted);
    org_list.emplace_back(std::move(j));
  }
  o["orgs"] = std::move(org_list);
  return o;
}

std::string SuggestReport::summary() const {
  return std::to_string(totals.orgs) + (totals.orgs == 1 ? " org: " : " orgs: ") +
         std::to_string(totals.exact) + " exact, " + std::to_string(totals.ambiguous) +
         " ambiguous, " + std::to_string(totals.none) + " none; " +
         std::to_string(totals.proposed) + (totals.proposed == 1 ? " mapping" : " mappings") +
         " proposed; " + std::to_string(requests) + " requests";
}

std::string SuggestReport::to_text() const {
  std::string out;
  out += "Mapping suggestions as of " + format_date(as_of) + " (" + time_zone + "), product " +
         quote(product_name) + "\n";
  for (const auto& n : notes) out += "note: " + n + "\n";
  for (const auto& s : orgs) {
    out += "\norg " + s.org_id + " " + quote(s.org_name) + ": " + to_string(s.match) + "\n";
    out += "  " + s.reason + "\n";
    if (s.proposed) {
      const Mapping& m = *s.proposed;
      out += "  proposed: company " + std::to_string(m.company_id) + ", contract " +
             std::to_string(m.contract_id) + ", service " + std::to_string(m.service_id) +
             ", contract service " + std::to_string(m.contract_service_id.value_or(0)) + "\n";
    }
    for (const auto& c : s.candidates) {
      out += "  candidate " + std::to_string(c.company_id) + " " + quote(c.company_name) + " (" +
             type_text(c.company_type, c.company_type_label) + ", " +
             (c.is_active ? "active" : "inactive") + ") score " + score_text(c.score) + "\n";
      for (const auto& k : c.contracts) {
        out +=
            "    contract " + std::to_string(k.contract_id) + " " + quote(k.contract_name) + "\n";
        for (const auto& l : k.services) {
          out += std::string("      ") + (l.best_match ? "* " : "  ") + "contract service " +
                 std::to_string(l.contract_service_id) + ": service " +
                 std::to_string(l.service_id) + " " + quote(l.service_name) +
                 (l.service_is_active.value_or(true) ? "" : " (inactive)") + ", product match " +
                 score_text(l.product_score) + "\n";
        }
      }
      for (const auto& u : c.unusable_contracts) {
        out += "    not usable: contract " + std::to_string(u.contract_id) + " " +
               quote(u.contract_name) + ": " + u.reason + "\n";
      }
    }
    if (s.candidates_omitted) {
      out += "  (" + std::to_string(s.candidates_omitted) + " more candidates not shown)\n";
    }
    for (const auto& x : s.excluded) {
      out += "  excluded " + std::to_string(x.company_id) + " " + quote(x.company_name) +
             " score " + score_text(x.score) + ": " + x.reason + "\n";
    }
    if (s.excluded_omitted) {
      out += "  (" + std::to_string(s.excluded_omitted) + " more excluded not shown)\n";
    }
  }
  out += "\n" + summary() + "\n";
  return out;
}

}  // namespace autotask_sync
