// Plan and apply, the billing policies, idempotence after lost answers, the lock, remaps,
// offboarding and contract notes, against the MockTransport stand-in. Expected figures are worked
// out from the tenant below: line 5001 holds 40 units at a unit cost of 3.0000 in March and April
// 2026; the run is on 2026-03-15 in UTC.
#include "sync/fake_tenant.hpp"

#include <autotask_sync/sync/billing.hpp>
#include <autotask_sync/sync/plan.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

using fake::acme;
using fake::at_utc;
using fake::row;
using fake::usage;

std::shared_ptr<fake::Tenant> tenant() {
  return fake::standard_tenant();
}

BillingOptions march() {
  BillingOptions o;
  const auto now = at_utc(2026, 3, 15, 10);
  o.now = [now] { return now; };
  return o;
}

struct Site {
  std::shared_ptr<fake::Tenant> t = tenant();
  std::shared_ptr<http::MockTransport> mock = fake::serve(t);
  std::shared_ptr<Client> client = fake::client_for(mock);
};

Date ymd(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y} / m / d};
}

}  // namespace

// --- Decrease policy and the jump guard -------------------------------------------------------

TEST_CASE("never_within_period holds a lower figure inside the period as unchanged") {
  Site s;
  auto o = march();
  o.decrease = DecreasePolicy::kNeverWithinPeriod;
  auto report = run_billing_sync(*s.client, {acme()}, {usage(31, "3")}, o);
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kUnchanged);
  CHECK(r.reason_code == "decrease.held_until_next_period");
  CHECK(r.reason.find("31 is lower than the 40 units") != std::string::npos);
  CHECK(r.units_target == 40);
  CHECK(s.t->adjustments.empty());
}

TEST_CASE("never_within_period still sends a cost change, with no unit change") {
  Site s;
  auto o = march();
  o.decrease = DecreasePolicy::kNeverWithinPeriod;
  auto report = run_billing_sync(*s.client, {acme()}, {usage(31, "3.5")}, o);
  REQUIRE(report.ok());
  REQUIRE(s.t->adjustments.size() == 1);
  CHECK(s.t->adjustments[0].at("unitChange").as_int64() == 0);
  CHECK(report->results[0].outcome == Outcome::kUpdated);
}

TEST_CASE("never_within_period lowers the units once the change starts a new period") {
  Site s;
  s.t->entities["ContractServiceUnits"][0] = row(1, 5001, "2026-03-01", "2026-03-31", 40, true);
  auto o = march();
  o.decrease = DecreasePolicy::kNeverWithinPeriod;
  auto report = run_billing_sync(*s.client, {acme()}, {usage(31, "3")}, o);
  REQUIRE(report.ok());
  REQUIRE(s.t->adjustments.size() == 1);
  CHECK(s.t->adjustments[0].at("unitChange").as_int64() == -9);
  CHECK(s.t->adjustments[0].at("effectiveDate").as_string() == "2026-04-01T12:00:00");
}

TEST_CASE("the jump guard holds an increase beyond either threshold with both figures") {
  struct Case {
    std::int64_t target;
    std::optional<std::int64_t> units;
    std::optional<double> ratio;
    bool held;
  };
  // 40 -> 51 is +11; 40 -> 49 is 1.225 times; 40 -> 48 is exactly 1.2 times.
  const Case cases[] = {{51, 10, std::nullopt, true},
                        {50, 10, std::nullopt, false},
                        {49, std::nullopt, 1.2, true},
                        {48, std::nullopt, 1.2, false},
                        {30, 1, 1.0, false}};
  for (const auto& c : cases) {
    CAPTURE(c.target);
    Site s;
    auto o = march();
    o.jump_guard = JumpGuard{c.units, c.ratio};
    auto report = run_billing_sync(*s.client, {acme()}, {usage(c.target, "3")}, o);
    REQUIRE(report.ok());
    const auto& r = report->results[0];
    if (c.held) {
      CHECK(r.outcome == Outcome::kHeld);
      CHECK(r.reason_code == "guard.jump");
      CHECK(r.reason.find("from 40 to " + std::to_string(c.target) + " units") !=
            std::string::npos);
      CHECK(report->totals.held == 1);
      CHECK(s.t->adjustments.empty());
      CHECK(to_string(r.outcome) == std::string("held"));
      CHECK(report->to_json().at("totals").as_object().at("held").as_int64() == 1);
    } else {
      CHECK(r.outcome == Outcome::kUpdated);
      CHECK(s.t->adjustments.size() == 1);
    }
  }
}

