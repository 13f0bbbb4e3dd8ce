// The mapping assistant against a small Autotask stand-in that, unlike fake_tenant.hpp, evaluates
// every filter condition, honours IncludeFields and MaxRecords, pages 500 items at a time with
// nextPageUrl as Autotask does, and serves the companyType picklist.
#include <autotask_sync/sync/suggest.hpp>

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/http/mock_transport.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <doctest/doctest.h>
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

const std::string kBase = "https://webservices5.autotask.net/ATServicesRest/";

struct Tenant {
  std::map<std::string, std::vector<bj::object>> entities;
  std::map<std::string, std::size_t> queries;  // entity -> query requests (pages included)
  std::vector<std::size_t> in_sizes;           // size of each `in` list sent
  std::vector<std::string> in_fields;          // "Contracts.companyID", ...
  int metadata_status = 200;

  void add(const std::string& entity, bj::object o) { entities[entity].push_back(std::move(o)); }
};

bool numeric(const bj::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

// -1, 0, 1; numbers as numbers, strings as strings; anything else unordered (2).
int compare(const bj::value& a, const bj::value& b) {
  if (numeric(a) && numeric(b)) {
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const auto c = a.get_string().compare(b.get_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is_bool() && b.is_bool()) return a.get_bool() == b.get_bool() ? 0 : 2;
  return 2;
}

bool matches(const bj::object& item, const bj::object& f) {
  const std::string op(f.at("op").as_string());
  if (op == "and" || op == "or") {
    for (const auto& sub : f.at("items").as_array()) {
      const bool m = matches(item, sub.as_object());
      if (op == "or" && m) return true;
      if (op == "and" && !m) return false;
    }
    return op == "and";
  }
  const bj::value* v = json::find_ci(item, std::string(f.at("field").as_string()));
  const bool present = v && !v->is_null();
  if (op == "exist") return present;
  if (op == "notExist") return !present;
  if (!present) return false;
  const bj::value& want = f.at("value");
  if (op == "in" || op == "notIn") {
    bool found = false;
    for (const auto& x : want.as_array()) found = found || compare(*v, x) == 0;
    return op == "in" ? found : !found;
  }
  const int c = compare(*v, want);
  if (op == "eq") return c == 0;
  if (op == "noteq") return c != 0;
  if (op == "gt") return c == 1;
  if (op == "gte") return c == 1 || c == 0;
  if (op == "lt") return c == -1;
  if (op == "lte") return c == -1 || c == 0;
  FAIL("the fake does not know operator " << op);
  return false;
}

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

std::shared_ptr<http::MockTransport> serve(std::shared_ptr<Tenant> t) {
  auto mock = std::make_shared<http::MockTransport>();
  mock->route(
      [](const http::Request& r) { return r.url.find("zoneInformation") != std::string::npos; },
      [](const http::Request&) -> Result<http::Response> {
        return json_response(200, R"({"zoneName":"Zone 5","url":")" + kBase +
                                      R"(","webUrl":"https://ww5.autotask.net/","ci":4242})");
      });
  mock->route(
      [](const http::Request& r) {
        return r.url.find("Companies/entityInformation/fields") != std::string::npos;
      },
      [t](const http::Request&) -> Result<http::Response> {
        if (t->metadata_status != 200) {
          return json_response(t->metadata_status, R"({"errors":["not allowed"]})");
        }
        return json_response(200, R"({"fields":[{"name":"companyType","dataType":"integer",)"
                                  R"("isPickList":true,"picklistValues":[)"
                                  R"({"value":"1","label":"Customer","isActive":true},)"
                                  R"({"value":"2","label":"Lead","isActive":true},)"
                                  R"({"value":"3","label":"Prospect","isActive":true}]}]})");
      });
  mock->route([](const http::Request& r) { return r.url.find("/query") != std::string::npos; },
              [t](const http::Request& r) -> Result<http::Response> {
                const std::string path = http::url_path(r.url);
                const auto start = path.find("V1.0/") + 5;
                const std::string entity = path.substr(start, path.find('/', start) - start);
                ++t->queries[entity];
                const bj::object body = bj::parse(r.body).as_object();
                const bj::array& filter = body.at("filter").as_array();
                std::size_t offset = 0;
                if (auto p = r.url.find("paging="); p != std::string::npos) {
                  offset = std::stoul(r.url.substr(p + 7));
                } else {
                  for (const auto& f : filter) {
                    if (f.as_object().at("op").as_string() == "in") {
                      t->in_sizes.push_back(f.as_object().at("value").as_array().size());
                      t->in_fields.push_back(entity + "." +
                                             std::string(f.as_object().at("field").as_string()));
                    }
                  }
                }
                // Top-level `in` lists of ids are looked up in a set: 5,000 items against 500 ids.
                std::vector<std::pair<std::string, std::set<std::int64_t>>> id_lists;
                std::vector<const bj::object*> others;
                for (const auto& f : filter) {
                  const bj::object& fo = f.as_object();
                  if (fo.at("op").as_string() == "in") {
                    std::set<std::int64_t> ids;
                    for (const auto& x : fo.at("value").as_array())
                      ids.insert(x.to_number<std::int64_t>());
                    id_lists.emplace_back(std::string(fo.at("field").as_string()), std::move(ids));
                  } else {
                    others.push_back(&fo);
                  }
                }
                std::vector<bj::object> hits;
                for (const auto& o : t->entities[entity]) {
                  bool all = true;
                  for (const auto& [field, ids] : id_lists) {
                    const bj::value* v = json::find_ci(o, field);
                    all = all && v && numeric(*v) && ids.count(v->to_number<std::int64_t>());
                  }
                  for (const auto* f : others) all = all && matches(o, *f);
                  if (all) hits.push_back(o);
                }
                std::sort(hits.begin(), hits.end(), [](const bj::object& a, const bj::object& b) {
                  return a.at("id").as_int64() < b.at("id").as_int64();
                });
                std::size_t page = 500;
                if (const auto* m = body.if_contains("MaxRecords"))
                  page = m->to_number<std::size_t>();
                std::set<std::string> include;
                if (const auto* inc = body.if_contains("IncludeFields")) {
                  for (const auto& f : inc->as_array()) include.insert(std::string(f.as_string()));
                }
                bj::array items;
                for (std::size_t i = offset; i < hits.size() && i < offset + page; ++i) {
                  bj::object o;
                  for (const auto& kv : hits[i]) {
                    if (include.empty() || include.count(std::string(kv.key())))
                      o[kv.key()] = kv.value();
                  }
                  items.emplace_back(std::move(o));
                }
                bj::value next = nullptr;
                if (offset + page < hits.size()) {
                  next = bj::string(kBase + "V1.0/" + entity +
                                    "/query/next?paging=" + std::to_string(offset + page));
                }
                const auto count = items.size();
                bj::object answer{{"items", std::move(items)},
                                  {"pageDetails", bj::object{{"count", count},
                                                             {"requestCount", page},
                                                             {"prevPageUrl", nullptr},
                                                             {"nextPageUrl", next}}}};
                return json_response(200, bj::serialize(answer));
              });
  return mock;
}

