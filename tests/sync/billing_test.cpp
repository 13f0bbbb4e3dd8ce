#include "sync/fake_tenant.hpp"

#include <autotask_sync/sync/billing.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

using fake::acme;
using fake::at_utc;
using fake::row;
using fake::standard_tenant;
using fake::usage;

BillingOptions options_at(std::chrono::system_clock::time_point now, std::string tz = "UTC") {
  BillingOptions o;
  o.time_zone = std::move(tz);
  o.now = [now] { return now; };
  return o;
}

}  // namespace

TEST_CASE("a mapping whose units and cost already match costs no write") {
  auto t = standard_tenant();
  auto mock = fake::serve(t);
  auto client = fake::client_for(mock);

  auto report = run_billing_sync(*client, {acme()}, {usage(40, "3.0000")},
                                 options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  REQUIRE(report->results.size() == 1);
  CHECK(report->results[0].outcome == Outcome::kUnchanged);
  CHECK(t->adjustments.empty());
  // zone lookup + companies + contracts + services + contract services + units rows
  CHECK(report->requests == 6);
  CHECK(report->totals.unchanged == 1);
}

TEST_CASE("a higher high-water mark becomes one adjustment with the delta on the period start") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));

  auto report =
      run_billing_sync(*client, {acme()}, {usage(45, "3.5")}, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kUpdated);
  REQUIRE(t->adjustments.size() == 1);
  const bj::object& a = t->adjustments[0];
  CHECK(a.at("contractID").as_int64() == 300);
  CHECK(a.at("contractServiceID").as_int64() == 5001);
  CHECK(a.at("serviceID").as_int64() == 77);
  CHECK(a.at("unitChange").as_int64() == 5);
  CHECK(a.at("effectiveDate").as_string() == "2026-03-01T12:00:00");
  CHECK(Decimal::from_json(a.at("adjustedUnitCost")).value() == Decimal::parse("3.5").value());
  CHECK_FALSE(a.contains("adjustedUnitPrice"));
  CHECK(r.units_before == 40);
  CHECK(r.units_after == 45);
  CHECK(r.cost_before == Decimal::parse("3").value());
  CHECK(r.cost_after == Decimal::parse("3.5").value());
  CHECK(r.adjustment_id == 9001);
  // 6 reads, 1 write, 2 read-back queries
  CHECK(report->requests == 9);
}

TEST_CASE("a second run after a finished sync writes nothing") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  const auto opts = options_at(at_utc(2026, 3, 15, 10));

  REQUIRE(run_billing_sync(*client, {acme()}, {usage(45, "3.5")}, opts).ok());
  auto second = run_billing_sync(*client, {acme()}, {usage(45, "3.5")}, opts);
  REQUIRE(second.ok());
  CHECK(second->results[0].outcome == Outcome::kUnchanged);
  CHECK(t->adjustments.size() == 1);
}

TEST_CASE("a cost-only change is an adjustment with a unit change of zero") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  auto report = run_billing_sync(*client, {acme()}, {usage(40, "3.2500")},
                                 options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  REQUIRE(t->adjustments.size() == 1);
  CHECK(t->adjustments[0].at("unitChange").as_int64() == 0);
  CHECK(Decimal::from_json(t->adjustments[0].at("adjustedUnitCost")).value().units() == 32500);
}

TEST_CASE("a lower figure is mirrored with a negative unit change") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  auto report =
      run_billing_sync(*client, {acme()}, {usage(31, "3")}, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  REQUIRE(t->adjustments.size() == 1);
  CHECK(t->adjustments[0].at("unitChange").as_int64() == -9);
  CHECK(report->results[0].units_after == 31);
}

TEST_CASE("a dry run plans the same adjustment and writes nothing") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  auto opts = options_at(at_utc(2026, 3, 15, 10));
  opts.dry_run = true;
  auto report = run_billing_sync(*client, {acme()}, {usage(45, "3.5")}, opts);
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kWouldUpdate);
  REQUIRE(r.adjustment.has_value());
  CHECK(r.adjustment->unitChange == 5);
  CHECK(t->adjustments.empty());
  CHECK(report->requests == 6);
  CHECK(report->totals.would_update == 1);
}