TEST_CASE("the jump guard names the units limit and the ratio in its reason") {
  Site s;
  auto o = march();
  o.jump_guard = JumpGuard{20, 1.5};
  auto report = run_billing_sync(*s.client, {acme()}, {usage(95, "3")}, o);
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kHeld);
  // 95 / 40 = 2.375, printed with two places.
  CHECK(r.reason.find("(+55, 2.38 times)") != std::string::npos);
  CHECK(r.reason.find("at most +20 units or 1.50 times") != std::string::npos);
}

TEST_CASE("a period changed by hand inside it is held for review with both figures") {
  Site s;
  s.t->entities["ContractServiceUnits"][0] = row(1, 5001, "2026-03-01", "2026-03-14", 40);
  s.t->add("ContractServiceUnits", row(3, 5001, "2026-03-15", "2026-03-31", 44));
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kHeld);
  CHECK(r.reason_code == "units.changed_mid_period");
  CHECK(r.reason.find("40 units from 2026-03-01 and 44 from 2026-03-15") != std::string::npos);
  CHECK(s.t->adjustments.empty());
}

TEST_CASE("the unit price is sent only with set_unit_price, from the usage's unit_price") {
  Site s;
  auto o = march();
  o.set_unit_price = true;
  Usage u = usage(45, "3");
  u.unit_price = Decimal::parse("5.5").value();
  auto report = run_billing_sync(*s.client, {acme()}, {u}, o);
  REQUIRE(report.ok());
  REQUIRE(s.t->adjustments.size() == 1);
  CHECK(Decimal::from_json(s.t->adjustments[0].at("adjustedUnitPrice")).value() ==
        Decimal::parse("5.5").value());
  CHECK(report->results[0].price_before == Decimal::parse("5").value());

  Site s2;
  auto missing = run_billing_sync(*s2.client, {acme()}, {usage(45, "3")}, o);
  REQUIRE(missing.ok());
  CHECK(missing->results[0].outcome == Outcome::kSkipped);
  CHECK(missing->results[0].reason_code == "usage.no_unit_price");
}

TEST_CASE("the report names the currencies when the mapped companies use more than one") {
  Site s;
  s.t->add("Companies", {{"id", 102},
                         {"companyName", "Beta"},
                         {"isActive", true},
                         {"companyType", 1},
                         {"currencyID", 2}});
  s.t->add("Contracts", {{"id", 310},
                         {"companyID", 102},
                         {"contractName", "Beta Recurring"},
                         {"contractType", 7},
                         {"status", 1}});
  s.t->add("ContractServices",
           {{"id", 5101}, {"contractID", 310}, {"serviceID", 77}, {"unitCost", 3.0}});
  bj::object r = row(11, 5101, "2026-03-01", "2026-03-31", 40);
  r["contractID"] = 310;
  s.t->add("ContractServiceUnits", r);
  Mapping b = acme();
  b.org_id = "org-2";
  b.company_id = 102;
  b.contract_id = 310;
  auto report =
      run_billing_sync(*s.client, {acme(), b}, {usage(40, "3"), usage(40, "3", "org-2")}, march());
  REQUIRE(report.ok());
  CHECK(report->currencies == std::vector<std::int64_t>{1, 2});
  CHECK(report->results[1].currency_id == 2);
  CHECK(report->to_json().at("currencies").as_array().size() == 2);
  CHECK(report->to_text().find("2 currencies") != std::string::npos);
}

// --- Plan and apply ----------------------------------------------------------------------------

TEST_CASE("a plan says what it would write, survives JSON and applies at the cost it named") {
  Site s;
  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3.5")}, march());
  REQUIRE(plan.ok());
  CHECK(s.t->adjustments.empty());
  REQUIRE(plan->entries.size() == 1);
  const PlanEntry& e = plan->entries[0];
  CHECK(e.outcome == Outcome::kWouldUpdate);
  CHECK(e.approved);
  CHECK(e.units_before == 40);
  CHECK(e.units_target == 45);
  CHECK(e.effective_date == ymd(2026, 3, 1));
  CHECK(e.effective_date_reason == "policy period: the current period's first day");
  // Re-read (units rows, contract services), one write, read-back (the same two).
  CHECK(plan->apply_requests == 5);
  CHECK(plan->requests == 6);

  const bj::object j = plan->to_json();
  CHECK(j.at("schema").as_string() == "autotask_sync.plan.v1");
  CHECK(j.at("plan_id").as_string().size() == 32);
  const bj::object& je = j.at("entries").as_array()[0].as_object();
  CHECK(je.at("delta").as_int64() == 5);
  CHECK(je.at("adjustment").as_object().at("unitChange").as_int64() == 5);
  CHECK(je.at("adjustment").as_object().at("effectiveDate").as_string() == "2026-03-01T12:00:00");

  auto back = Plan::from_json(bj::parse(bj::serialize(j)));
  REQUIRE_MESSAGE(back.ok(), back.error().message);
  CHECK(back->to_json() == j);

  const std::uint64_t before = s.client->request_count();
  auto report = apply_billing_plan(*s.client, *back, ApplyOptions{});
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kUpdated);
  CHECK(report->results[0].units_after == 45);
  CHECK(report->plan_id == plan->plan_id);
  CHECK(s.t->adjustments.size() == 1);
  CHECK(s.client->request_count() - before == 5);
  CHECK(report->requests == 5);
}