std::shared_ptr<Client> client_for(std::shared_ptr<http::MockTransport> mock) {
  ClientOptions o;
  o.credentials = {"suggest-api@example.com", "s3cret-value", "INTEGRATION-CODE"};
  o.limits.watch_budget = false;  // the assistant's own request counts are asserted
  o.retry.max_attempts = 1;
  return Client::create(o, mock).value();
}

bj::object company(Id id, const char* name, int type, bool active) {
  return {{"id", id},
          {"companyName", name},
          {"companyType", type},
          {"isActive", active},
          {"companyNumber", "C" + std::to_string(id)}};  // not asked for: must not be needed
}

bj::object contract(Id id, Id company_id, const char* name, int type = 7, int status = 1,
                    const char* start = "2026-01-01", const char* end = "2026-12-31") {
  return {{"id", id},
          {"companyID", company_id},
          {"contractName", name},
          {"contractType", type},
          {"status", status},
          {"startDate", std::string(start) + "T00:00:00"},
          {"endDate", std::string(end) + "T00:00:00"}};
}

bj::object line(Id id, Id contract_id, Id service_id) {
  return {{"id", id}, {"contractID", contract_id}, {"serviceID", service_id}, {"unitCost", 3.0}};
}

bj::object service(Id id, const char* name, bool active = true) {
  return {{"id", id}, {"name", name}, {"isActive", active}, {"unitCost", 2.5}};
}

