// Usage samples and the billing month in the billing zone. Every expected month below is worked
// out from the zone's offsets on the day (UTC+14 Kiritimati; UTC-12 Etc/GMT+12; New York EDT -4
// until 2026-11-01 06:00Z, then EST -5; Lord Howe +10:30 until 2026-10-03 15:30Z, then +11).
#include "sync/fake_tenant.hpp"

#include <autotask_sync/sync/billing.hpp>

#include <doctest/doctest.h>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

Date ymd(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y} / m / d};
}

UsageSample sample(const char* at, std::int64_t users) {
  return UsageSample{parse_date_time(at).value(), users};
}

UsagePeak peak(const std::vector<UsageSample>& s, Date month, const char* zone) {
  auto p = peak_in_month(s, month, zone);
  REQUIRE(p.ok());
  return *p;
}

}  // namespace

TEST_CASE("usage samples parse from the config shape; instants need Z or an offset") {
  auto u = Usage::from_json(bj::parse(
      R"({"org_id":"org-1","unit_cost":"3.5","samples":[{"at":"2026-12-02T23:30:00Z","users":40},
         {"at":"2026-12-03T01:00:00+02:00","users":41}]})"));
  REQUIRE(u.ok());
  CHECK(u->has_samples);
  REQUIRE(u->samples.size() == 2);
  CHECK(u->samples[1].at == parse_date_time("2026-12-02T23:00:00Z").value());
  CHECK(u->samples[1].users == 41);

  auto local = Usage::from_json(bj::parse(
      R"({"org_id":"org-1","unit_cost":"3.5","samples":[{"at":"2026-12-02T23:30:00","users":4}]})"));
  REQUIRE_FALSE(local.ok());
  CHECK(local.error().message.find("samples[0]") != std::string::npos);
  CHECK(local.error().message.find("RFC 3339") != std::string::npos);

  auto both = Usage::from_json(
      bj::parse(R"({"org_id":"org-1","unit_cost":"3.5","high_water_mark":3,"samples":[]})"));
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().message.find("either 'high_water_mark' or 'samples'") != std::string::npos);

  auto extra = Usage::from_json(bj::parse(
      R"({"org_id":"org-1","unit_cost":"3.5","samples":[{"at":"2026-12-02T23:30:00Z","users":4,"x":1}]})"));
  REQUIRE_FALSE(extra.ok());
  CHECK(extra.error().message.find("unknown key 'x'") != std::string::npos);

  auto negative = Usage::from_json(bj::parse(
      R"({"org_id":"org-1","unit_cost":"3.5","samples":[{"at":"2026-12-02T23:30:00Z","users":-1}]})"));
  CHECK_FALSE(negative.ok());
}

TEST_CASE("a sample at 2026-11-30T23:30Z is December in Kiritimati and November in UTC") {
  const std::vector<UsageSample> s = {sample("2026-11-30T23:30:00Z", 50),
                                      sample("2026-12-02T10:00:00Z", 40)};
  const UsagePeak utc = peak(s, ymd(2026, 12, 1), "UTC");
  CHECK(utc.peak == 40);
  CHECK(utc.in_period == 1);
  CHECK(utc.outside_period == 1);
  const UsagePeak kiritimati = peak(s, ymd(2026, 12, 1), "Pacific/Kiritimati");
  CHECK(kiritimati.peak == 50);
  CHECK(kiritimati.in_period == 2);
  CHECK(kiritimati.outside_period == 0);
  CHECK(peak(s, ymd(2026, 11, 1), "UTC").peak == 50);
  CHECK_FALSE(peak(s, ymd(2026, 11, 1), "Pacific/Kiritimati").peak.has_value());
}

TEST_CASE("at UTC-12 the month ends at noon UTC of the next month's first day") {
  const std::vector<UsageSample> s = {sample("2026-12-01T11:30:00Z", 60),   // Nov 30 23:30
                                      sample("2026-12-01T12:30:00Z", 70)};  // Dec 1 00:30
  const UsagePeak nov = peak(s, ymd(2026, 11, 1), "Etc/GMT+12");
  CHECK(nov.peak == 60);
  CHECK(nov.outside_period == 1);
  CHECK(peak(s, ymd(2026, 12, 1), "Etc/GMT+12").peak == 70);
}

TEST_CASE("New York's November starts on EDT and ends on EST") {
  const std::vector<UsageSample> s = {
      sample("2026-11-01T03:30:00Z", 90),  // Oct 31 23:30 EDT: October
      sample("2026-11-01T04:30:00Z", 10),  // Nov 1 00:30 EDT
      sample("2026-12-01T04:30:00Z", 30),  // Nov 30 23:30 EST (a fixed -4 would say December)
      sample("2026-12-01T05:30:00Z", 99),  // Dec 1 00:30 EST: December
  };
  const UsagePeak nov = peak(s, ymd(2026, 11, 1), "America/New_York");
  CHECK(nov.peak == 30);
  CHECK(nov.in_period == 2);
  CHECK(nov.outside_period == 2);
}

