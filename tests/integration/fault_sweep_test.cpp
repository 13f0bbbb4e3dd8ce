// Idempotence under faults. A sync of 50 mappings runs against the simulator over TLS while one
// request, at every index in turn, goes wrong: the connection is reset after the server has
// committed the write, or the syncing process (the real CLI, a child process) is killed at that
// request; at sampled indexes the request times out or gets a 503. After each, a fresh rerun
// must leave Autotask exactly at the target: every line's units equal to the high-water mark,
// its unit cost equal to the cost per seat, no extra contract line; and one more rerun writes
// nothing.
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/http/beast_transport.hpp>
#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/billing.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

extern char** environ;

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

constexpr int kMappings = 50;
constexpr Id kService = 401;

// Sanitizer builds run about ten times slower; they sweep every fifth index.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kStride = 5;
#else
constexpr std::size_t kStride = 1;
#endif

struct Target {
  Id line = 0;
  std::int64_t units = 0;
  Decimal cost;
};

// 50 customers, each with a monthly Recurring Service contract carrying the product once, and
// units rows from 2025 to 2028, none posted: whatever today's date, the change is dated on the
// current month's first day. The usage moves a third of the lines up, a third down, changes the
// cost of every fifth, and leaves the rest alone.
struct World {
  autotask_sim::Tenant tenant;
  std::vector<Mapping> mappings;
  std::vector<Usage> usage;
  std::vector<Target> targets;

  World() {
    bj::array companies, contracts, lines, rows, services;
    companies.push_back(bj::object{{"id", 0},
                                   {"companyName", "Sweep MSP"},
                                   {"companyType", 1},
                                   {"isActive", true},
                                   {"ownerResourceID", 1},
                                   {"phone", "1"}});
    services.push_back(bj::object{{"id", kService},
                                  {"name", "Directory Platform - per user"},
                                  {"unitCost", 3.5},
                                  {"unitPrice", 6.0},
                                  {"periodType", 1},
                                  {"isActive", true},
                                  {"billingCodeID", 1}});
    Id row_id = 800'000;
    for (int i = 1; i <= kMappings; ++i) {
      const Id company = 100 + i, contract = 3000 + i, line = 5000 + i;
      const std::int64_t units_now = 20 + i;
      companies.push_back(bj::object{{"id", company},
                                     {"companyName", "Sweep Client " + std::to_string(i)},
                                     {"companyType", 1},
                                     {"isActive", true},
                                     {"ownerResourceID", 1},
                                     {"phone", "1"}});
      contracts.push_back(bj::object{{"id", contract},
                                     {"companyID", company},
                                     {"contractName", "Sweep " + std::to_string(i)},
                                     {"contractType", 7},
                                     {"contractPeriodType", 1},
                                     {"status", 1},
                                     {"startDate", "2025-01-01T00:00:00"},
                                     {"endDate", "2028-12-31T00:00:00"}});
      lines.push_back(bj::object{{"id", line},
                                 {"contractID", contract},
                                 {"serviceID", kService},
                                 {"unitCost", 3.5},
                                 {"unitPrice", 6.0}});
      for (int y = 2025; y <= 2028; ++y) {
        for (unsigned m = 1; m <= 12; ++m) {
          const Date first{std::chrono::year{y} / m / 1};
          const Date last{std::chrono::year{y} / m / std::chrono::last};
          rows.push_back(bj::object{{"id", row_id++},
                                    {"contractID", contract},
                                    {"contractServiceID", line},
                                    {"serviceID", kService},
                                    {"startDate", format_date(first) + "T00:00:00"},
                                    {"endDate", format_date(last) + "T00:00:00"},
                                    {"units", units_now},
                                    {"cost", 3.5},
                                    {"price", 6.0}});
        }
      }
      const std::int64_t target = i % 3 == 0 ? units_now : i % 3 == 1 ? units_now + i : i;
      const Decimal cost = *Decimal::parse(i % 5 == 0 ? "4.2500" : "3.5000");
      Mapping mp;
      mp.org_id = "org-" + std::to_string(i);
      mp.org_name = "Sweep Client " + std::to_string(i);
      mp.company_id = company;
      mp.contract_id = contract;
      mp.service_id = kService;
      mappings.push_back(mp);
      usage.emplace_back(mp.org_id, target, cost);
      targets.push_back(Target{line, target, cost});
    }
    tenant.api_users.push_back(
        autotask_sim::ApiUser{"sweep-api@msp.example", "Sweep-Secret-93kq", "SWEEPCODE", true});
    tenant.entities["Companies"] = std::move(companies);
    tenant.entities["Contracts"] = std::move(contracts);
    tenant.entities["Services"] = std::move(services);
    tenant.entities["ContractServices"] = std::move(lines);
    tenant.entities["ContractServiceUnits"] = std::move(rows);
  }
};