SuggestOptions options() {
  SuggestOptions o;
  o.product_name = "JumpCloud";
  o.now = [] {
    using namespace std::chrono;
    return sys_days{year{2026} / 3 / 15} + hours{10};
  };
  return o;
}

// BR-26: the same name three times; only 101 is active and a Customer.
std::shared_ptr<Tenant> br26_tenant() {
  auto t = std::make_shared<Tenant>();
  t->add("Companies", company(101, "Acme Inc", 1, true));
  t->add("Companies", company(202, "Acme Inc", 1, false));
  t->add("Companies", company(303, "ACME, Inc.", 3, true));
  return t;
}

void add_usable_contract(Tenant& t) {
  t.add("Contracts", contract(300, 101, "Acme Recurring"));
  t.add("ContractServices", line(5001, 300, 77));
  t.add("Services", service(77, "JumpCloud Directory - per user"));
}

const OrgSuggestion& only(const SuggestReport& r) {
  REQUIRE(r.orgs.size() == 1);
  return r.orgs[0];
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("BR-26: a unique exact active Customer is matched; its look-alikes are excluded") {
  auto t = br26_tenant();
  auto client = client_for(serve(t));
  auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
  REQUIRE(report.ok());
  const OrgSuggestion& s = only(*report);
  CHECK(s.match == MatchKind::kExact);
  CHECK(s.normalized_name == "acme");
  REQUIRE(s.candidates.size() == 1);
  CHECK(s.candidates[0].company_id == 101);
  CHECK(s.candidates[0].exact_name);
  CHECK(s.candidates[0].company_type_label == "Customer");
  // No contract: an exact match, but nothing to propose.
  CHECK_FALSE(s.proposed.has_value());
  CHECK(has(s.reason, "no mapping was proposed"));
  CHECK(has(s.reason, "no active Recurring Service contract in force on 2026-03-15"));
  REQUIRE(s.excluded.size() == 2);
  CHECK(s.excluded[0].company_id == 202);
  CHECK(s.excluded[0].reason == "inactive");
  CHECK(s.excluded[0].score == 1.0);
  CHECK(s.excluded[1].company_id == 303);
  CHECK(s.excluded[1].reason == "company type 3 (Prospect) not allowed");
  // zone, companies (3 < 500: one page), companyType picklist, contracts of 101
  CHECK(report->requests == 4);
  CHECK(t->in_fields == std::vector<std::string>{"Contracts.companyID"});
  CHECK(t->in_sizes == std::vector<std::size_t>{1});  // only 101's contracts
  CHECK(report->totals.exact == 1);
  CHECK(report->totals.proposed == 0);
}

TEST_CASE("BR-26 with a usable contract: the complete mapping is proposed, not applied") {
  auto t = br26_tenant();
  add_usable_contract(*t);
  // Contracts of the excluded companies are never read, so cannot be proposed.
  t->add("Contracts", contract(301, 202, "Old Acme"));
  t->add("ContractServices", line(5002, 301, 77));
  auto mock = serve(t);
  auto client = client_for(mock);
  auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
  REQUIRE(report.ok());
  const OrgSuggestion& s = only(*report);
  CHECK(s.match == MatchKind::kExact);
  REQUIRE(s.proposed.has_value());
  CHECK(s.proposed->org_id == "org-1");
  CHECK(s.proposed->org_name == "Acme Inc");
  CHECK(s.proposed->company_id == 101);
  CHECK(s.proposed->contract_id == 300);
  CHECK(s.proposed->service_id == 77);
  CHECK(s.proposed->contract_service_id == 5001);
  CHECK(s.proposed->company_name == "Acme Inc");
  REQUIRE(s.candidates[0].contracts.size() == 1);
  REQUIRE(s.candidates[0].contracts[0].services.size() == 1);
  const ServiceOption& o = s.candidates[0].contracts[0].services[0];
  CHECK(o.service_name == "JumpCloud Directory - per user");
  CHECK(o.product_score == 0.95);  // "jumpcloud" is a word of the service name
  CHECK(o.best_match);
  // zone, companies, picklist, contracts, contract services, services
  CHECK(report->requests == 6);
  for (const auto& r : mock->requests()) CHECK(r.method != http::Method::kPatch);
  for (const auto& r : mock->requests()) {
    if (r.method == http::Method::kPost) CHECK(has(r.url, "/query"));
  }

  const bj::object j = report->to_json();
  CHECK(j.at("schema").as_string() == "autotask_sync.suggest_report.v1");
  CHECK(j.at("as_of").as_string() == "2026-03-15");
  CHECK(j.at("requests").as_int64() == 6);
  const bj::object& org = j.at("orgs").as_array()[0].as_object();
  CHECK(org.at("match").as_string() == "exact");
  CHECK(org.at("proposed").as_object().at("contract_service_id").as_int64() == 5001);
  CHECK(org.at("proposed").as_object().at("company_name").as_string() == "Acme Inc");
  const bj::object& cand = org.at("candidates").as_array()[0].as_object();
  CHECK(cand.at("company_type_label").as_string() == "Customer");
  const bj::object& svc =
      cand.at("contracts").as_array()[0].as_object().at("services").as_array()[0].as_object();
  CHECK(svc.at("best_match").as_bool());
  CHECK(svc.at("matches_product").as_bool());
  const bj::array& excl = org.at("excluded").as_array();
  REQUIRE(excl.size() == 2);
  CHECK(excl[1].as_object().at("reason").as_string() == "company type 3 (Prospect) not allowed");
  CHECK(excl[1].as_object().at("is_active").as_bool());
  CHECK(j.at("totals").as_object().at("proposed").as_int64() == 1);

  const std::string text = report->to_text();
  CHECK(has(text, "org org-1 'Acme Inc': exact"));
  CHECK(has(text, "proposed: company 101, contract 300, service 77, contract service 5001"));
  CHECK(has(text, "excluded 303 'ACME, Inc.' score 1.00: company type 3 (Prospect) not allowed"));
  CHECK(report->summary() == "1 org: 1 exact, 0 ambiguous, 0 none; 1 mapping proposed; 6 requests");

  // With every company type allowed, 303 (a Prospect) is a second exact match: ambiguous.
  auto any_type = options();
  any_type.allowed_company_types.clear();
  auto wide = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, any_type);
  REQUIRE(wide.ok());
  CHECK(only(*wide).match == MatchKind::kAmbiguous);
  REQUIRE(only(*wide).candidates.size() == 2);
  CHECK(only(*wide).candidates[1].company_id == 303);
  REQUIRE(only(*wide).excluded.size() == 1);
  CHECK(only(*wide).excluded[0].reason == "inactive");
}

