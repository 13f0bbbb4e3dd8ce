// End to end: the demo config synced over real HTTPS against the simulator seeded with the demo
// tenant, then the simulator's state checked row by row.
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/http/beast_transport.hpp>
#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/config.hpp>

#include "integration/support.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

using integration::read_text;
using integration::run_time;

struct Fixture {
  std::unique_ptr<autotask_sim::Simulator> sim;
  std::shared_ptr<Client> client;
  Config config;
  std::string ca_path;
  std::vector<std::string> log_lines;
  std::mutex log_mutex;

  explicit Fixture(const std::string& secret_override = {}) {
    auto tenant = autotask_sim::load_tenant(autotask_sim::demo_tenant_json());
    REQUIRE(tenant.ok());
    const autotask_sim::ApiUser user = tenant->api_users.front();
    autotask_sim::SimulatorOptions so;
    so.today = Date{std::chrono::year{2026} / 12 / 3};
    auto started = autotask_sim::Simulator::start(so, std::move(*tenant));
    REQUIRE(started.ok());
    sim = std::move(*started);

    char path[] = "/tmp/atsync-int-ca-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    ca_path = path;
    REQUIRE(sim->write_certificate(ca_path).ok());

    auto parsed = parse_config(read_text("examples/demo/config.json"));
    REQUIRE(parsed.ok());
    config = std::move(*parsed);
    config.billing.now = run_time;

    AutotaskSettings s;
    s.credentials = {user.username, secret_override.empty() ? user.secret : secret_override,
                     user.integration_code};
    s.zone_lookup_url = sim->zone_lookup_url();
    s.ca_file = ca_path;
    auto c = make_client(s, Logger(
                                [this](LogLevel, std::string_view line) {
                                  std::lock_guard lock(log_mutex);
                                  log_lines.emplace_back(line);
                                },
                                LogLevel::kDebug));
    REQUIRE(c.ok());
    client = std::move(*c);
  }
  ~Fixture() { std::remove(ca_path.c_str()); }

  // The units of `contract_service` in the row covering `date`, from the simulator's own state.
  std::optional<std::int64_t> units_on(Id contract_service, const char* date) const {
    for (const auto& r : sim->entities("ContractServiceUnits")) {
      const auto& o = r.as_object();
      if (o.at("contractServiceID").to_number<Id>() != contract_service) continue;
      const std::string start(o.at("startDate").as_string().subview().substr(0, 10));
      const std::string end(o.at("endDate").as_string().subview().substr(0, 10));
      if (start <= date && date <= end) return o.at("units").to_number<std::int64_t>();
    }
    return std::nullopt;
  }
  std::optional<Decimal> unit_cost_of(Id contract_service) const {
    for (const auto& r : sim->entities("ContractServices")) {
      const auto& o = r.as_object();
      if (o.at("id").to_number<Id>() == contract_service) {
        return Decimal::from_json(o.at("unitCost")).value();
      }
    }
    return std::nullopt;
  }
};

const Usage& usage_of(const Config& c, const std::string& org) {
  for (const auto& u : c.usage) {
    if (u.org_id == org) return u;
  }
  FAIL("no usage for " << org);
  return c.usage.front();
}

}  // namespace