TEST_CASE("apply refuses an entry whose units moved since the plan was made") {
  Site s;
  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(plan.ok());
  s.t->entities["ContractServiceUnits"][0]["units"] = 42;  // changed in Autotask meanwhile
  auto report = apply_billing_plan(*s.client, *plan, ApplyOptions{});
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kSkipped);
  CHECK(r.reason_code == "plan.stale");
  CHECK(r.reason.find("planned from 40, Autotask now holds 42") != std::string::npos);
  CHECK(s.t->adjustments.empty());
  CHECK(report->partial);
  REQUIRE(report->not_done.size() == 1);
  CHECK(report->requests == 2);  // the re-read only
}

TEST_CASE("apply refuses an entry whose unit cost moved since the plan was made") {
  Site s;
  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3.5")}, march());
  REQUIRE(plan.ok());
  s.t->entities["ContractServices"][0]["unitCost"] = 3.25;
  auto report = apply_billing_plan(*s.client, *plan, ApplyOptions{});
  REQUIRE(report.ok());
  CHECK(report->results[0].reason_code == "plan.stale");
  CHECK(report->results[0].reason.find("planned from 3.0000, Autotask now holds 3.2500") !=
        std::string::npos);
  CHECK(s.t->adjustments.empty());
}

TEST_CASE("only approved entries are applied unless asked otherwise") {
  Site s;
  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(plan.ok());
  plan->entries[0].approved = false;
  auto skipped = apply_billing_plan(*s.client, *plan, ApplyOptions{});
  REQUIRE(skipped.ok());
  CHECK(skipped->results[0].reason_code == "plan.not_approved");
  CHECK(s.t->adjustments.empty());
  ApplyOptions all;
  all.only_approved = false;
  auto applied = apply_billing_plan(*s.client, *plan, all);
  REQUIRE(applied.ok());
  CHECK(applied->results[0].outcome == Outcome::kUpdated);
  CHECK(s.t->adjustments.size() == 1);
}

TEST_CASE("a dry-run apply re-reads and writes nothing") {
  Site s;
  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(plan.ok());
  ApplyOptions dry;
  dry.dry_run = true;
  auto report = apply_billing_plan(*s.client, *plan, dry);
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kWouldUpdate);
  CHECK(report->requests == 2);
  CHECK(s.t->adjustments.empty());
}

TEST_CASE("the plan decoder is strict and names the place of every fault") {
  Site s;
  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(plan.ok());
  const bj::object good = plan->to_json();
  auto with = [&](auto edit) {
    bj::value v = good;
    edit(v.as_object());
    auto r = Plan::from_json(v);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    return r.error().message;
  };
  auto entry = [](bj::object& o) -> bj::object& { return o["entries"].as_array()[0].as_object(); };
  CHECK(with([](bj::object& o) { o["extra"] = 1; }) == "plan: unknown key 'extra'");
  CHECK(with([](bj::object& o) { o["schema"] = "autotask_sync.plan.v2"; }).find("plan.schema") ==
        0);
  CHECK(with([&](bj::object& o) { entry(o)["units"].as_object()["target"] = "45"; }) ==
        "plan.entries[0].units.target: must be an integer");
  CHECK(with([&](bj::object& o) { entry(o)["delta"] = 6; }).find("plan.entries[0].delta") == 0);
  CHECK(with([&](bj::object& o) { entry(o)["approved"] = "yes"; }) ==
        "plan.entries[0].approved: must be true or false");
  CHECK(with([&](bj::object& o) {
          entry(o)["adjustment"].as_object()["contractServiceID"] = 9;
        }).find("plan.entries[0].adjustment") == 0);
  CHECK(with([&](bj::object& o) { entry(o)["adjustment"].as_object()["id"] = 1; }) ==
        "plan.entries[0].adjustment: unknown key 'id'");
  CHECK(with([&](bj::object& o) { o.erase("entries"); }) == "plan.entries: is required");
  CHECK(with([&](bj::object& o) {
          entry(o)["outcome"] = "updated";
        }).find("plan.entries[0].outcome") == 0);
  CHECK_FALSE(Plan::from_json(bj::value(42)).ok());
}

