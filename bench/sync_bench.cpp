// Measures a nightly sync of N mappings against the simulator over TLS on loopback: requests,
// writes, wall time and peak memory, for a first run (every mapping changes) and a rerun (none
// does).
//
//   build/bench/sync_bench [N=2000]
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/sync/config.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace at = autotask_sync;
namespace bj = boost::json;

namespace {

std::string month_row_date(int year, unsigned month, unsigned day) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT00:00:00", year, month, day);
  return buf;
}

// N companies, each with one Recurring Service contract carrying service 1 at 10 units, and
// units rows for the current month and the next one (UTC).
autotask_sim::Tenant make_tenant(int n, at::Date today) {
  autotask_sim::Tenant t;
  t.api_users.push_back({"bench@example.com", "bench-secret", "BENCHCODE"});
  t.zone.zone_name = "Bench";
  bj::array companies, contracts, lines, rows;
  const at::Date first = at::first_of_month(today);
  const at::Date next = at::first_of_next_month(today);
  const at::Date months[2] = {first, next};
  for (int i = 0; i < n; ++i) {
    const std::int64_t company = 1000 + i, contract = 100000 + i, line = 200000 + i;
    companies.push_back(bj::object{{"id", company},
                                   {"companyName", "Client " + std::to_string(i)},
                                   {"companyType", 1},
                                   {"isActive", true}});
    contracts.push_back(bj::object{{"id", contract},
                                   {"companyID", company},
                                   {"contractName", "Recurring " + std::to_string(i)},
                                   {"contractType", 7},
                                   {"status", 1},
                                   {"startDate", "2020-01-01T00:00:00"},
                                   {"endDate", "2099-12-31T00:00:00"}});
    lines.push_back(bj::object{{"id", line},
                               {"contractID", contract},
                               {"serviceID", 1},
                               {"unitCost", 3.0},
                               {"unitPrice", 5.0}});
    for (int k = 0; k < 2; ++k) {
      const at::Date m = months[k];
      const at::Date last = at::last_of_month(m);
      rows.push_back(bj::object{{"id", 300000 + i * 2 + k},
                                {"contractID", contract},
                                {"contractServiceID", line},
                                {"serviceID", 1},
                                {"startDate", month_row_date(static_cast<int>(m.year()),
                                                             static_cast<unsigned>(m.month()), 1)},
                                {"endDate", month_row_date(static_cast<int>(last.year()),
                                                           static_cast<unsigned>(last.month()),
                                                           static_cast<unsigned>(last.day()))},
                                {"units", 10},
                                {"cost", 3.0},
                                {"price", 5.0},
                                {"approveAndPostDate", nullptr}});
    }
  }
  t.entities["Companies"] = std::move(companies);
  t.entities["Contracts"] = std::move(contracts);
  t.entities["Services"] = bj::array{bj::object{{"id", 1},
                                                {"name", "Directory - per user"},
                                                {"isActive", true},
                                                {"unitCost", 3.0},
                                                {"unitPrice", 5.0},
                                                {"periodType", 3},
                                                {"billingCodeID", 1}}};
  t.entities["ContractServices"] = std::move(lines);
  t.entities["ContractServiceUnits"] = std::move(rows);
  return t;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  if (n <= 0 || n > 100000) {
    std::fprintf(stderr, "usage: sync_bench [N between 1 and 100000]\n");
    return 2;
  }
  const auto now = std::chrono::system_clock::now();
  const at::Date today{std::chrono::floor<std::chrono::days>(now)};

  auto tenant = autotask_sim::normalize_tenant(make_tenant(n, today));
  if (!tenant) {
    std::fprintf(stderr, "tenant: %s\n", tenant.error().describe().c_str());
    return 1;
  }
  auto sim = autotask_sim::Simulator::start({}, std::move(*tenant));
  if (!sim) {
    std::fprintf(stderr, "simulator: %s\n", sim.error().describe().c_str());
    return 1;
  }
  const std::string ca = "/tmp/sync-bench-ca-" + std::to_string(::getpid()) + ".pem";
  if (!(*sim)->write_certificate(ca)) return 1;

  at::AutotaskSettings settings;
  settings.credentials = {"bench@example.com", "bench-secret", "BENCHCODE"};
  settings.zone_lookup_url = (*sim)->zone_lookup_url();
  settings.ca_file = ca;
  auto client = at::make_client(settings, {});
  if (!client) return 1;

  std::vector<at::Mapping> mappings;
  std::vector<at::Usage> usage;
  for (int i = 0; i < n; ++i) {
    at::Mapping m;
    m.org_id = "org-" + std::to_string(i);
    m.company_id = 1000 + i;
    m.contract_id = 100000 + i;
    m.service_id = 1;
    mappings.push_back(m);
    at::Usage u{m.org_id, 10 + i % 7 + 1, at::Decimal::parse("3.2500").value()};
    usage.push_back(std::move(u));
  }
  at::BillingOptions options;

  std::printf("sync of %d mappings over TLS to the simulator on loopback\n", n);
  for (const char* run : {"first run", "rerun"}) {
    const auto writes_before = (*sim)->write_count();
    const auto started = std::chrono::steady_clock::now();
    auto report = at::run_billing_sync(**client, mappings, usage, options);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if (!report) {
      std::fprintf(stderr, "%s failed: %s\n", run, report.error().describe().c_str());
      return 1;
    }
    std::printf(
        "%-10s %6lld ms  %5llu requests  %5zu writes  updated %zu unchanged %zu failed %zu\n", run,
        static_cast<long long>(ms), static_cast<unsigned long long>(report->requests),
        (*sim)->write_count() - writes_before, report->totals.updated, report->totals.unchanged,
        report->totals.failed);
  }
  std::printf("peak resident memory %ld KiB (simulator included)\n", peak_rss_kib());
  std::remove(ca.c_str());
  return 0;
}