TEST_CASE("two active companies with the same name are ambiguous: both listed, none proposed") {
  auto t = std::make_shared<Tenant>();
  t->add("Companies", company(101, "Acme Inc", 1, true));
  t->add("Companies", company(102, "ACME Incorporated", 1, true));
  t->add("Contracts", contract(300, 101, "A"));
  t->add("Contracts", contract(310, 102, "B"));
  t->add("ContractServices", line(5001, 300, 77));
  t->add("ContractServices", line(5101, 310, 77));
  t->add("Services", service(77, "JumpCloud"));
  auto client = client_for(serve(t));
  auto opts = options();
  opts.max_candidates = 1;  // same-name duplicates are never cut
  auto report = suggest_mappings(*client, {{"org-1", "Acme"}}, opts);
  REQUIRE(report.ok());
  const OrgSuggestion& s = only(*report);
  CHECK(s.match == MatchKind::kAmbiguous);
  CHECK_FALSE(s.proposed.has_value());
  REQUIRE(s.candidates.size() == 2);
  CHECK(s.candidates[0].company_id == 101);
  CHECK(s.candidates[1].company_id == 102);
  CHECK(s.candidates[0].exact_name);
  CHECK(s.candidates[1].exact_name);
  CHECK(s.candidates[1].is_active);
  CHECK(s.candidates[1].company_type == 1);
  // Each still shows its contract, so the person choosing sees where it would bill.
  REQUIRE(s.candidates[1].contracts.size() == 1);
  CHECK(s.candidates[1].contracts[0].contract_id == 310);
  CHECK(has(s.reason, "2 active companies of an allowed type are named 'acme' (101, 102)"));
  CHECK(report->totals.ambiguous == 1);
}