// --- The lock ----------------------------------------------------------------------------------

TEST_CASE("the lock is taken before the first request and released once") {
  Site s;
  auto o = march();
  std::size_t taken_at = 99, released = 0;
  o.lock = [&]() -> Result<std::function<void()>> {
    taken_at = s.mock->request_count();
    return std::function<void()>([&] { ++released; });
  };
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, o);
  REQUIRE(report.ok());
  CHECK(taken_at == 0);
  CHECK(released == 1);
}

TEST_CASE("a lock that cannot be taken fails the run with kConflict and sends nothing") {
  Site s;
  auto o = march();
  o.lock = []() -> Result<std::function<void()>> {
    return Error(ErrorCode::kConflict, "/var/lock/autotask-sync.lock is held by pid 4242");
  };
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, o);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().code == ErrorCode::kConflict);
  CHECK(report.error().message.find("sync lock") != std::string::npos);
  CHECK(report.error().message.find("held by pid 4242") != std::string::npos);
  CHECK(s.mock->request_count() == 0);

  auto plan = plan_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(plan.ok());
  ApplyOptions ao;
  ao.lock = o.lock;
  const auto before = s.mock->request_count();
  auto applied = apply_billing_plan(*s.client, *plan, ao);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().code == ErrorCode::kConflict);
  CHECK(s.mock->request_count() == before);
}

// --- Ambiguous failures ------------------------------------------------------------------------

TEST_CASE("a lost answer to a write that landed counts as updated and is not sent again") {
  Site s;
  s.t->lose_answers = 1;
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kUpdated);
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].find("already holds the target") != std::string::npos);
  CHECK(s.t->adjustments.size() == 1);
  CHECK(r.units_after == 45);
  // 6 reads, the write, the line re-read (rows, contract service), 2 read-back queries.
  CHECK(report->requests == 11);
}

TEST_CASE("a write that timed out without landing is retried once after a re-read") {
  Site s;
  s.t->time_out_unapplied = 1;
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  const auto& r = report->results[0];
  CHECK(r.outcome == Outcome::kUpdated);
  CHECK(r.units_after == 45);
  REQUIRE(s.t->adjustments.size() == 1);  // the first POST never reached the tenant's books
  CHECK(s.t->adjustments[0].at("unitChange").as_int64() == 5);
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].find("sent once more") != std::string::npos);
}

TEST_CASE("a write that times out twice fails that mapping; the run reports it partial") {
  Site s;
  s.t->time_out_unapplied = 2;
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kFailed);
  CHECK(report->results[0].reason.find("failed twice") != std::string::npos);
  CHECK(report->partial);
  CHECK(report->to_json().at("partial").as_bool());
  CHECK(s.t->adjustments.empty());
  CHECK(report->requests == 6 + 1 + 2 + 1);
}

// --- Remap -------------------------------------------------------------------------------------