TEST_CASE("the demo sync over TLS leaves every mapped contract service at its target") {
  Fixture f;
  const std::size_t lines_before = f.sim->entities("ContractServices").size();

  auto report = run_billing_sync(*f.client, f.config.mappings, f.config.usage, f.config.billing);
  REQUIRE(report.ok());
  CHECK(report->effective_date == Date{std::chrono::year{2026} / 12 / 1});
  CHECK(report->totals.failed == 0);
  CHECK(report->totals.updated >= 3);
  CHECK(report->totals.unchanged >= 3);
  CHECK(report->totals.skipped >= 5);

  std::size_t updated = 0;
  for (const auto& r : report->results) {
    INFO("org " << r.mapping.org_id << ": " << r.reason);
    if (r.outcome == Outcome::kUpdated || r.outcome == Outcome::kUnchanged) {
      const Usage& u = usage_of(f.config, r.mapping.org_id);
      REQUIRE(r.contract_service_id.has_value());
      CHECK(f.units_on(*r.contract_service_id, "2026-12-01") == u.high_water_mark);
      CHECK(f.units_on(*r.contract_service_id, "2026-12-31") == u.high_water_mark);
      CHECK(f.unit_cost_of(*r.contract_service_id) == u.unit_cost);
      CHECK(r.units_after == u.high_water_mark);
      CHECK(r.cost_after == u.unit_cost);
    }
    if (r.outcome == Outcome::kUpdated) {
      ++updated;
      // November is posted: the change must not reach back into it.
      CHECK(f.units_on(*r.contract_service_id, "2026-11-15") == r.units_before);
    }
    if (r.outcome == Outcome::kSkipped) CHECK_FALSE(r.reason.empty());
  }
  // One adjustment per updated mapping, and no contract line created behind our back.
  CHECK(f.sim->write_count() == updated);
  CHECK(f.sim->entities("ContractServices").size() == lines_before);
  // 1 zone lookup, 1 ThresholdInformation poll, 5 batched reads, 1 write per update, 1 landing
  // check of the first write's line (there is more than one write), 2 read-back queries.
  REQUIRE(updated > 1);
  CHECK(report->requests == 1 + 1 + 5 + updated + 1 + 2);
}

TEST_CASE("a second sync against the same simulator reports every mapping unchanged") {
  Fixture f;
  auto first = run_billing_sync(*f.client, f.config.mappings, f.config.usage, f.config.billing);
  REQUIRE(first.ok());
  const std::size_t writes = f.sim->write_count();
  REQUIRE(writes > 0);

  auto second = run_billing_sync(*f.client, f.config.mappings, f.config.usage, f.config.billing);
  REQUIRE(second.ok());
  CHECK(second->totals.updated == 0);
  CHECK(second->totals.failed == 0);
  CHECK(second->totals.unchanged == first->totals.updated + first->totals.unchanged);
  CHECK(second->totals.skipped == first->totals.skipped);
  CHECK(f.sim->write_count() == writes);
}

TEST_CASE("a dry run over TLS plans the same changes and leaves the tenant untouched") {
  Fixture f;
  const bj::array rows_before = f.sim->entities("ContractServiceUnits");
  BillingOptions dry = f.config.billing;
  dry.dry_run = true;
  auto plan = run_billing_sync(*f.client, f.config.mappings, f.config.usage, dry);
  REQUIRE(plan.ok());
  CHECK(f.sim->write_count() == 0);
  CHECK(f.sim->entities("ContractServiceUnits") == rows_before);

  auto real = run_billing_sync(*f.client, f.config.mappings, f.config.usage, f.config.billing);
  REQUIRE(real.ok());
  CHECK(real->totals.updated == plan->totals.would_update);
  for (std::size_t i = 0; i < plan->results.size(); ++i) {
    if (plan->results[i].outcome != Outcome::kWouldUpdate) continue;
    CHECK(real->results[i].outcome == Outcome::kUpdated);
    CHECK(real->results[i].adjustment->unitChange == plan->results[i].adjustment->unitChange);
  }
}

TEST_CASE("the secret never appears in a log line, the report or an error") {
  Fixture f;
  const std::string secret =
      autotask_sim::load_tenant(autotask_sim::demo_tenant_json())->api_users.front().secret;
  auto report = run_billing_sync(*f.client, f.config.mappings, f.config.usage, f.config.billing);
  REQUIRE(report.ok());
  CHECK(json::serialize(report->to_json()).find(secret) == std::string::npos);
  CHECK(report->to_text().find(secret) == std::string::npos);
  REQUIRE_FALSE(f.log_lines.empty());
  for (const auto& line : f.log_lines) CHECK(line.find(secret) == std::string::npos);

  // A wrong secret: the error names the failure, not the value sent.
  Fixture wrong("WRONG-SECRET-CANARY-4411");
  auto refused = run_billing_sync(*wrong.client, wrong.config.mappings, wrong.config.usage,
                                  wrong.config.billing);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kAuthentication);
  CHECK(refused.error().http_status == 401);
  CHECK(refused.error().describe().find("WRONG-SECRET-CANARY-4411") == std::string::npos);
  for (const auto& line : wrong.log_lines) {
    CHECK(line.find("WRONG-SECRET-CANARY-4411") == std::string::npos);
  }
}