const World& world() {
  static const World w;
  return w;
}

std::string temp_path(const char* stem) {
  std::string pattern = std::string("/tmp/") + stem + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  REQUIRE(fd >= 0);
  ::close(fd);
  return buf.data();
}

struct Site {
  std::unique_ptr<autotask_sim::Simulator> sim;
  std::string ca_path;

  Site() {
    autotask_sim::SimulatorOptions so;
    auto started = autotask_sim::Simulator::start(so, world().tenant);
    REQUIRE(started.ok());
    sim = std::move(*started);
    ca_path = temp_path("atsync-sweep-ca");
    REQUIRE(sim->write_certificate(ca_path).ok());
  }
  ~Site() { std::remove(ca_path.c_str()); }

  // A client that never sleeps (backoff and slow-down waits are skipped) and gives up on a
  // response after `timeout`.
  std::shared_ptr<Client> client(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    http::BeastTransportOptions t;
    t.ca_file = ca_path;
    t.request_timeout = timeout;
    auto transport = http::BeastTransport::create(std::move(t));
    REQUIRE(transport.ok());
    const auto& u = world().tenant.api_users.front();
    ClientOptions o;
    o.credentials = {u.username, u.secret, u.integration_code};
    o.zone_lookup_url = sim->zone_lookup_url();
    o.environment.sleep = [](std::chrono::milliseconds) {};
    auto c = Client::create(std::move(o), std::move(*transport));
    REQUIRE(c.ok());
    return std::move(*c);
  }

  Result<SyncReport> sync(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return run_billing_sync(*client(timeout), world().mappings, world().usage, BillingOptions{});
  }

  // Autotask's state against the target: every difference, in words; empty when exact.
  std::vector<std::string> differences() const {
    std::vector<std::string> out;
    const bj::array lines = sim->entities("ContractServices");
    if (lines.size() != static_cast<std::size_t>(kMappings)) {
      out.push_back(std::to_string(lines.size()) + " contract lines instead of " +
                    std::to_string(kMappings));
    }
    std::map<Id, Decimal> cost;
    for (const auto& l : lines) {
      cost[l.at("id").to_number<Id>()] = *Decimal::from_json(l.at("unitCost"));
    }
    const Date today = *civil_date_in_zone(std::chrono::system_clock::now(), "UTC");
    const std::string effective = format_date(first_of_month(today));
    std::map<Id, std::int64_t> units;
    for (const auto& r : sim->entities("ContractServiceUnits")) {
      const auto& o = r.as_object();
      const std::string start(o.at("startDate").as_string().subview().substr(0, 10));
      const std::string end(o.at("endDate").as_string().subview().substr(0, 10));
      if (start <= effective && effective <= end) {
        units[o.at("contractServiceID").to_number<Id>()] = o.at("units").to_number<std::int64_t>();
      }
    }
    for (const auto& t : world().targets) {
      if (units[t.line] != t.units) {
        out.push_back("line " + std::to_string(t.line) + " holds " + std::to_string(units[t.line]) +
                      " units instead of " + std::to_string(t.units));
      }
      if (cost[t.line] != t.cost) {
        out.push_back("line " + std::to_string(t.line) + " costs " + cost[t.line].to_string() +
                      " instead of " + t.cost.to_string());
      }
    }
    return out;
  }
};