TEST_CASE("Lord Howe's October starts at +10:30 and ends at +11:00") {
  const std::vector<UsageSample> s = {
      sample("2026-09-30T13:15:00Z", 90),  // Sep 30 23:45 (+10:30): September
      sample("2026-09-30T13:45:00Z", 10),  // Oct 1 00:15 (+10:30)
      sample("2026-10-31T12:45:00Z", 20),  // Oct 31 23:45 (+11)
      sample("2026-10-31T13:15:00Z", 99),  // Nov 1 00:15 (+11; at +10:30 it would be Oct 31)
  };
  const UsagePeak oct = peak(s, ymd(2026, 10, 1), "Australia/Lord_Howe");
  CHECK(oct.peak == 20);
  CHECK(oct.in_period == 2);
  CHECK(oct.outside_period == 2);
}

namespace {

std::shared_ptr<fake::Tenant> nov_dec_tenant() {
  auto t = std::make_shared<fake::Tenant>();
  t->add("Companies",
         {{"id", 101}, {"companyName", "Acme Inc"}, {"isActive", true}, {"companyType", 1}});
  t->add("Contracts", {{"id", 300},
                       {"companyID", 101},
                       {"contractName", "Acme Recurring"},
                       {"contractType", 7},
                       {"status", 1},
                       {"startDate", "2026-01-01T00:00:00"},
                       {"endDate", "2027-12-31T00:00:00"}});
  t->add("Services", {{"id", 77}, {"name", "Directory"}, {"isActive", true}});
  t->add("ContractServices",
         {{"id", 5001}, {"contractID", 300}, {"serviceID", 77}, {"unitCost", 3.0}});
  int id = 1;
  for (const auto& [start, end] :
       {std::pair{"2026-11-01", "2026-11-30"}, std::pair{"2026-12-01", "2026-12-31"}}) {
    t->add("ContractServiceUnits", {{"id", id++},
                                    {"contractID", 300},
                                    {"contractServiceID", 5001},
                                    {"serviceID", 77},
                                    {"startDate", std::string(start) + "T00:00:00"},
                                    {"endDate", std::string(end) + "T00:00:00"},
                                    {"units", 40},
                                    {"cost", 3.0},
                                    {"approveAndPostDate", nullptr}});
  }
  return t;
}

Mapping acme() {
  Mapping m;
  m.org_id = "org-1";
  m.company_id = 101;
  m.contract_id = 300;
  m.service_id = 77;
  return m;
}

Usage sampled(std::vector<UsageSample> s) {
  Usage u{"org-1", 0, Decimal::parse("3").value()};
  u.samples = std::move(s);
  u.has_samples = true;
  return u;
}

}  // namespace

TEST_CASE("a month-end run in UTC+14 bills the new month's samples from its first day") {
  auto t = nov_dec_tenant();
  auto client = fake::client_for(fake::serve(t));
  BillingOptions o;
  o.time_zone = "Pacific/Kiritimati";
  // 2026-11-30 10:30 UTC is 2026-12-01 00:30 in Kiritimati.
  o.now = [] { return std::chrono::sys_days{ymd(2026, 11, 30)} + std::chrono::minutes(630); };
  auto report = run_billing_sync(*client, {acme()},
                                 {sampled({sample("2026-11-30T09:00:00Z", 47),     // Nov 30 23:00
                                           sample("2026-11-30T10:15:00Z", 44)})},  // Dec 1 00:15
                                 o);
  REQUIRE(report.ok());
  CHECK(report->run_date == ymd(2026, 12, 1));
  REQUIRE(t->adjustments.size() == 1);
  CHECK(t->adjustments[0].at("unitChange").as_int64() == 4);
  CHECK(t->adjustments[0].at("effectiveDate").as_string() == "2026-12-01T12:00:00");
  CHECK(report->results[0].samples_outside_period == 1);
  CHECK(report->results[0].usage_source == "samples");
  CHECK(report->samples_ignored == 1);
  CHECK(report->to_json().at("samples_ignored").as_int64() == 1);
}

TEST_CASE("a month-end run in UTC-12 still bills the old month from its first day") {
  auto t = nov_dec_tenant();
  auto client = fake::client_for(fake::serve(t));
  BillingOptions o;
  o.time_zone = "Etc/GMT+12";
  // 2026-12-01 11:00 UTC is 2026-11-30 23:00 at UTC-12.
  o.now = [] { return std::chrono::sys_days{ymd(2026, 12, 1)} + std::chrono::hours(11); };
  auto report = run_billing_sync(
      *client, {acme()},
      {sampled({sample("2026-11-30T20:00:00Z", 45), sample("2026-12-01T10:59:00Z", 46),
                sample("2026-12-01T12:30:00Z", 60)})},
      o);
  REQUIRE(report.ok());
  CHECK(report->run_date == ymd(2026, 11, 30));
  REQUIRE(t->adjustments.size() == 1);
  CHECK(t->adjustments[0].at("unitChange").as_int64() == 6);
  CHECK(t->adjustments[0].at("effectiveDate").as_string() == "2026-11-01T12:00:00");
  CHECK(report->results[0].samples_in_period == 2);
  CHECK(report->results[0].samples_outside_period == 1);
}

TEST_CASE("an org whose samples all fall outside the month is skipped, not set to 0") {
  auto t = nov_dec_tenant();
  auto client = fake::client_for(fake::serve(t));
  BillingOptions o;
  o.now = [] { return std::chrono::sys_days{ymd(2026, 12, 3)} + std::chrono::hours(10); };
  auto report =
      run_billing_sync(*client, {acme()}, {sampled({sample("2026-11-30T20:00:00Z", 45)})}, o);
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason_code == "usage.no_samples_in_period");
  CHECK(t->adjustments.empty());
}
