// The readiness check over real HTTPS against the simulator: the prepared fixture passes, the
// unprepared one reports each broken prerequisite exactly once, refused credentials and a spent
// budget are findings, the nightly sync skips what the check flags with the same codes, and a
// tenant of 5,000 companies and 5,000 mappings costs a fixed number of requests.
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/http/beast_transport.hpp>
#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/config.hpp>
#include <autotask_sync/sync/readiness.hpp>
#include <autotask_sync/sync/suggest.hpp>

#include "integration/support.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

using integration::read_text;
using integration::run_time;

struct Site {
  std::unique_ptr<autotask_sim::Simulator> sim;
  autotask_sim::ApiUser user;
  std::string ca_path;
  LimitPolicy limits;  // of the clients this site makes

  explicit Site(autotask_sim::Tenant tenant) {
    user = tenant.api_users.front();
    autotask_sim::SimulatorOptions so;
    so.today = Date{std::chrono::year{2026} / 12 / 3};
    auto started = autotask_sim::Simulator::start(so, std::move(tenant));
    REQUIRE(started.ok());
    sim = std::move(*started);
    char path[] = "/tmp/atsync-ready-ca-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    ca_path = path;
    REQUIRE(sim->write_certificate(ca_path).ok());
  }
  static autotask_sim::Tenant from_file(const std::string& path) {
    auto t = autotask_sim::load_tenant_file(path);
    REQUIRE(t.ok());
    return std::move(*t);
  }
  ~Site() { std::remove(ca_path.c_str()); }

  // A client of this site; sleeping is skipped so that a budget past half does not slow tests.
  std::shared_ptr<Client> client(const std::string& username = {}, const std::string& secret = {},
                                 const std::string& code = {}) const {
    http::BeastTransportOptions t;
    t.ca_file = ca_path;
    auto transport = http::BeastTransport::create(std::move(t));
    REQUIRE(transport.ok());
    ClientOptions o;
    o.credentials = {username.empty() ? user.username : username,
                     secret.empty() ? user.secret : secret,
                     code.empty() ? user.integration_code : code};
    o.zone_lookup_url = sim->zone_lookup_url();
    o.limits = limits;
    o.environment.sleep = [](std::chrono::milliseconds) {};
    auto c = Client::create(std::move(o), std::move(*transport));
    REQUIRE(c.ok());
    return std::move(*c);
  }
};

Config load_config(const std::string& path) {
  auto c = parse_config(read_text(path));
  REQUIRE(c.ok());
  c->billing.now = run_time;
  return std::move(*c);
}

ReadinessInput input_of(const Config& c) {
  ReadinessInput in;
  in.mappings = c.mappings;
  in.usage = c.usage;
  if (c.portal.orgs) {
    in.portal_orgs.emplace();
    for (const auto& o : *c.portal.orgs) in.portal_orgs->push_back(o.org_id);
  }
  return in;
}

std::multiset<std::string> codes_of(const ReadinessReport& r) {
  std::multiset<std::string> out;
  for (const auto& f : r.findings) out.insert(f.code);
  return out;
}

}  // namespace

TEST_CASE("a prepared tenant: no findings, and the estimate is what the sync then spends") {
  Site site(Site::from_file("fixtures/prepared_tenant.json"));
  const Config config = load_config("examples/check/prepared.json");
  auto report = check_readiness(*site.client(), input_of(config), config.billing);
  REQUIRE(report.ok());
  for (const auto& f : report->findings) INFO(f.code << ": " << f.message);
  CHECK(report->findings.empty());
  CHECK_FALSE(report->blocking());
  CHECK(report->passed == std::vector<std::string>{"credentials", "permissions", "costs",
                                                   "mappings", "portal", "budget"});
  CHECK(report->mappings_checked == 6);
  CHECK(report->mappings_ready == 6);
  // Zone lookup and first budget poll, five batched reads (companies, contracts, services,
  // lines, units rows), three writes (orgs 4 to 6 differ by one unit), one read of the first
  // write's line to check where it landed, two read-back queries.
  CHECK(report->estimated_sync_requests == 13);
  const bj::object j = report->to_json();
  CHECK(j.at("schema").as_string() == "autotask_sync.readiness_report.v1");
  CHECK(j.at("ready").as_bool());

  auto sync = run_billing_sync(*site.client(), config.mappings, config.usage, config.billing);
  REQUIRE(sync.ok());
  CHECK(sync->totals.updated == 3);
  CHECK(sync->totals.unchanged == 3);
  // The estimate is for a nightly run in a fresh process. Here the check's ThresholdInformation
  // poll of a moment ago is shared by every client of this tenant in the process, so the sync
  // makes one poll fewer.
  CHECK(sync->requests + 1 == report->estimated_sync_requests);
}

