// autotask-sync run as a program against its embedded simulator and the demo config.
#include <autotask_sync/model/json_util.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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
  const Run r = cli("sync --config examples/demo/config.json --dry-run --report " + dir + "/r.json");
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
  const Run r = cli("sync --config examples/demo/config.json --repeat 2 --report " + dir + "/r.json");
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