TEST_CASE("an org whose only look-alike is inactive gets no match and sees why") {
  auto t = std::make_shared<Tenant>();
  t->add("Companies", company(202, "Globex Corp", 1, false));
  t->add("Companies", company(203, "Initech", 1, true));
  auto client = client_for(serve(t));
  auto report = suggest_mappings(*client, {{"org-9", "Globex Corporation"}}, options());
  REQUIRE(report.ok());
  const OrgSuggestion& s = only(*report);
  CHECK(s.match == MatchKind::kNone);
  CHECK(s.candidates.empty());
  REQUIRE(s.excluded.size() == 1);
  CHECK(s.excluded[0].company_id == 202);
  CHECK(s.excluded[0].reason == "inactive");
  CHECK(s.excluded[0].exact_name);
  CHECK(has(s.reason, "company 202 'Globex Corp' (inactive)"));
  // No candidate: no contract is read. zone, companies, picklist.
  CHECK(report->requests == 3);
  CHECK(t->queries.count("Contracts") == 0);
}

TEST_CASE("a similar but not equal name is a candidate, never an exact match") {
  auto t = std::make_shared<Tenant>();
  t->add("Companies", company(401, "Contoso Pharmaceutical Ltd", 1, true));
  t->add("Companies", company(402, "Fabrikam", 1, true));
  auto client = client_for(serve(t));
  auto report = suggest_mappings(*client, {{"org-2", "Contoso Pharmaceuticals"}}, options());
  REQUIRE(report.ok());
  const OrgSuggestion& s = only(*report);
  CHECK(s.match == MatchKind::kAmbiguous);
  REQUIRE(s.candidates.size() == 1);
  CHECK(s.candidates[0].company_id == 401);
  CHECK(s.candidates[0].score == 0.9565);  // one deletion in 23 code points
  CHECK_FALSE(s.candidates[0].exact_name);
  CHECK_FALSE(s.proposed.has_value());
}

TEST_CASE("contract services are ranked by how well the service matches the product") {
  auto t = br26_tenant();
  t->add("Contracts", contract(300, 101, "Acme Recurring"));
  t->add("ContractServices", line(5001, 300, 80));
  t->add("ContractServices", line(5002, 300, 77));
  t->add("Services", service(80, "Backup per device"));
  t->add("Services", service(77, "JumpCloud Directory - per user"));

  SUBCASE("one matching service: ranked first, flagged and proposed") {
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
    REQUIRE(report.ok());
    const OrgSuggestion& s = only(*report);
    const auto& lines = s.candidates[0].contracts[0].services;
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].contract_service_id == 5002);
    CHECK(lines[0].best_match);
    CHECK(lines[0].matches_product);
    CHECK(lines[1].contract_service_id == 5001);
    CHECK_FALSE(lines[1].best_match);
    CHECK_FALSE(lines[1].matches_product);
    REQUIRE(s.proposed.has_value());
    CHECK(s.proposed->contract_service_id == 5002);
    CHECK(s.proposed->service_id == 77);
  }
  SUBCASE("two matching services: both ranked above the rest, nothing proposed") {
    t->add("ContractServices", line(5003, 300, 79));
    t->add("Services", service(79, "JumpCloud"));
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
    REQUIRE(report.ok());
    const OrgSuggestion& s = only(*report);
    const auto& lines = s.candidates[0].contracts[0].services;
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].contract_service_id == 5003);  // equal name: 1.0
    CHECK(lines[0].product_score == 1.0);
    CHECK(lines[0].best_match);
    CHECK(lines[1].contract_service_id == 5002);  // word run: 0.95
    CHECK_FALSE(lines[1].best_match);
    CHECK(lines[2].contract_service_id == 5001);
    CHECK_FALSE(s.proposed.has_value());
    CHECK(has(s.reason, "carries 2 contract services matching 'JumpCloud' (5003, 5002)"));
  }
  SUBCASE("no matching service") {
    auto opts = options();
    opts.product_name = "Duo Security";
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, opts);
    REQUIRE(report.ok());
    const OrgSuggestion& s = only(*report);
    CHECK_FALSE(s.proposed.has_value());
    CHECK_FALSE(s.candidates[0].contracts[0].services[0].best_match);
    CHECK(has(s.reason, "carries no service matching 'Duo Security'"));
  }
  SUBCASE("no product name: candidates listed, nothing proposed") {
    auto opts = options();
    opts.product_name.clear();
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, opts);
    REQUIRE(report.ok());
    CHECK(only(*report).match == MatchKind::kExact);
    CHECK_FALSE(only(*report).proposed.has_value());
    CHECK(has(only(*report).reason, "no product_name was given"));
  }
}

