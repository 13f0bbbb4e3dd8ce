// autotask-sync run as a program against its embedded simulator: the demo config and the readiness
// fixtures.
#include <autotask_sync/model/json_util.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

struct Run {
  int status = -1;
  std::string out;
};

// Runs the CLI with `args`, capturing stdout and stderr together.
Run cli(const std::string& args) {
  const std::string command = std::string(AUTOTASK_SYNC_CLI) + " " + args + " 2>&1";
  Run r;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int raw = ::pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

std::string temp_dir() {
  char dir[] = "/tmp/atsync-cli-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  return dir;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

}  // namespace

TEST_CASE("a dry run of the demo plans eight updates and writes a report of the documented shape") {
  const std::string dir = temp_dir();
  const Run r =
      cli("sync --config examples/demo/config.json --dry-run --report " + dir + "/r.json");
  CHECK(r.status == 0);
  CHECK(r.out.find("would update 8") != std::string::npos);
  auto report = autotask_sync::json::parse(read_text(dir + "/r.json"));
  REQUIRE(report.ok());
  const auto& o = report->as_object();
  CHECK(o.at("schema").as_string() == "autotask_sync.sync_report.v1");
  CHECK(o.at("dry_run").as_bool());
  CHECK(o.at("totals").as_object().at("would_update").as_int64() == 8);
  CHECK(o.at("totals").as_object().at("skipped").as_int64() == 5);
  // The planned body carries the time that would be sent.
  for (const auto& x : o.at("results").as_array()) {
    const auto& a = x.as_object().at("adjustment");
    if (a.is_object()) {
      CHECK(std::string(a.as_object().at("effectiveDate").as_string()).substr(10) == "T12:00:00");
    }
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the demo run twice updates, then finds everything unchanged") {
  const std::string dir = temp_dir();
  const Run r =
      cli("sync --config examples/demo/config.json --repeat 2 --report " + dir + "/r.json");
  CHECK(r.status == 0);
  CHECK(r.out.find("updated 8, unchanged 7, skipped 5, failed 0") != std::string::npos);
  CHECK(r.out.find("updated 0, unchanged 15, skipped 5, failed 0") != std::string::npos);
  CHECK(std::filesystem::exists(dir + "/r.json.1"));
  CHECK(std::filesystem::exists(dir + "/r.json.2"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("an unwritable report path is refused before anything is synced") {
  const Run r = cli("sync --config examples/demo/config.json --report /nonexistent-dir/r.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("the report cannot be written") != std::string::npos);
  CHECK(r.out.find("updated") == std::string::npos);
}

TEST_CASE("config mistakes exit 2 and name the problem") {
  const std::string dir = temp_dir();
  write_text(dir + "/typo.json", R"({"mapings": []})");
  Run r = cli("sync --config " + dir + "/typo.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("unknown key 'mapings'") != std::string::npos);

  r = cli("sync --config " + dir + "/missing.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("missing.json") != std::string::npos);

  write_text(dir + "/remote.json",
             R"({"autotask": {"username": "u@example.com", "secret": "CLI-CANARY-SECRET",
                 "integration_code": "c", "base_url": "https://127.0.0.1:1/ATServicesRest/"},
                 "mappings": [{"org_id": "o1", "company_id": 1, "contract_id": 2, "service_id": 3}],
                 "usage": [{"org_id": "o1", "high_water_mark": 4, "unit_cost": "1.5"}]})");
  r = cli("sync --config " + dir + "/remote.json --tenant fixtures/demo_tenant.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("--tenant applies only to the embedded simulator") != std::string::npos);

  // A run that cannot reach Autotask fails as a whole, says why, and still leaves a report.
  r = cli("sync --config " + dir + "/remote.json --report " + dir + "/failed.json");
  CHECK(r.status == 1);
  CHECK(r.out.find("CLI-CANARY-SECRET") == std::string::npos);
  auto failed = autotask_sync::json::parse(read_text(dir + "/failed.json"));
  REQUIRE(failed.ok());
  CHECK(failed->as_object().at("failed").as_bool());
  CHECK(failed->as_object().at("error").as_object().at("code").as_string() == "transport");
  CHECK(read_text(dir + "/failed.json").find("CLI-CANARY-SECRET") == std::string::npos);
  std::filesystem::remove_all(dir);
}

// The readiness check against the fixtures of fixtures/generate_readiness_tenants.py. The CLI
// runs the check with the real clock; the fixtures' faults hold for effective dates from 2026-07
// (the "no units row" line has rows until 2026-06) to 2028-12 (the last rows).
namespace {

// The API user's secret in both readiness fixtures (USER in the generator).
constexpr const char* kFixtureSecret = "check-secret-Vn4q8RtZ2w";

bool within_fixture_span(const std::string& effective_date) {
  return effective_date >= "2026-07-01" && effective_date <= "2028-12-31";
}

}  // namespace

TEST_CASE("check on the prepared tenant exits 0 and finds nothing") {
  const std::string dir = temp_dir();
  const Run r =
      cli("check --config examples/check/prepared.json --tenant "
          "fixtures/prepared_tenant.json --report " +
          dir + "/r.json");
  CHECK(r.status == 0);
  CHECK(r.out.find("No findings: the tenant is ready.") != std::string::npos);
  CHECK(r.out.find("0 blocking, 0 warnings; 6 of 6 mappings ready") != std::string::npos);
  CHECK(r.out.find(kFixtureSecret) == std::string::npos);
  const std::string text = read_text(dir + "/r.json");
  auto report = autotask_sync::json::parse(text);
  REQUIRE(report.ok());
  const auto& o = report->as_object();
  CHECK(o.at("schema").as_string() == "autotask_sync.readiness_report.v1");
  CHECK(o.at("ready").as_bool());
  CHECK(o.at("findings").as_array().empty());
  CHECK(text.find(kFixtureSecret) == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("check on the unprepared tenant exits 3 and reports each fault exactly once") {
  const std::string dir = temp_dir();
  const Run r =
      cli("check --config examples/check/unprepared.json --tenant "
          "fixtures/unprepared_tenant.json --report " +
          dir + "/r.json");
  CHECK(r.status == 3);
  CHECK(r.out.find("Summary: 22 blocking, 3 warnings; 7 of 28 mappings ready") !=
        std::string::npos);
  CHECK(r.out.find(kFixtureSecret) == std::string::npos);

  const std::string text = read_text(dir + "/r.json");
  CHECK(text.find(kFixtureSecret) == std::string::npos);
  auto report = autotask_sync::json::parse(text);
  REQUIRE(report.ok());
  const auto& o = report->as_object();
  REQUIRE_MESSAGE(within_fixture_span(std::string(o.at("effective_date").as_string())),
                  "the readiness fixtures cover effective dates 2026-07..2028-12; regenerate "
                  "them with fixtures/generate_readiness_tenants.py");
  CHECK(o.at("schema").as_string() == "autotask_sync.readiness_report.v1");
  CHECK_FALSE(o.at("ready").as_bool());
  CHECK(o.at("totals").as_object().at("blocking").as_int64() == 22);
  CHECK(o.at("totals").as_object().at("warning").as_int64() == 3);
  CHECK(o.at("totals").as_object().at("mappings_checked").as_int64() == 28);
  CHECK(o.at("totals").as_object().at("mappings_ready").as_int64() == 7);

  // Every finding is complete, and counted by code and severity.
  std::map<std::string, int> seen;  // "code severity [entity]" -> times
  std::map<std::string, int> codes;
  const auto& findings = o.at("findings").as_array();
  CHECK(findings.size() == 25);
  for (const auto& x : findings) {
    const auto& f = x.as_object();
    const std::string code(f.at("code").as_string());
    INFO("finding " << code);
    CHECK_FALSE(code.empty());
    CHECK_FALSE(f.at("severity").as_string().empty());
    CHECK_FALSE(f.at("message").as_string().empty());
    CHECK_FALSE(f.at("remediation").as_string().empty());
    ++codes[code];
    std::string key = code + " " + std::string(f.at("severity").as_string());
    if (code == "permissions.missing") key += " " + std::string(f.at("entity").as_string());
    ++seen[key];
  }

  CHECK(codes["permissions.missing"] == 2);
  CHECK(seen["permissions.missing blocking ContractServiceAdjustments"] == 1);
  CHECK(seen["permissions.missing warning TicketNotes"] == 1);
  // Listed by hand from the generator's faults: one finding each.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"costs.unreadable", "blocking"},
      {"company.not_found", "blocking"},
      {"company.inactive", "blocking"},
      {"company.type_not_allowed", "blocking"},
      {"drift.company_renamed", "blocking"},
      {"contract.not_found", "blocking"},
      {"contract.other_company", "blocking"},
      {"contract.not_recurring_service", "blocking"},
      {"contract.inactive", "blocking"},
      {"contract.ended", "blocking"},
      {"contract.not_started", "blocking"},
      {"contract.period_not_monthly", "blocking"},
      {"service.not_found", "blocking"},
      {"service.is_bundle", "blocking"},
      {"service.inactive", "blocking"},
      {"line.service_not_on_contract", "blocking"},
      {"line.service_twice", "blocking"},
      {"line.not_on_contract", "blocking"},
      {"line.other_service", "blocking"},
      {"units.no_row", "blocking"},
      {"line.shared", "blocking"},
      {"portal.unmapped_usage", "warning"},
      {"portal.org_gone", "warning"},
  };
  std::size_t listed = 2;  // the two permissions.missing
  for (const auto& entry : expected) {
    const std::string& code = entry.first;
    INFO("code " << code);
    CHECK(codes[code] == 1);
    CHECK(seen[code + ' ' + entry.second] == 1);
    ++listed;
  }
  // Nothing beyond the list.
  CHECK(listed == findings.size());
  CHECK(codes.size() == expected.size() + 1);

  // The faults are named with what they concern.
  CHECK(r.out.find("org 'org-contract-ended'") != std::string::npos);
  CHECK(r.out.find("org 'org-unmapped' has usage") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("check refuses a missing config and a config with an unknown key, exiting 2") {
  const std::string dir = temp_dir();
  Run r = cli("check --config " + dir + "/absent.json --tenant fixtures/prepared_tenant.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("absent.json") != std::string::npos);
  CHECK(r.out.find("Readiness check") == std::string::npos);

  std::string config = read_text("examples/check/prepared.json");
  REQUIRE(config.find('{') != std::string::npos);
  config.insert(config.find('{') + 1, R"("portl": {},)");
  write_text(dir + "/typo.json", config);
  r = cli("check --config " + dir + "/typo.json --tenant fixtures/prepared_tenant.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("unknown key 'portl'") != std::string::npos);
  CHECK(r.out.find("Readiness check") == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("check refuses a report path in a missing directory before any request") {
  const Run r =
      cli("check --config examples/check/unprepared.json --tenant "
          "fixtures/unprepared_tenant.json --log-level debug --report "
          "/nonexistent-dir/readiness.json");
  CHECK(r.status == 2);
  CHECK(r.out.find("the report cannot be written") != std::string::npos);
  CHECK(r.out.find("/nonexistent-dir/readiness.json") != std::string::npos);
  // --log-level debug logs one line per request: there is none, and no simulator was started.
  CHECK(r.out.find("[debug]") == std::string::npos);
  CHECK(r.out.find("zoneInformation") == std::string::npos);
  CHECK(r.out.find("bundled simulator") == std::string::npos);
  CHECK(r.out.find("Readiness check") == std::string::npos);
}

TEST_CASE("check with every log line on never shows the tenant's secret") {
  const std::string dir = temp_dir();
  const Run r =
      cli("check --config examples/check/unprepared.json --tenant "
          "fixtures/unprepared_tenant.json --log-level debug --report " +
          dir + "/r.json");
  CHECK(r.status == 3);
  CHECK(r.out.find("[debug]") != std::string::npos);
  CHECK(r.out.find(kFixtureSecret) == std::string::npos);
  CHECK(read_text(dir + "/r.json").find(kFixtureSecret) == std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "plan writes a plan file; apply applies its approved entries and refuses a tampered plan") {
  const std::string dir = temp_dir();
  const Run planned = cli("plan --config examples/demo/config.json --out " + dir + "/plan.json");
  REQUIRE(planned.status == 0);
  // The demo: 8 mappings to change, 7 already right, 5 that cannot be billed (see sim/README.md).
  CHECK(planned.out.find("would update 8, unchanged 7, held 0, skipped 5") != std::string::npos);
  auto plan = autotask_sync::json::parse(read_text(dir + "/plan.json"));
  REQUIRE(plan.ok());
  CHECK(plan->as_object().at("schema").as_string() == "autotask_sync.plan.v1");
  auto& entries = plan->as_object().at("entries").as_array();
  REQUIRE(entries.size() == 20);
  // A reviewer withholds the first change (org-001, 40 -> 42 units).
  REQUIRE(entries[0].as_object().at("outcome").as_string() == "would_update");
  entries[0].as_object()["approved"] = false;
  write_text(dir + "/reviewed.json", autotask_sync::json::serialize(*plan));

  const Run applied = cli("apply --plan " + dir +
                          "/reviewed.json --config examples/demo/config.json"
                          " --report " +
                          dir + "/report.json");
  CHECK(applied.status == 0);
  CHECK(applied.out.find("updated 7,") != std::string::npos);
  auto report = autotask_sync::json::parse(read_text(dir + "/report.json"));
  REQUIRE(report.ok());
  const auto& first = report->as_object().at("results").as_array().at(0).as_object();
  CHECK(first.at("org_id").as_string() == "org-001");
  CHECK(first.at("reason_code").as_string() == "plan.not_approved");

  // A plan whose numbers do not add up is refused before anything is read or written.
  entries[1].as_object()["units"].as_object()["target"] = 999;
  write_text(dir + "/tampered.json", autotask_sync::json::serialize(*plan));
  const Run tampered =
      cli("apply --plan " + dir + "/tampered.json --config examples/demo/config.json");
  CHECK(tampered.status == 2);
  CHECK(tampered.out.find("plan.entries[1]") != std::string::npos);
  CHECK(tampered.out.find("bundled simulator") == std::string::npos);

  const Run missing = cli("apply --plan " + dir + "/nope.json --config examples/demo/config.json");
  CHECK(missing.status == 2);
  CHECK(missing.out.find("nope.json") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a second sync of the same tenant refuses while the first holds the lock") {
  const std::string dir = temp_dir();
  const std::string lock = dir + "/tenant.lock";
  // Another process holds the lock, as a running sync does (flock(1) takes the same flock).
  const std::string command = "flock " + lock + " sleep 3 & sleep 0.5; " +
                              std::string(AUTOTASK_SYNC_CLI) +
                              " sync --config examples/demo/config.json --lock-file " + lock +
                              " 2>&1; echo status=$?; wait";
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  CHECK(out.find("another sync of this tenant is running") != std::string::npos);
  CHECK(out.find("status=1") != std::string::npos);
  CHECK(out.find("updated") == std::string::npos);  // nothing was synced

  // Once the holder is gone the lock is free again.
  const Run after = cli("sync --config examples/demo/config.json --dry-run --lock-file " + lock);
  CHECK(after.status == 0);

  // A lock file that cannot be opened says so, and does not blame another sync.
  const Run broken =
      cli("sync --config examples/demo/config.json --lock-file " + dir + "/missing/tenant.lock");
  CHECK(broken.status == 1);
  CHECK(broken.out.find("cannot open the lock file") != std::string::npos);
  CHECK(broken.out.find("another sync") == std::string::npos);
  CHECK(broken.out.find("updated") == std::string::npos);
  std::filesystem::remove_all(dir);
}