TEST_CASE("an unprepared tenant: each broken prerequisite reported exactly once, with its fix") {
  Site site(Site::from_file("fixtures/unprepared_tenant.json"));
  const Config config = load_config("examples/check/unprepared.json");
  auto report = check_readiness(*site.client(), input_of(config), config.billing);
  REQUIRE(report.ok());

  // One per fault the fixture's generator builds in (see its docstring).
  const std::multiset<std::string> expected{"permissions.missing",
                                            "permissions.missing",
                                            "costs.unreadable",
                                            "company.not_found",
                                            "company.inactive",
                                            "company.type_not_allowed",
                                            "drift.company_renamed",
                                            "contract.not_found",
                                            "contract.other_company",
                                            "contract.not_recurring_service",
                                            "contract.inactive",
                                            "contract.ended",
                                            "contract.not_started",
                                            "contract.period_not_monthly",
                                            "service.not_found",
                                            "service.is_bundle",
                                            "service.inactive",
                                            "line.service_not_on_contract",
                                            "line.service_twice",
                                            "line.not_on_contract",
                                            "line.other_service",
                                            "units.no_row",
                                            "line.shared",
                                            "portal.unmapped_usage",
                                            "portal.org_gone"};
  CHECK(codes_of(*report) == expected);
  CHECK(report->blocking());
  CHECK(report->count(Severity::kWarning) == 3);
  CHECK(report->count(Severity::kBlocking) == 22);
  CHECK(report->mappings_checked == 28);
  CHECK(report->mappings_ready == 7);  // the six prepared orgs and the departed one

  std::map<std::string, const Finding*> by_code;
  for (const auto& f : report->findings) {
    CHECK_FALSE(f.message.empty());
    CHECK_FALSE(f.remediation.empty());
    by_code[f.code] = &f;
  }
  const Finding& ended = *by_code.at("contract.ended");
  CHECK(ended.org_ids == std::vector<std::string>{"org-contract-ended"});
  CHECK(ended.contract_id == 4008);
  CHECK(ended.company_id == 208);
  CHECK(ended.contract_name == "Lapsed Logistics - Recurring");
  CHECK(ended.message.find("ended on 2025-12-31") != std::string::npos);
  CHECK(ended.remediation.find("renew") != std::string::npos);

  const Finding& bundle = *by_code.at("service.is_bundle");
  CHECK(bundle.service_name == "Directory Platform bundle");
  const Finding& renamed = *by_code.at("drift.company_renamed");
  CHECK(renamed.drift);
  CHECK(renamed.message.find("'Old Name Holdings' to 'Renamed Holdings'") != std::string::npos);
  const Finding& shared = *by_code.at("line.shared");
  CHECK(shared.org_ids == std::vector<std::string>{"org-shared-a", "org-shared-b"});
  CHECK(shared.contract_service_id == 6019);
  CHECK(by_code.at("contract.period_not_monthly")->message.find("Quarterly") != std::string::npos);
  CHECK(by_code.at("company.type_not_allowed")->message.find("Prospect") != std::string::npos);

  std::size_t blocking_permissions = 0;
  for (const auto& f : report->findings) {
    if (f.code != "permissions.missing") continue;
    if (f.severity == Severity::kBlocking) {
      ++blocking_permissions;
      CHECK(f.entity == "ContractServiceAdjustments");
    } else {
      CHECK(f.entity == "TicketNotes");
    }
  }
  CHECK(blocking_permissions == 1);

  const std::string text = report->to_text() + json::serialize(report->to_json());
  CHECK(text.find(site.user.secret) == std::string::npos);
}