TEST_CASE("an exact match without exactly one usable contract is not proposed") {
  auto t = br26_tenant();
  t->add("Services", service(77, "JumpCloud"));

  SUBCASE("two active Recurring Service contracts in force") {
    t->add("Contracts", contract(300, 101, "A"));
    t->add("Contracts", contract(305, 101, "B"));
    t->add("ContractServices", line(5001, 300, 77));
    t->add("ContractServices", line(5005, 305, 77));
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
    REQUIRE(report.ok());
    CHECK_FALSE(only(*report).proposed.has_value());
    CHECK(has(only(*report).reason, "2 active Recurring Service contracts in force (300, 305)"));
  }
  SUBCASE("expired, paused, future and non-Recurring-Service contracts") {
    t->add("Contracts", contract(301, 101, "Old", 7, 1, "2025-01-01", "2025-12-31"));
    t->add("Contracts", contract(302, 101, "Paused", 7, 0));
    t->add("Contracts", contract(303, 101, "Next year", 7, 1, "2027-01-01", "2027-12-31"));
    t->add("Contracts", contract(304, 101, "Hours", 4, 1));
    t->add("ContractServices", line(5001, 301, 77));
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
    REQUIRE(report.ok());
    const OrgSuggestion& s = only(*report);
    CHECK(s.match == MatchKind::kExact);
    CHECK_FALSE(s.proposed.has_value());
    CHECK(s.candidates[0].contracts.empty());
    const auto& unusable = s.candidates[0].unusable_contracts;
    REQUIRE(unusable.size() == 3);  // 304 is not Recurring Service: not read at all
    CHECK(unusable[0].contract_id == 301);
    CHECK(unusable[0].reason == "ended on 2025-12-31");
    CHECK(unusable[1].reason == "not active (status 0)");
    CHECK(unusable[2].reason == "starts on 2027-01-01");
    // No usable contract: contract services and services are not read.
    CHECK(report->requests == 4);
  }
  SUBCASE("the matching service is inactive") {
    t->entities["Services"].clear();
    t->add("Services", service(77, "JumpCloud", false));
    t->add("Contracts", contract(300, 101, "A"));
    t->add("ContractServices", line(5001, 300, 77));
    auto client = client_for(serve(t));
    auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
    REQUIRE(report.ok());
    CHECK_FALSE(only(*report).proposed.has_value());
    CHECK(has(only(*report).reason, "service 77 'JumpCloud' on contract 300 'A' is inactive"));
  }
}

TEST_CASE("an unreadable companyType picklist leaves the labels out and says so") {
  auto t = br26_tenant();
  t->metadata_status = 403;
  auto client = client_for(serve(t));
  auto report = suggest_mappings(*client, {{"org-1", "Acme Inc"}}, options());
  REQUIRE(report.ok());
  const OrgSuggestion& s = only(*report);
  CHECK(s.match == MatchKind::kExact);
  CHECK_FALSE(s.candidates[0].company_type_label.has_value());
  CHECK(s.excluded[1].reason == "company type 3 not allowed");
  REQUIRE(report->notes.size() == 1);
  CHECK(has(report->notes[0], "companyType picklist could not be read"));
}