TEST_CASE("mappings whose contract or company is not fit are skipped with a reason") {
  auto t = standard_tenant();
  t->add("Companies", {{"id", 102}, {"companyName", "Gone Ltd"}, {"isActive", false}});
  t->add("Contracts", {{"id", 301},
                       {"companyID", 101},
                       {"contractName", "Old"},
                       {"contractType", 7},
                       {"status", 1},
                       {"startDate", "2025-01-01T00:00:00"},
                       {"endDate", "2025-12-31T00:00:00"}});
  t->add("Contracts", {{"id", 302},
                       {"companyID", 101},
                       {"contractName", "Hours"},
                       {"contractType", 4},
                       {"status", 1}});
  t->add("Contracts", {{"id", 303},
                       {"companyID", 101},
                       {"contractName", "Paused"},
                       {"contractType", 7},
                       {"status", 0}});
  t->add("Contracts", {{"id", 304},
                       {"companyID", 102},
                       {"contractName", "Gone"},
                       {"contractType", 7},
                       {"status", 1}});
  t->add("Contracts", {{"id", 305},
                       {"companyID", 999},
                       {"contractName", "Other's"},
                       {"contractType", 7},
                       {"status", 1}});
  auto client = fake::client_for(fake::serve(t));

  std::vector<Mapping> maps;
  std::vector<Usage> use;
  const std::vector<std::pair<Id, Id>> cases = {{101, 301}, {101, 302}, {101, 303},
                                                {102, 304}, {101, 305}, {101, 399}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Mapping m = acme();
    m.org_id = "org-" + std::to_string(i);
    m.company_id = cases[i].first;
    m.contract_id = cases[i].second;
    maps.push_back(m);
    use.push_back(usage(10, "1", m.org_id.c_str()));
  }
  auto report = run_billing_sync(*client, maps, use, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  for (const auto& r : report->results) CHECK(r.outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason.find("ended on 2025-12-31") != std::string::npos);
  CHECK(report->results[1].reason.find("not a Recurring Service contract (contractType 4)") !=
        std::string::npos);
  CHECK(report->results[2].reason.find("not active (status 0)") != std::string::npos);
  CHECK(report->results[3].reason.find("inactive") != std::string::npos);
  CHECK(report->results[4].reason.find("belongs to company 999") != std::string::npos);
  CHECK(report->results[5].reason.find("contract 399 was not found") != std::string::npos);
  CHECK(t->adjustments.empty());
  CHECK(report->totals.skipped == 6);
}

TEST_CASE("a service missing from the contract is never added implicitly") {
  auto t = standard_tenant();
  t->add("Services", {{"id", 78}, {"name", "Advanced"}, {"isActive", true}});
  auto client = fake::client_for(fake::serve(t));
  Mapping m = acme();
  m.service_id = 78;
  auto report =
      run_billing_sync(*client, {m}, {usage(10, "1")}, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason.find("add the service to the contract") != std::string::npos);
  CHECK(t->adjustments.empty());
}

TEST_CASE("a contract service id that names another service is refused") {
  auto t = standard_tenant();
  t->add("ContractServices",
         {{"id", 5002}, {"contractID", 300}, {"serviceID", 78}, {"unitCost", 1.0}});
  auto client = fake::client_for(fake::serve(t));
  Mapping m = acme();
  m.contract_service_id = 5002;
  auto report =
      run_billing_sync(*client, {m}, {usage(10, "1")}, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason.find("is for service 78, not for service 77") !=
        std::string::npos);
  CHECK(t->adjustments.empty());
}

TEST_CASE("two orgs mapped to one contract service are both held back") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  Mapping a = acme(), b = acme();
  b.org_id = "org-2";
  auto report = run_billing_sync(*client, {a, b}, {usage(41, "3"), usage(42, "3", "org-2")},
                                 options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kSkipped);
  CHECK(report->results[1].outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason.find("org-1, org-2") != std::string::npos);
  CHECK(t->adjustments.empty());
}

TEST_CASE("an org without usage is skipped and usage without a mapping is reported") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  auto report = run_billing_sync(*client, {acme()}, {usage(3, "1", "org-unmapped")},
                                 options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason == "no usage was reported for this org");
  REQUIRE(report->unmapped_usage.size() == 1);
  CHECK(report->unmapped_usage[0] == "org-unmapped");
  // Nothing to read: only nothing was sent at all.
  CHECK(report->requests == 0);
}

TEST_CASE("a posted current period moves the change to the next period's first day") {
  auto t = standard_tenant();
  t->entities["ContractServiceUnits"][0] = row(1, 5001, "2026-03-01", "2026-03-31", 40, true);
  auto client = fake::client_for(fake::serve(t));
  auto report =
      run_billing_sync(*client, {acme()}, {usage(45, "3")}, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  REQUIRE(t->adjustments.size() == 1);
  CHECK(t->adjustments[0].at("effectiveDate").as_string() == "2026-04-01T12:00:00");
  CHECK(report->results[0].effective_date == Date{std::chrono::year{2026} / 4 / 1});
  CHECK(report->results[0].reason.find("already approved and posted") != std::string::npos);
}

TEST_CASE("the billing month is reckoned in the billing zone at UTC+14 and UTC-12") {
  // 2026-03-31 10:30 UTC is already 2026-04-01 00:30 in Kiritimati (UTC+14).
  {
    auto t = standard_tenant();
    auto client = fake::client_for(fake::serve(t));
    auto report = run_billing_sync(*client, {acme()}, {usage(45, "3")},
                                   options_at(at_utc(2026, 3, 31, 10, 30), "Pacific/Kiritimati"));
    REQUIRE(report.ok());
    CHECK(report->run_date == Date{std::chrono::year{2026} / 4 / 1});
    REQUIRE(t->adjustments.size() == 1);
    CHECK(t->adjustments[0].at("effectiveDate").as_string() == "2026-04-01T12:00:00");
  }
  // 2026-04-01 11:00 UTC is still 2026-03-31 23:00 at UTC-12 (Etc/GMT+12).
  {
    auto t = standard_tenant();
    auto client = fake::client_for(fake::serve(t));
    auto report = run_billing_sync(*client, {acme()}, {usage(45, "3")},
                                   options_at(at_utc(2026, 4, 1, 11), "Etc/GMT+12"));
    REQUIRE(report.ok());
    CHECK(report->run_date == Date{std::chrono::year{2026} / 3 / 31});
    REQUIRE(t->adjustments.size() == 1);
    CHECK(t->adjustments[0].at("effectiveDate").as_string() == "2026-03-01T12:00:00");
  }
}

TEST_CASE("an unknown time zone fails the run before any request") {
  auto t = standard_tenant();
  auto mock = fake::serve(t);
  auto client = fake::client_for(mock);
  auto report = run_billing_sync(*client, {acme()}, {usage(45, "3")},
                                 options_at(at_utc(2026, 3, 15, 10), "Mars/Olympus_Mons"));
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().code == ErrorCode::kInvalidArgument);
  CHECK(report.error().message.find("Mars/Olympus_Mons") != std::string::npos);
  CHECK(mock->request_count() == 0);
}