TEST_CASE("the nightly sync skips what the check flags, with the check's codes") {
  Site site(Site::from_file("fixtures/unprepared_tenant.json"));
  Config config = load_config("examples/check/unprepared.json");
  auto check = check_readiness(*site.client(), input_of(config), config.billing);
  REQUIRE(check.ok());
  config.billing.dry_run = true;
  auto sync = run_billing_sync(*site.client(), config.mappings, config.usage, config.billing);
  REQUIRE(sync.ok());
  std::map<std::string, std::string> sync_code;
  for (const auto& r : sync->results) sync_code[r.mapping.org_id] = r.reason_code;

  std::size_t compared = 0;
  for (const auto& f : check->findings) {
    if (f.area != "mapping") continue;
    for (const auto& org : f.org_ids) {
      INFO("org " << org << ", check says " << f.code);
      if (f.code == "contract.period_not_monthly") {
        // The sync does not read the period type's label; it assumes monthly periods.
        continue;
      }
      if (f.code == "service.is_bundle") {
        CHECK(sync_code[org] == "service.not_found");  // the sync does not ask ServiceBundles
      } else {
        CHECK(sync_code[org] == f.code);
      }
      ++compared;
    }
  }
  CHECK(compared == 20);
  // The prepared orgs are stopped by the costs the API user cannot read, one by one.
  CHECK(sync_code["org-ok-1"] == "costs.unreadable");
  CHECK(sync->totals.would_update == 0);
  CHECK(site.sim->write_count() == 0);
}

