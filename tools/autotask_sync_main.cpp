// autotask-sync: runs the billing sync and the readiness check from a config file.
//
//   autotask-sync sync --config FILE [--dry-run] [--report FILE] [--repeat N] [--log-level L]
//   autotask-sync check --config FILE [--report FILE] [--log-level L]
//   autotask-sync suggest --config FILE [--report FILE] [--log-level L]
//   autotask-sync plan --config FILE [--out PLAN]
//   autotask-sync apply --plan PLAN --config FILE [--report FILE] [--include-unapproved]
//
// With no "autotask" object in the config it starts the bundled Autotask simulator in this
// process, seeded with the demo tenant (or --tenant FILE), and syncs against it over TLS.
//
// Exit status: 0 every mapping synced or skipped as planned (check: nothing blocks the sync); 1 the
// run could not start or failed as a whole; 2 bad command line or config; 3 the run finished but
// some mappings failed (check: some finding blocks the sync).
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/config.hpp>
#include <autotask_sync/sync/plan.hpp>
#include <autotask_sync/sync/readiness.hpp>
#include <autotask_sync/sync/suggest.hpp>

#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

namespace at = autotask_sync;

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitPartial = 3;

std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes through a temporary file and a rename, so a reader never sees half a report.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !(out << text) || !(out.flush())) {
      error = "cannot write " + tmp;
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    error = "cannot rename " + tmp + " to " + path + ": " + ec.message();
    return false;
  }
  return true;
}

// Whether a file can be created beside `path` (the report goes through PATH.tmp).
bool check_writable(const std::string& path, std::string& error) {
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = "cannot write " + tmp;
    return false;
  }
  out.close();
  std::remove(tmp.c_str());
  return true;
}

at::Logger stderr_logger(at::LogLevel level) {
  return at::Logger(
      [](at::LogLevel l, std::string_view line) {
        std::fprintf(stderr, "[%s] %.*s\n", at::to_string(l), static_cast<int>(line.size()),
                     line.data());
      },
      level);
}

std::optional<at::LogLevel> parse_level(const std::string& s) {
  if (s == "debug") return at::LogLevel::kDebug;
  if (s == "info") return at::LogLevel::kInfo;
  if (s == "warn") return at::LogLevel::kWarn;
  if (s == "error") return at::LogLevel::kError;
  if (s == "off") return at::LogLevel::kOff;
  return std::nullopt;
}

// The embedded default: the simulator in this process, and settings that point at it.
struct EmbeddedSimulator {
  std::unique_ptr<autotask_sim::Simulator> simulator;
  std::string ca_path;
  ~EmbeddedSimulator() {
    if (!ca_path.empty()) std::remove(ca_path.c_str());
  }
};

at::Result<at::AutotaskSettings> start_embedded(const std::string& tenant_file,
                                                EmbeddedSimulator& embedded) {
  auto tenant = tenant_file.empty() ? autotask_sim::load_tenant(autotask_sim::demo_tenant_json())
                                    : autotask_sim::load_tenant_file(tenant_file);
  if (!tenant) return std::move(tenant).error();
  if (tenant->api_users.empty()) {
    return at::Error(at::ErrorCode::kInvalidArgument, "the tenant has no api_users");
  }
  const autotask_sim::ApiUser user = tenant->api_users.front();
  auto sim = autotask_sim::Simulator::start({}, std::move(*tenant));
  if (!sim) return std::move(sim).error();
  embedded.simulator = std::move(*sim);

  char path[] = "/tmp/autotask-sim-ca-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return at::Error(at::ErrorCode::kInternal, "cannot create a temporary CA file");
  ::close(fd);
  embedded.ca_path = path;
  if (auto w = embedded.simulator->write_certificate(embedded.ca_path); !w) {
    return std::move(w).error();
  }

  at::AutotaskSettings s;
  s.credentials = at::Credentials{user.username, user.secret, user.integration_code};
  s.zone_lookup_url = embedded.simulator->zone_lookup_url();
  s.ca_file = embedded.ca_path;
  return s;
}

struct SyncArgs {
  std::string config_path;
  std::string report_path;
  std::string tenant_file;
  std::string log_level = "error";
  std::string lock_path;  // default: the config file's path + ".lock"
  bool dry_run = false;
  bool progress = false;  // a progress bar on stderr (default: when stderr is a terminal)
  int repeat = 1;
};