TEST_CASE("org names that cannot be matched, bad options and no orgs") {
  auto t = br26_tenant();
  auto mock = serve(t);
  auto client = client_for(mock);

  auto report =
      suggest_mappings(*client, {{"org-1", "Acme \xFF Inc"}, {"org-2", "---"}}, options());
  REQUIRE(report.ok());
  CHECK(report->orgs[0].match == MatchKind::kNone);
  CHECK(has(report->orgs[0].reason, "not valid UTF-8"));
  CHECK(report->orgs[0].org_name == "Acme \xEF\xBF\xBD Inc");
  CHECK_FALSE(report->orgs[0].normalized_name.has_value());
  CHECK(report->orgs[1].match == MatchKind::kNone);
  CHECK(has(report->orgs[1].reason, "no letters or digits"));
  // The report stays valid JSON text.
  CHECK(bj::parse(bj::serialize(report->to_json())).is_object());

  mock->clear_requests();
  auto empty = suggest_mappings(*client, {}, options());
  REQUIRE(empty.ok());
  CHECK(empty->requests == 0);
  CHECK(mock->request_count() == 0);

  auto dup = suggest_mappings(*client, {{"org-1", "A"}, {"org-1", "B"}}, options());
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == ErrorCode::kInvalidArgument);
  CHECK(has(dup.error().message, "org_id 'org-1' appears more than once"));

  auto opts = options();
  opts.min_score = 0;
  CHECK_FALSE(suggest_mappings(*client, {{"org-1", "A"}}, opts).ok());
  opts = options();
  opts.max_candidates = 0;
  CHECK_FALSE(suggest_mappings(*client, {{"org-1", "A"}}, opts).ok());
  opts = options();
  opts.time_zone = "Mars/Olympus";
  CHECK_FALSE(suggest_mappings(*client, {{"org-1", "A"}}, opts).ok());
  CHECK(mock->request_count() == 0);
}

TEST_CASE("5,000 companies and 5,000 orgs: a bounded number of requests") {
  auto t = std::make_shared<Tenant>();
  std::vector<PortalOrg> orgs;
  t->add("Services", service(77, "JumpCloud Directory - per user"));
  for (Id i = 1; i <= 5000; ++i) {
    const std::string n = std::to_string(i);
    t->add("Companies", company(i, ("Tenant " + n + " Ltd").c_str(), 1, true));
    t->add("Contracts", contract(100000 + i, i, ("Tenant " + n + " recurring").c_str()));
    t->add("ContractServices", line(200000 + i, 100000 + i, 77));
    orgs.push_back({"org-" + n, "TENANT " + n + ", Ltd."});
  }
  auto client = client_for(serve(t));
  auto report = suggest_mappings(*client, orgs, options());
  REQUIRE(report.ok());

  // Companies by id cursor, 500 a page: 10 full pages and an 11th, empty, that ends the listing.
  CHECK(t->queries["Companies"] == 11);
  // 5,000 candidate companies, 5,000 usable contracts: `in` lists of 500, each answered in one
  // page of at most 500.
  CHECK(t->queries["Contracts"] == 10);
  CHECK(t->queries["ContractServices"] == 10);
  CHECK(t->queries["Services"] == 1);  // every line is service 77
  for (auto n : t->in_sizes) CHECK(n <= 500);
  // 1 zone lookup + 11 + 1 picklist + 10 + 10 + 1
  CHECK(report->requests == 34);
  CHECK(report->companies_read == 5000);

  CHECK(report->totals.exact == 5000);
  CHECK(report->totals.proposed == 5000);
  const OrgSuggestion& s = report->orgs[1233];  // org-1234
  CHECK(s.org_id == "org-1234");
  REQUIRE(s.proposed.has_value());
  CHECK(s.proposed->company_id == 1234);
  CHECK(s.proposed->contract_id == 101234);
  CHECK(s.proposed->contract_service_id == 201234);
  // "tenant 1234" shares the prefix "123" with 1230..1239; each is one substitution away
  // (1 - 1/11 = 0.9091): the exact one first, then the closest four by id.
  REQUIRE(s.candidates.size() == 5);
  CHECK(s.candidates[0].company_id == 1234);
  CHECK(s.candidates[1].company_id == 1230);
  CHECK(s.candidates[1].score == 0.9091);
  CHECK(s.candidates[4].company_id == 1233);
  CHECK(s.candidates_omitted == 5);  // 1235..1239
  // "tenant 7" shares no word or prefix with another name but "tenant", on every name.
  CHECK(report->orgs[6].candidates.size() == 1);
}