TEST_CASE("refused credentials are findings that say which credential is wrong") {
  Site site(Site::from_file("fixtures/prepared_tenant.json"));
  const Config config = load_config("examples/check/prepared.json");
  struct Case {
    const char* name;
    std::string username, secret, code;
    const char* expected;
  };
  const std::string canary = "Canary-Secret-7f3a9c";
  const Case cases[] = {
      {"a person's e-mail instead of the API user's key", "jane.doe@check-msp.example", "", "",
       "credentials.username_unknown"},
      {"a wrong secret", "", canary, "", "credentials.secret_rejected"},
      {"a wrong integration code", "", "", "NOTTHEVENDORSCODE",
       "credentials.integration_code_rejected"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto report = check_readiness(*site.client(c.username, c.secret, c.code), input_of(config),
                                  config.billing);
    REQUIRE(report.ok());
    REQUIRE(report->findings.size() == 1);
    CHECK(report->findings[0].code == c.expected);
    CHECK(report->findings[0].severity == Severity::kBlocking);
    CHECK(report->blocking());
    CHECK(report->passed.empty());
    const std::string text = report->to_text() + json::serialize(report->to_json());
    CHECK(text.find(canary) == std::string::npos);
    CHECK(text.find(site.user.secret) == std::string::npos);
  }
}

TEST_CASE("the hourly budget: spent stops the check with one finding, past half warns") {
  // Budget figures are shared by every client of one tenant in the process, so each case has its
  // own simulator.
  Site site(Site::from_file("fixtures/prepared_tenant.json"));
  const Config config = load_config("examples/check/prepared.json");

  site.sim->set_request_count_this_hour(9'950);
  auto spent = check_readiness(*site.client(), input_of(config), config.billing);
  REQUIRE(spent.ok());
  REQUIRE(spent->findings.size() == 1);
  CHECK(spent->findings[0].code == "budget.exhausted");
  CHECK(spent->findings[0].message.find("of 10000") != std::string::npos);

  Site other(Site::from_file("fixtures/prepared_tenant.json"));
  other.sim->set_request_count_this_hour(6'000);
  auto busy = check_readiness(*other.client(), input_of(config), config.billing);
  REQUIRE(busy.ok());
  REQUIRE(busy->findings.size() == 1);
  CHECK(busy->findings[0].code == "budget.high");
  CHECK(busy->findings[0].severity == Severity::kWarning);
  CHECK_FALSE(busy->blocking());
  REQUIRE(busy->budget.has_value());
  CHECK(busy->budget->threshold == 10'000);
  CHECK(busy->budget->used >= 6'000);
}

TEST_CASE("a tenant of 5,000 companies and 5,000 mappings costs a fixed number of requests") {
  autotask_sim::Tenant tenant = Site::from_file("fixtures/prepared_tenant.json");
  bj::array companies, contracts, lines, rows;
  companies.push_back(tenant.entities.at("Companies").at(0));  // the MSP's own company
  Config config = load_config("examples/check/prepared.json");
  config.mappings.clear();
  config.usage.clear();
  config.portal.orgs.reset();
  Id row_id = 1'000'000;
  for (Id i = 1; i <= 5'000; ++i) {
    const Id company = 10'000 + i, contract = 20'000 + i, line = 30'000 + i;
    companies.push_back(bj::object{{"id", company},
                                   {"companyName", "Client " + std::to_string(i)},
                                   {"companyType", 1},
                                   {"isActive", true},
                                   {"ownerResourceID", 29682885},
                                   {"phone", "+1 555 0100"}});
    contracts.push_back(bj::object{{"id", contract},
                                   {"companyID", company},
                                   {"contractName", "Client " + std::to_string(i) + " RS"},
                                   {"contractType", 7},
                                   {"contractPeriodType", 1},
                                   {"status", 1},
                                   {"startDate", "2025-01-01T00:00:00"},
                                   {"endDate", "2028-12-31T00:00:00"}});
    lines.push_back(
        bj::object{{"id", line}, {"contractID", contract}, {"serviceID", 401}, {"unitCost", 3.5}});
    for (const char* month : {"2026-12", "2027-01"}) {
      const std::string m(month);
      rows.push_back(bj::object{{"id", row_id++},
                                {"contractID", contract},
                                {"contractServiceID", line},
                                {"serviceID", 401},
                                {"startDate", m + "-01T00:00:00"},
                                {"endDate", m + "-31T00:00:00"},
                                {"units", 5},
                                {"cost", 3.5}});
    }
    Mapping mp;
    mp.org_id = "org-" + std::to_string(i);
    mp.company_id = company;
    mp.contract_id = contract;
    mp.service_id = 401;
    config.mappings.push_back(mp);
    config.usage.emplace_back(mp.org_id, 5, *Decimal::parse("3.5"));
  }
  tenant.entities["Companies"] = std::move(companies);
  tenant.entities["Contracts"] = std::move(contracts);
  tenant.entities["ContractServices"] = std::move(lines);
  tenant.entities["ContractServiceUnits"] = std::move(rows);
  Site site(std::move(tenant));
  // Budget polls are counted below; on a slow (sanitizer) build the check can outlast the
  // default one-minute poll interval, which would add a poll that says nothing of the check.
  site.limits.poll_interval = std::chrono::hours(1);

  auto report = check_readiness(*site.client(), input_of(config), config.billing);
  REQUIRE(report.ok());
  for (const auto& f : report->findings) INFO(f.code << ": " << f.message);
  CHECK(report->findings.empty());
  CHECK(report->mappings_ready == 5'000);
  // 1 zone lookup + 1 first budget poll + 8 entityInformation + 2 field lists (companyType,
  // contractPeriodType labels) + companies, contracts and lines in 10 `in` batches of 500 ids
  // with one page each (30) + the one service (1) + units rows in 10 batches of 500 lines, two
  // rows per line, so two pages each (20) + the closing ThresholdInformation poll (1).
  CHECK(report->requests == 64);
  // The sync: zone, poll, the same 61 reads less metadata and polls (51), no writes (every
  // line already holds 5 units at 3.50).
  CHECK(report->estimated_sync_requests == 53);
}

TEST_CASE(
    "suggest over TLS proposes the unmapped org's billing; once confirmed, the check passes it") {
  Site site(Site::from_file("fixtures/unprepared_tenant.json"));
  Config config = load_config("examples/check/unprepared.json");
  REQUIRE(config.portal.orgs.has_value());
  const std::vector<PortalOrg> orgs{{"org-unmapped", "Unmapped Umbrella Co"}};
  SuggestOptions options;
  options.product_name = config.portal.product_name;
  options.now = run_time;
  auto suggested = suggest_mappings(*site.client(), orgs, options);
  REQUIRE(suggested.ok());
  REQUIRE(suggested->orgs.size() == 1);
  const OrgSuggestion& s = suggested->orgs[0];
  CHECK(s.match == MatchKind::kExact);
  REQUIRE(s.proposed.has_value());
  // Company 301 "Unmapped Umbrella Company" is the active one; 302 "Unmapped Umbrella Co." is an
  // inactive look-alike and must only be listed as excluded.
  CHECK(s.proposed->company_id == 301);
  CHECK(s.proposed->contract_id == 5301);
  CHECK(s.proposed->service_id == 401);
  CHECK(s.proposed->contract_service_id == 7301);
  CHECK(s.proposed->company_name == "Unmapped Umbrella Company");
  REQUIRE(s.excluded.size() == 1);
  CHECK(s.excluded[0].reason == "inactive");
  CHECK(site.sim->write_count() == 0);

  // A person confirms the proposal: the portal-side warning goes, and no finding replaces it.
  config.mappings.push_back(*s.proposed);
  auto report = check_readiness(*site.client(), input_of(config), config.billing);
  REQUIRE(report.ok());
  for (const auto& f : report->findings) {
    for (const auto& org : f.org_ids) CHECK(org != "org-unmapped");
  }
  CHECK(report->mappings_checked == 29);
  CHECK(report->mappings_ready == 8);
}