TEST_CASE("a refused adjustment fails that mapping with Autotask's text and the run goes on") {
  auto t = standard_tenant();
  t->fail_adjustment_status = 500;
  t->fail_adjustment_body = R"({"errors":["Value does not reference an existing entity."]})";
  auto client = fake::client_for(fake::serve(t));
  auto report =
      run_billing_sync(*client, {acme()}, {usage(45, "3")}, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kFailed);
  REQUIRE(r.error.has_value());
  CHECK(r.error->http_status == 500);
  REQUIRE(r.error->server_errors.size() == 1);
  CHECK(r.error->server_errors[0] == "Value does not reference an existing entity.");
  CHECK(report->totals.failed == 1);
}

TEST_CASE("reads are batched: 600 mappings cost two queries per entity, not one per company") {
  auto t = std::make_shared<fake::Tenant>();
  std::vector<Mapping> maps;
  std::vector<Usage> use;
  for (int i = 0; i < 600; ++i) {
    const Id company = 1000 + i, contract = 2000 + i, line = 3000 + i;
    t->add("Companies",
           {{"id", company}, {"companyName", "C" + std::to_string(i)}, {"isActive", true}});
    t->add("Contracts",
           {{"id", contract}, {"companyID", company}, {"contractType", 7}, {"status", 1}});
    t->add("ContractServices",
           {{"id", line}, {"contractID", contract}, {"serviceID", 77}, {"unitCost", 2.0}});
    bj::object r = row(10000 + i, line, "2026-03-01", "2026-03-31", 5);
    r["contractID"] = contract;
    t->add("ContractServiceUnits", r);
    Mapping m;
    m.org_id = "org-" + std::to_string(i);
    m.company_id = company;
    m.contract_id = contract;
    m.service_id = 77;
    maps.push_back(m);
    use.push_back(usage(5, "2", m.org_id.c_str()));
  }
  t->add("Services", {{"id", 77}, {"name", "Directory"}, {"isActive", true}});
  auto client = fake::client_for(fake::serve(t));
  auto report = run_billing_sync(*client, maps, use, options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  CHECK(report->totals.unchanged == 600);
  CHECK(t->queries["Companies"] == 2);
  CHECK(t->queries["Contracts"] == 2);
  CHECK(t->queries["ContractServices"] == 2);
  CHECK(t->queries["ContractServiceUnits"] == 2);
  CHECK(t->queries["Services"] == 1);
  for (auto n : t->in_sizes) CHECK(n <= 500);
  CHECK(report->requests == 1 + 2 + 2 + 1 + 2 + 2);
}

TEST_CASE("the JSON report carries each mapping's figures as exact 4-place strings") {
  auto t = standard_tenant();
  auto client = fake::client_for(fake::serve(t));
  auto report = run_billing_sync(*client, {acme()}, {usage(45, "12.34567")},
                                 options_at(at_utc(2026, 3, 15, 10)));
  REQUIRE(report.ok());
  const bj::object j = report->to_json();
  CHECK(j.at("schema").as_string() == "autotask_sync.sync_report.v1");
  const bj::object& r = j.at("results").as_array()[0].as_object();
  CHECK(r.at("outcome").as_string() == "updated");
  CHECK(r.at("unit_cost").as_object().at("target").as_string() == "12.3457");
  CHECK(r.at("unit_cost").as_object().at("before").as_string() == "3.0000");
  CHECK(r.at("units").as_object().at("after").as_int64() == 45);
  CHECK(j.at("totals").as_object().at("updated").as_int64() == 1);
  const std::string text = report->to_text();
  CHECK(text.find("40 -> 45") != std::string::npos);
  CHECK(text.find("3.0000 -> 12.3457") != std::string::npos);
}