TEST_CASE("a remapped org's old line is zeroed and reported for removal by hand") {
  Site s;
  s.t->add("Services", {{"id", 78}, {"name", "Directory - legacy"}, {"isActive", true}});
  s.t->add("ContractServices",
           {{"id", 5002}, {"contractID", 300}, {"serviceID", 78}, {"unitCost", 2.0}});
  s.t->add("ContractServiceUnits", row(21, 5002, "2026-03-01", "2026-03-31", 38, false, 78));
  Mapping m = acme();
  m.previous_contract_service_id = 5002;
  auto report = run_billing_sync(*s.client, {m}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  REQUIRE(s.t->adjustments.size() == 2);
  CHECK(s.t->adjustments[0].at("contractServiceID").as_int64() == 5001);
  const bj::object& zero = s.t->adjustments[1];
  CHECK(zero.at("contractID").as_int64() == 300);
  CHECK(zero.at("contractServiceID").as_int64() == 5002);
  CHECK(zero.at("serviceID").as_int64() == 78);
  CHECK(zero.at("unitChange").as_int64() == -38);
  CHECK_FALSE(zero.contains("adjustedUnitCost"));
  const auto& r = report->results[0];
  REQUIRE(r.previous_line.has_value());
  CHECK(r.previous_line->outcome == Outcome::kUpdated);
  CHECK(r.previous_line->reason_code == "remap.old_line_zeroed");
  CHECK(r.previous_line->reason.find("removed by hand") != std::string::npos);
  CHECK(r.previous_line->units_after == 0);
  const bj::object j = report->to_json();
  CHECK(j.at("results").as_array()[0].at("previous_line").at("remove_by_hand").as_bool());
  // 6 reads, 2 reads of the old line (line, rows), 2 writes, 1 landing check, 2 read-back.
  CHECK(report->requests == 13);
}

TEST_CASE("an old line on another contract than the mapping says is not touched") {
  Site s;
  s.t->add("ContractServices",
           {{"id", 5002}, {"contractID", 999}, {"serviceID", 78}, {"unitCost", 2.0}});
  Mapping m = acme();
  m.previous_contract_service_id = 5002;
  auto report = run_billing_sync(*s.client, {m}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  REQUIRE(report->results[0].previous_line.has_value());
  CHECK(report->results[0].previous_line->reason_code == "remap.old_line_other_contract");
  CHECK(s.t->adjustments.size() == 1);
}

// --- Offboarding -------------------------------------------------------------------------------

TEST_CASE("an org that left the portal is only reported by default") {
  Site s;
  auto o = march();
  o.portal_org_ids = std::vector<std::string>{"org-other"};
  auto report = run_billing_sync(*s.client, {acme()}, {}, o);
  REQUIRE(report.ok());
  CHECK(report->results[0].outcome == Outcome::kSkipped);
  CHECK(report->results[0].reason_code == "org.offboarded");
  CHECK(s.t->adjustments.empty());
}

TEST_CASE("zero_next_period sets a departed org's units to 0 from the next period") {
  Site s;
  auto o = march();
  o.portal_org_ids = std::vector<std::string>{};
  o.offboarding = OffboardingPolicy::kZeroNextPeriod;
  auto report = run_billing_sync(*s.client, {acme()}, {}, o);
  REQUIRE(report.ok());
  REQUIRE(s.t->adjustments.size() == 1);
  CHECK(s.t->adjustments[0].at("unitChange").as_int64() == -40);
  CHECK(s.t->adjustments[0].at("effectiveDate").as_string() == "2026-04-01T12:00:00");
  CHECK(Decimal::from_json(s.t->adjustments[0].at("adjustedUnitCost")).value() ==
        Decimal::parse("3").value());
  CHECK(report->results[0].outcome == Outcome::kUpdated);
  CHECK(report->results[0].reason_code == "offboarding.zero_next_period");
  CHECK(report->results[0].units_after == 0);
}

// --- Contract notes ----------------------------------------------------------------------------

TEST_CASE("contract_notes writes a note per change; a failed note never fails the change") {
  {
    Site s;
    auto o = march();
    o.contract_notes = true;
    auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3.5")}, o);
    REQUIRE(report.ok());
    REQUIRE(s.t->notes.size() == 1);
    CHECK(s.t->notes[0].at("contractID").as_int64() == 300);
    const std::string title(s.t->notes[0].at("title").as_string());
    CHECK(title.find("from 40 to 45 units") != std::string::npos);
    CHECK(title.find("unit cost 3.0000 to 3.5000") != std::string::npos);
    CHECK(report->results[0].note_id == 7001);
  }
  {
    Site s;
    s.t->fail_notes_status = 500;
    auto o = march();
    o.contract_notes = true;
    auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, o);
    REQUIRE(report.ok());
    CHECK(report->results[0].outcome == Outcome::kUpdated);
    REQUIRE(report->results[0].notes.size() == 1);
    CHECK(report->results[0].notes[0].find("contract note could not be written") !=
          std::string::npos);
    CHECK_FALSE(report->partial);
  }
}

TEST_CASE("a run goes on past a failed mapping and lists what was not done") {
  Site s;
  s.t->fail_adjustment_status = 500;
  s.t->fail_adjustment_body = R"({"errors":["Value does not reference an existing entity."]})";
  auto report = run_billing_sync(*s.client, {acme()}, {usage(45, "3")}, march());
  REQUIRE(report.ok());
  CHECK(report->partial);
  REQUIRE(report->not_done.size() == 1);
  CHECK(report->not_done[0].find("org-1 (failed)") == 0);
  const bj::object j = report->to_json();
  CHECK(j.at("not_done").as_array().size() == 1);
  CHECK(j.at("totals").as_object().at("requests").as_int64() == 7);
}