// An exclusive lock on a file, held while a sync of the config's tenant runs, so that two
// syncs of one tenant never run at once on this machine. Released when the process ends, even
// when it is killed.
class LockFile {
 public:
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool acquire(const std::string& path, std::string& error) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      error = "cannot open the lock file " + path + ": " + std::strerror(errno);
      return false;
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      error = errno == EWOULDBLOCK
                  ? "another sync of this tenant is running (it holds " + path + ")"
                  : "cannot lock " + path + ": " + std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      return false;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      const ssize_t written = ::write(fd_, pid.data(), pid.size());
      (void)written;  // the pid is informative only; the lock is what counts
    }
    return true;
  }

 private:
  int fd_ = -1;
};

// The lock of a tenant: one file per Autotask tenant (API username and where the zone is found)
// in $XDG_RUNTIME_DIR or /tmp, so that two configs of one tenant exclude each other too. The
// embedded simulator's tenant is private to the process; its lock is per config file.
std::string default_lock_path(const at::Config& config, const std::string& config_path) {
  std::string key;
  if (config.autotask) {
    key = "tenant\n" + config.autotask->credentials.username + "\n" +
          config.autotask->base_url.value_or(config.autotask->zone_lookup_url.value_or(""));
  } else {
    std::error_code ec;
    key = "config\n" + std::filesystem::absolute(config_path, ec).string();
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string name = "autotask-sync-";
  for (int i = 0; i < 8; ++i) {
    name += kHex[digest[i] >> 4];
    name += kHex[digest[i] & 15];
  }
  const char* dir = std::getenv("XDG_RUNTIME_DIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/" + name + ".lock";
}

// The library's sync lock, held through a lock file: taken before the first read, released at
// the end of the run (or by the system when the process dies).
at::SyncLock file_lock(std::string path) {
  return [path = std::move(path)]() -> at::Result<std::function<void()>> {
    auto lock = std::make_shared<LockFile>();
    std::string error;
    if (!lock->acquire(path, error)) return at::Error(at::ErrorCode::kConflict, error);
    return std::function<void()>([lock]() mutable { lock.reset(); });
  };
}

// Draws "[#######.............]  12/50 mappings" on stderr, in place.
void draw_progress(std::size_t done, std::size_t total) {
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = total == 0 ? kWidth : done * kWidth / total;
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  std::fprintf(stderr, "\r[%s] %zu/%zu mappings%s", bar.c_str(), done, total,
               done == total ? "\n" : "");
  std::fflush(stderr);
}

// With --repeat N, run k's report goes to FILE.k.
std::string report_path_for(const SyncArgs& args, int run) {
  return args.repeat > 1 ? args.report_path + "." + std::to_string(run) : args.report_path;
}

// The report of a run that failed as a whole: the same schema, no results, and the error.
boost::json::object failure_report(const at::Error& e, bool dry_run,
                                   const char* schema = "autotask_sync.sync_report.v1") {
  boost::json::array texts;
  for (const auto& t : e.server_errors) texts.emplace_back(t);
  return boost::json::object{{"schema", schema},
                             {"dry_run", dry_run},
                             {"failed", true},
                             {"results", boost::json::array()},
                             {"error", boost::json::object{{"code", at::to_string(e.code)},
                                                           {"message", e.message},
                                                           {"http_status", e.http_status},
                                                           {"server_errors", std::move(texts)}}}};
}

// What every subcommand needs: the config, a client, and the embedded simulator when the
// config names no Autotask tenant.
struct Session {
  at::Config config;
  EmbeddedSimulator embedded;
  std::shared_ptr<at::Client> client;
};

// Reads the config and connects; on failure prints why and returns the exit status.
// `needs`, when given, says what the subcommand misses in the config, before anything starts.
std::optional<int> open_session(const std::string& config_path, const std::string& tenant_file,
                                const std::string& log_level, const std::string& report_path,
                                Session& session,
                                const std::function<std::string(const at::Config&)>& needs = {}) {
  std::string error;
  auto text = read_file(config_path, error);
  if (!text) {
    std::cerr << "autotask-sync: " << error << "\n";
    return kExitUsage;
  }
  auto config = at::parse_config(*text);
  if (!config) {
    std::cerr << "autotask-sync: " << config_path << ": " << config.error().message << "\n";
    return kExitUsage;
  }
  session.config = std::move(*config);
  if (needs) {
    if (const std::string missing = needs(session.config); !missing.empty()) {
      std::cerr << "autotask-sync: " << config_path << ": " << missing << "\n";
      return kExitUsage;
    }
  }
  const auto level = parse_level(log_level);
  if (!level) {
    std::cerr << "autotask-sync: --log-level must be debug, info, warn, error or off\n";
    return kExitUsage;
  }
  if (session.config.autotask && !tenant_file.empty()) {
    std::cerr << "autotask-sync: --tenant applies only to the embedded simulator; the config "
                 "names an Autotask tenant\n";
    return kExitUsage;
  }
  // Find out now, before anything is written to Autotask, whether the report can be written.
  if (!report_path.empty() && !check_writable(report_path, error)) {
    std::cerr << "autotask-sync: the report cannot be written: " << error << "\n";
    return kExitUsage;
  }

  at::AutotaskSettings settings;
  if (session.config.autotask) {
    settings = *session.config.autotask;
  } else {
    auto s = start_embedded(tenant_file, session.embedded);
    if (!s) {
      // A tenant file that cannot be read or is not a tenant is a bad command line.
      const bool bad_input = s.error().code == at::ErrorCode::kInvalidArgument;
      std::cerr << "autotask-sync: cannot start the embedded simulator: "
                << (bad_input ? s.error().message : s.error().describe()) << "\n";
      return bad_input ? kExitUsage : kExitFailed;
    }
    settings = std::move(*s);
    std::cout << "No Autotask settings in the config: using the bundled simulator at "
              << session.embedded.simulator->base_url() << "\n\n";
  }
  auto client = at::make_client(settings, stderr_logger(*level));
  if (!client) {
    std::cerr << "autotask-sync: " << config_path << ": " << client.error().message << "\n";
    return kExitUsage;
  }
  session.client = std::move(*client);
  return std::nullopt;
}

int run_sync(const SyncArgs& args) {
  std::string error;
  Session session;
  if (auto status =
          open_session(args.config_path, args.tenant_file, args.log_level,
                       args.report_path.empty() ? "" : report_path_for(args, 1), session)) {
    return *status;
  }
  const at::Config* config = &session.config;
  auto& client = session.client;
  at::BillingOptions options = config->billing;
  options.dry_run = args.dry_run;
  if (args.progress || ::isatty(STDERR_FILENO)) options.progress = draw_progress;

  options.lock = file_lock(args.lock_path.empty() ? default_lock_path(*config, args.config_path)
                                                  : args.lock_path);

  int status = 0;
  for (int run = 1; run <= args.repeat; ++run) {
    if (args.repeat > 1) std::cout << "Run " << run << " of " << args.repeat << "\n";
    auto report = at::run_billing_sync(*client, config->mappings, config->usage, options);
    if (!report) {
      std::cerr << "autotask-sync: the sync did not run: " << report.error().describe() << "\n";
      // A nightly job still gets a record of why nothing happened.
      if (!args.report_path.empty()) {
        write_file_atomically(
            report_path_for(args, run),
            at::json::serialize(failure_report(report.error(), args.dry_run)) + "\n", error);
      }
      return kExitFailed;
    }
    std::cout << report->to_text() << std::flush;
    if (!args.report_path.empty()) {
      const std::string path = report_path_for(args, run);
      if (!write_file_atomically(path, at::json::serialize(report->to_json()) + "\n", error)) {
        std::cerr << "autotask-sync: " << error << "\n";
        return kExitFailed;
      }
    }
    if (report->totals.failed > 0) status = kExitPartial;
    if (run < args.repeat) std::cout << "\n";
  }
  return status;
}

struct CheckArgs {
  std::string config_path;
  std::string report_path;
  std::string tenant_file;
  std::string log_level = "error";
};

int run_check(const CheckArgs& args) {
  Session session;
  if (auto status = open_session(args.config_path, args.tenant_file, args.log_level,
                                 args.report_path, session)) {
    return *status;
  }
  at::ReadinessInput input;
  input.mappings = session.config.mappings;
  input.usage = session.config.usage;
  if (session.config.portal.orgs) {
    std::vector<std::string> ids;
    for (const auto& o : *session.config.portal.orgs) ids.push_back(o.org_id);
    input.portal_orgs = std::move(ids);
  }
  auto report = at::check_readiness(*session.client, input, session.config.billing);
  std::string error;
  if (!report) {
    std::cerr << "autotask-sync: the check could not run: " << report.error().describe() << "\n";
    if (!args.report_path.empty()) {
      boost::json::object failed =
          failure_report(report.error(), false, "autotask_sync.readiness_report.v1");
      failed.erase("dry_run");
      failed.erase("results");
      failed["ready"] = false;
      failed["findings"] = boost::json::array();
      write_file_atomically(args.report_path, at::json::serialize(failed) + "\n", error);
    }
    return kExitFailed;
  }
  std::cout << report->to_text() << std::flush;
  if (!args.report_path.empty() &&
      !write_file_atomically(args.report_path, at::json::serialize(report->to_json()) + "\n",
                             error)) {
    std::cerr << "autotask-sync: " << error << "\n";
    return kExitFailed;
  }
  return report->blocking() ? kExitPartial : 0;
}

struct PlanArgs {
  std::string config_path;
  std::string out_path;  // plan: where the plan goes; apply: the plan to apply
  std::string report_path;
  std::string tenant_file;
  std::string lock_path;
  std::string log_level = "error";
  bool include_unapproved = false;
  bool dry_run = false;
  bool progress = false;
};

std::string opt_text(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : "-";
}
std::string opt_text(const std::optional<at::Decimal>& v) {
  return v ? v->to_string() : "-";
}

// The plan as a table: one line per entry, then why each held or skipped entry is so.
std::string plan_text(const at::Plan& plan) {
  std::ostringstream out;
  out << "Plan " << plan.plan_id << ", " << at::format_date(plan.run_date) << " (" << plan.time_zone
      << "), effective " << at::format_date(plan.effective_date) << " ("
      << at::to_string(plan.policy) << ")\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %-13s %-10s %13s %21s %6s\n", "org", "outcome",
                "effective", "units", "unit cost", "delta");
  out << line;
  std::size_t would = 0, held = 0, skipped = 0, unchanged = 0;
  for (const auto& e : plan.entries) {
    const std::string units = opt_text(e.units_before) + " -> " + opt_text(e.units_target);
    const std::string cost = opt_text(e.cost_before) + " -> " + opt_text(e.cost_target);
    const std::string delta = e.adjustment ? std::to_string(e.adjustment->unitChange) : "";
    std::snprintf(line, sizeof line, "%-16.16s %-13s %-10s %13s %21s %6s\n",
                  e.mapping.org_id.c_str(), at::to_string(e.outcome),
                  e.effective_date ? at::format_date(*e.effective_date).c_str() : "-",
                  units.c_str(), cost.c_str(), delta.c_str());
    out << line;
    switch (e.outcome) {
      case at::Outcome::kWouldUpdate:
        ++would;
        break;
      case at::Outcome::kHeld:
        ++held;
        break;
      case at::Outcome::kUnchanged:
        ++unchanged;
        break;
      default:
        ++skipped;
        break;
    }
  }
  bool notes = false;
  for (const auto& e : plan.entries) {
    if (e.reason.empty()) continue;
    if (!notes) out << "\n";
    notes = true;
    out << "  " << e.mapping.org_id << " (" << at::to_string(e.outcome) << "): " << e.reason
        << "\n";
  }
  out << "\nwould update " << would << ", unchanged " << unchanged << ", held " << held
      << ", skipped " << skipped << "; planning made " << plan.requests
      << " requests, applying will make about " << plan.apply_requests << "\n";
  return out.str();
}

int run_plan(const PlanArgs& args) {
  Session session;
  if (auto status = open_session(args.config_path, args.tenant_file, args.log_level, args.out_path,
                                 session)) {
    return *status;
  }
  auto plan = at::plan_billing_sync(*session.client, session.config.mappings, session.config.usage,
                                    session.config.billing);
  if (!plan) {
    std::cerr << "autotask-sync: the plan could not be made: " << plan.error().describe() << "\n";
    return kExitFailed;
  }
  std::cout << plan_text(*plan) << std::flush;
  std::string error;
  if (!args.out_path.empty() &&
      !write_file_atomically(args.out_path, at::json::serialize(plan->to_json()) + "\n", error)) {
    std::cerr << "autotask-sync: " << error << "\n";
    return kExitFailed;
  }
  return 0;
}

int run_apply(const PlanArgs& args) {
  std::string error;
  auto text = read_file(args.out_path, error);
  if (!text) {
    std::cerr << "autotask-sync: " << error << "\n";
    return kExitUsage;
  }
  auto doc = at::json::parse(*text, at::ErrorCode::kInvalidArgument);
  if (!doc) {
    std::cerr << "autotask-sync: " << args.out_path << ": not JSON: " << doc.error().message
              << "\n";
    return kExitUsage;
  }
  auto plan = at::Plan::from_json(*doc);
  if (!plan) {
    std::cerr << "autotask-sync: " << args.out_path << ": " << plan.error().message << "\n";
    return kExitUsage;
  }
  Session session;
  if (auto status = open_session(args.config_path, args.tenant_file, args.log_level,
                                 args.report_path, session)) {
    return *status;
  }
  at::ApplyOptions options;
  options.only_approved = !args.include_unapproved;
  options.dry_run = args.dry_run;
  options.now = session.config.billing.now;
  options.lock =
      file_lock(args.lock_path.empty() ? default_lock_path(session.config, args.config_path)
                                       : args.lock_path);
  if (args.progress || ::isatty(STDERR_FILENO)) options.progress = draw_progress;
  auto report = at::apply_billing_plan(*session.client, *plan, options);
  if (!report) {
    std::cerr << "autotask-sync: the plan was not applied: " << report.error().describe() << "\n";
    if (!args.report_path.empty()) {
      write_file_atomically(
          args.report_path,
          at::json::serialize(failure_report(report.error(), args.dry_run)) + "\n", error);
    }
    return kExitFailed;
  }
  std::cout << report->to_text() << std::flush;
  if (!args.report_path.empty() &&
      !write_file_atomically(args.report_path, at::json::serialize(report->to_json()) + "\n",
                             error)) {
    std::cerr << "autotask-sync: " << error << "\n";
    return kExitFailed;
  }
  return report->totals.failed > 0 ? kExitPartial : 0;
}

// The orgs `suggest` works on: those of portal.orgs without a mapping.
std::vector<at::PortalOrg> unmapped_orgs(const at::Config& config) {
  std::set<std::string> mapped;
  for (const auto& m : config.mappings) mapped.insert(m.org_id);
  std::vector<at::PortalOrg> out;
  for (const auto& o : *config.portal.orgs) {
    if (!mapped.count(o.org_id)) out.push_back(o);
  }
  return out;
}

int run_suggest(const CheckArgs& args) {
  Session session;
  const auto needs_orgs = [](const at::Config& c) -> std::string {
    return c.portal.orgs ? "" : "suggest needs portal.orgs, the portal's orgs with their names";
  };
  if (auto status = open_session(args.config_path, args.tenant_file, args.log_level,
                                 args.report_path, session, needs_orgs)) {
    return *status;
  }
  const at::Config& config = session.config;
  at::SuggestOptions options;
  options.allowed_company_types = config.billing.allowed_company_types;
  options.product_name = config.portal.product_name;
  options.active_contract_status = config.billing.active_contract_status;
  options.time_zone = config.billing.time_zone;
  options.now = config.billing.now;
  auto report = at::suggest_mappings(*session.client, unmapped_orgs(config), options);
  if (!report) {
    std::cerr << "autotask-sync: suggest could not run: " << report.error().describe() << "\n";
    return kExitFailed;
  }
  std::cout << report->to_text() << std::flush;
  std::string error;
  if (!args.report_path.empty() &&
      !write_file_atomically(args.report_path, at::json::serialize(report->to_json()) + "\n",
                             error)) {
    std::cerr << "autotask-sync: " << error << "\n";
    return kExitFailed;
  }
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"autotask-sync: keeps Autotask PSA contract services in step with portal usage"};
  app.require_subcommand(1);

  SyncArgs sync_args;
  auto* sync = app.add_subcommand("sync", "Set each mapped contract service's units and unit cost");
  sync->add_option("--config", sync_args.config_path, "Config file (JSON)")->required();
  sync->add_flag("--dry-run", sync_args.dry_run, "Compute the changes and write nothing");
  sync->add_option("--report", sync_args.report_path, "Write the JSON report to this file");
  sync->add_option("--tenant", sync_args.tenant_file,
                   "Tenant fixture for the embedded simulator (default: the demo tenant)");
  sync->add_option(
      "--lock-file", sync_args.lock_path,
      "Lock file held while syncing (default: one per tenant in $XDG_RUNTIME_DIR or /tmp)");
  sync->add_flag("--progress", sync_args.progress,
                 "Draw a progress bar on stderr (default: when stderr is a terminal)");
  sync->add_option("--repeat", sync_args.repeat, "Run the sync this many times in a row")
      ->check(CLI::Range(1, 100));
  sync->add_option("--log-level", sync_args.log_level,
                   "debug, info, warn, error (default), off; to stderr");

  CheckArgs check_args;
  auto* check = app.add_subcommand(
      "check", "Check that the Autotask tenant and the mappings are ready for the sync");
  check->add_option("--config", check_args.config_path, "Config file (JSON)")->required();
  check->add_option("--report", check_args.report_path, "Write the JSON report to this file");
  check->add_option("--tenant", check_args.tenant_file,
                    "Tenant fixture for the embedded simulator (default: the demo tenant)");
  check->add_option("--log-level", check_args.log_level,
                    "debug, info, warn, error (default), off; to stderr");

  PlanArgs plan_args;
  auto* plan = app.add_subcommand(
      "plan", "Read Autotask and print the changes a sync would make; write the plan to a file");
  plan->add_option("--config", plan_args.config_path, "Config file (JSON)")->required();
  plan->add_option("--out", plan_args.out_path, "Write the plan (JSON) to this file");
  plan->add_option("--tenant", plan_args.tenant_file,
                   "Tenant fixture for the embedded simulator (default: the demo tenant)");
  plan->add_option("--log-level", plan_args.log_level,
                   "debug, info, warn, error (default), off; to stderr");

  PlanArgs apply_args;
  auto* apply = app.add_subcommand(
      "apply", "Apply a plan made by `plan`: re-read, refuse what moved since, write the rest");
  apply->add_option("--plan", apply_args.out_path, "The plan file (JSON)")->required();
  apply->add_option("--config", apply_args.config_path, "Config file (JSON): where Autotask is")
      ->required();
  apply->add_option("--report", apply_args.report_path, "Write the JSON report to this file");
  apply->add_flag("--include-unapproved", apply_args.include_unapproved,
                  "Also apply entries whose \"approved\" is false");
  apply->add_flag("--dry-run", apply_args.dry_run, "Re-read and check the plan; write nothing");
  apply->add_option("--lock-file", apply_args.lock_path,
                    "Lock file held while applying (default: one per tenant)");
  apply->add_flag("--progress", apply_args.progress, "Draw a progress bar on stderr");
  apply->add_option("--tenant", apply_args.tenant_file,
                    "Tenant fixture for the embedded simulator (default: the demo tenant)");
  apply->add_option("--log-level", apply_args.log_level,
                    "debug, info, warn, error (default), off; to stderr");

  CheckArgs suggest_args;
  auto* suggest = app.add_subcommand(
      "suggest", "Propose mappings for the portal's orgs that have none (nothing is applied)");
  suggest->add_option("--config", suggest_args.config_path, "Config file (JSON) with portal.orgs")
      ->required();
  suggest->add_option("--report", suggest_args.report_path, "Write the JSON report to this file");
  suggest->add_option("--tenant", suggest_args.tenant_file,
                      "Tenant fixture for the embedded simulator (default: the demo tenant)");
  suggest->add_option("--log-level", suggest_args.log_level,
                      "debug, info, warn, error (default), off; to stderr");

  if (argc > 1 && argv[1][0] != '-') {
    const std::string word = argv[1];
    if (word != "sync" && word != "check" && word != "suggest" && word != "plan" &&
        word != "apply") {
      std::cerr << "autotask-sync: unknown subcommand '" << word
                << "'; use sync, check, suggest, plan or apply (--help lists them)\n";
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (sync->parsed()) return run_sync(sync_args);
  if (check->parsed()) return run_check(check_args);
  if (suggest->parsed()) return run_suggest(suggest_args);
  if (plan->parsed()) return run_plan(plan_args);
  if (apply->parsed()) return run_apply(apply_args);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing in run() throws by design; should an exception escape anyway (out of memory), the
  // run ends with the failure status and a message rather than std::terminate.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "autotask-sync: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "autotask-sync: an unexpected error ended the run\n";
  }
  return kExitFailed;
}
