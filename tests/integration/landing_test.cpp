// The landing check over TLS against the simulator's two undocumented Autotask behaviours: an
// effectiveDate moved by the database's time zone, and same-date adjustments that replace each
// other. In both the sync must stop writing after its first write and say why.
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/sync/config.hpp>

#include "integration/support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace autotask_sync;

namespace {

using integration::read_text;
struct Site {
  std::unique_ptr<autotask_sim::Simulator> sim;
  std::shared_ptr<Client> client;
  Config config;
  std::string ca_path;

  explicit Site(autotask_sim::SimulatorOptions so) {
    auto tenant = autotask_sim::load_tenant(autotask_sim::demo_tenant_json());
    REQUIRE(tenant.ok());
    const autotask_sim::ApiUser user = tenant->api_users.front();
    so.today = Date{std::chrono::year{2026} / 12 / 3};
    auto started = autotask_sim::Simulator::start(so, std::move(*tenant));
    REQUIRE(started.ok());
    sim = std::move(*started);
    char path[] = "/tmp/atsync-landing-ca-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    ca_path = path;
    REQUIRE(sim->write_certificate(ca_path).ok());
    auto parsed = parse_config(read_text("examples/demo/config.json"));
    REQUIRE(parsed.ok());
    config = std::move(*parsed);
    config.billing.now = [] {
      using namespace std::chrono;
      return sys_days{year{2026} / 12 / 3} + hours{10};
    };
    AutotaskSettings s;
    s.credentials = {user.username, user.secret, user.integration_code};
    s.zone_lookup_url = sim->zone_lookup_url();
    s.ca_file = ca_path;
    auto c = make_client(s, Logger());
    REQUIRE(c.ok());
    client = std::move(*c);
  }
  ~Site() { std::remove(ca_path.c_str()); }
};

std::size_t count_code(const SyncReport& r, const std::string& code, Outcome o) {
  std::size_t n = 0;
  for (const auto& x : r.results) n += x.reason_code == code && x.outcome == o;
  return n;
}

}  // namespace

TEST_CASE("a change the database moves to the previous day stops the run after one write") {
  autotask_sim::SimulatorOptions so;
  so.effective_date_rule = autotask_sim::EffectiveDateRule::kDatabaseOffset;
  so.database_utc_offset = std::chrono::minutes(-5 * 60);
  Site site(so);
  // Midnight UTC at UTC-5 is 19:00 on the day before: the change lands on 2026-11-30.
  site.config.billing.effective_time = "00:00:00";

  BillingOptions dry = site.config.billing;
  dry.dry_run = true;
  auto plan = run_billing_sync(*site.client, site.config.mappings, site.config.usage, dry);
  REQUIRE(plan.ok());
  const std::size_t planned = plan->totals.would_update;
  REQUIRE(planned >= 2);

  auto report =
      run_billing_sync(*site.client, site.config.mappings, site.config.usage, site.config.billing);
  REQUIRE(report.ok());
  CHECK(site.sim->write_count() == 1);
  CHECK(report->stopped_code == "sync.landing_mismatch");
  CHECK(report->stopped_reason.find("landed on 2026-11-30") != std::string::npos);
  CHECK(count_code(*report, "sync.landing_mismatch", Outcome::kFailed) == 1);
  CHECK(count_code(*report, "sync.landing_mismatch", Outcome::kSkipped) == planned - 1);
  CHECK(report->totals.updated == 0);
  CHECK(report->partial);
  CHECK(report->not_done.size() == planned);
}

TEST_CASE("the default midday time survives a UTC-5 database and the run completes") {
  autotask_sim::SimulatorOptions so;
  so.effective_date_rule = autotask_sim::EffectiveDateRule::kDatabaseOffset;
  so.database_utc_offset = std::chrono::minutes(-5 * 60);
  Site site(so);
  auto report =
      run_billing_sync(*site.client, site.config.mappings, site.config.usage, site.config.billing);
  REQUIRE(report.ok());
  CHECK(report->stopped_code.empty());
  CHECK(report->totals.failed == 0);
  CHECK(site.sim->write_count() == report->totals.updated);
}

TEST_CASE("same-date adjustments that replace each other stop the run after one write") {
  autotask_sim::SimulatorOptions so;
  so.same_date_adjustments = autotask_sim::SameDateAdjustments::kLastReplaces;
  Site site(so);
  // A first night: no earlier adjustment on 2026-12-01, so nothing is replaced.
  auto first =
      run_billing_sync(*site.client, site.config.mappings, site.config.usage, site.config.billing);
  REQUIRE(first.ok());
  REQUIRE(first->stopped_code.empty());
  std::vector<std::string> changed;
  for (const auto& r : first->results) {
    if (r.outcome == Outcome::kUpdated && r.adjustment->unitChange != 0 && changed.size() < 2) {
      changed.push_back(r.mapping.org_id);
    }
  }
  REQUIRE(changed.size() == 2);
  const std::size_t writes = site.sim->write_count();

  // The next night the peak of two of those orgs rose by 3: each gets a second adjustment dated
  // 2026-12-01, which replaces the first one's change instead of adding to it.
  std::int64_t first_delta = 0, first_target = 0;
  for (auto& u : site.config.usage) {
    if (u.org_id == changed[0] || u.org_id == changed[1]) u.high_water_mark += 3;
  }
  for (const auto& r : first->results) {
    if (r.mapping.org_id == changed[0]) {
      first_delta = r.adjustment->unitChange;
      first_target = *r.units_target;
    }
  }
  auto second =
      run_billing_sync(*site.client, site.config.mappings, site.config.usage, site.config.billing);
  REQUIRE(second.ok());
  CHECK(site.sim->write_count() == writes + 1);
  CHECK(second->stopped_code == "sync.landing_mismatch");
  // Expected first_target + 3; the replacement leaves the units at the original plus 3.
  const std::string expected = "(expected " + std::to_string(first_target + 3) + ")";
  CHECK(second->stopped_reason.find(expected) != std::string::npos);
  CHECK(second->stopped_reason.find("holds " + std::to_string(first_target - first_delta + 3) +
                                    " units") != std::string::npos);
  for (const auto& r : second->results) {
    if (r.mapping.org_id == changed[0]) CHECK(r.outcome == Outcome::kFailed);
    if (r.mapping.org_id == changed[1]) {
      CHECK(r.outcome == Outcome::kSkipped);
      CHECK(r.reason_code == "sync.landing_mismatch");
    }
  }
}