// Waits (at most 20 s) until the server has finished every request it received. A request that
// timed out on the client may still be committed by the server afterwards; the rerun models the
// next night's run, which comes after that.
void settle(const Site& site) {
  for (int i = 0; i < 400; ++i) {
    bool pending = false;
    for (const auto& r : site.sim->requests()) {
      if (r.status == 0 && r.response_sent) pending = true;
    }
    if (!pending) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the simulator still handles a request after 20 s");
}

// Reruns until the state is exact (one rerun must do), then shows that one more writes nothing.
void converge_and_rerun(Site& site, std::size_t index, const char* fault) {
  CAPTURE(index);
  CAPTURE(fault);
  settle(site);
  auto repair = site.sync();
  REQUIRE(repair.ok());
  CHECK(repair->totals.failed == 0);
  const auto diff = site.differences();
  for (const auto& d : diff) INFO(d);
  CHECK(diff.empty());
  const std::size_t writes = site.sim->write_count();
  auto again = site.sync();
  REQUIRE(again.ok());
  CHECK(again->totals.updated == 0);
  CHECK(site.sim->write_count() == writes);
}

// Requests of a clean first sync (zone lookup included), to know which indexes to sweep.
std::size_t clean_run_requests() {
  Site site;
  auto report = site.sync();
  REQUIRE(report.ok());
  REQUIRE(site.differences().empty());
  // One adjustment for every line but the 13 whose units and cost already match (i divisible by
  // 3 and not by 5), and reads around them: zone, budget, the batched reads and read-back.
  REQUIRE(site.sim->write_count() == 37);
  REQUIRE(site.sim->request_count() > 37 + 7);
  return site.sim->request_count();
}

std::string cli_path() {
  return AUTOTASK_SYNC_CLI;
}

// A config for the CLI that points at this simulator; the secret comes from the environment.
std::string write_cli_config(const Site& site) {
  bj::array mappings, usage;
  for (const auto& m : world().mappings) mappings.push_back(m.to_json());
  for (const auto& u : world().usage) {
    usage.push_back(bj::object{{"org_id", u.org_id},
                               {"high_water_mark", u.high_water_mark},
                               {"unit_cost", u.unit_cost.to_string()}});
  }
  const auto& user = world().tenant.api_users.front();
  bj::object config{{"autotask", bj::object{{"username", user.username},
                                            {"secret_env", "SWEEP_AUTOTASK_SECRET"},
                                            {"integration_code", user.integration_code},
                                            {"zone_lookup_url", site.sim->zone_lookup_url()},
                                            {"ca_file", site.ca_path}}},
                    {"billing", bj::object{{"time_zone", "UTC"}}},
                    {"mappings", std::move(mappings)},
                    {"usage", std::move(usage)}};
  std::string path = temp_path("atsync-sweep-config");
  std::ofstream(path) << json::serialize(config);
  return path;
}

}  // namespace

TEST_CASE("a reset after the server committed, at every request index, never bills twice") {
  const std::size_t total = clean_run_requests();
  for (std::size_t index = 0; index < total; index += kStride) {
    Site site;
    site.sim->set_fault([index](std::size_t i, const autotask_sim::LoggedRequest&) {
      return i == index ? autotask_sim::Fault::close_after_commit() : autotask_sim::Fault::none();
    });
    auto first = site.sync();  // may fail as a whole when the fault hits an early read
    site.sim->set_fault({});
    converge_and_rerun(site, index, "reset after commit");
  }
}

TEST_CASE("a timeout or a 503 at sampled indexes never bills twice") {
  const std::size_t total = clean_run_requests();
  for (std::size_t index = 1; index < total; index += 7 * kStride) {
    {
      Site site;
      // The server commits, then answers only after the client has stopped waiting.
      site.sim->set_fault([index](std::size_t i, const autotask_sim::LoggedRequest&) {
        return i == index ? autotask_sim::Fault::none().after(std::chrono::milliseconds(1500))
                          : autotask_sim::Fault::none();
      });
      auto first = site.sync(std::chrono::milliseconds(500));
      site.sim->set_fault({});
      converge_and_rerun(site, index, "timeout");
    }
    {
      Site site;
      site.sim->set_fault([index](std::size_t i, const autotask_sim::LoggedRequest&) {
        return i == index
                   ? autotask_sim::Fault::respond(503, R"({"errors":["Service Unavailable"]})")
                   : autotask_sim::Fault::none();
      });
      auto first = site.sync();
      site.sim->set_fault({});
      converge_and_rerun(site, index, "503");
    }
  }
}

TEST_CASE("the syncing process killed at every request index: a fresh rerun finishes the job") {
  const std::size_t total = clean_run_requests();
  const std::string secret_env = "SWEEP_AUTOTASK_SECRET=" + world().tenant.api_users.front().secret;
  std::size_t killed = 0;
  for (std::size_t index = 0; index < total; index += kStride) {
    Site site;
    const std::string config = write_cli_config(site);
    std::atomic<pid_t> child{0};
    site.sim->set_fault([index, &child](std::size_t i, const autotask_sim::LoggedRequest&) {
      // The process dies while this request is on the wire; the server still handles it.
      if (i == index) {
        const pid_t pid = child.load();
        if (pid > 0) ::kill(pid, SIGKILL);
      }
      return autotask_sim::Fault::none();
    });

    const std::string cli = cli_path();
    std::vector<std::string> args{cli, "sync", "--config", config, "--log-level", "off"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings{secret_env, "PATH=/usr/bin:/bin"};
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, cli.c_str(), &actions, nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    child.store(pid);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    site.sim->set_fault({});
    if (WIFSIGNALED(status)) {
      ++killed;
    } else {
      // Not killed: the fault's index came after the CLI's last request, or the pid was not
      // yet published; either way the run itself must have succeeded.
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    std::remove(config.c_str());
    converge_and_rerun(site, index, "process killed");
  }
  MESSAGE(killed << " of " << (total + kStride - 1) / kStride
                 << " CLI runs were killed mid-sync; a clean run makes " << total << " requests");
  CHECK(killed > 0);
}
