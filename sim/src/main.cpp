// autotask-sim: the Autotask REST API simulator as a stand-alone server, for integrators and for
// trying the CLI against something that behaves like Autotask.
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/model/date.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  g_stop.store(true);
}

int fail(const std::string& message) {
  std::cerr << "autotask-sim: " << message << "\n";
  return 1;
}

int run(int argc, char** argv) {
  CLI::App app{"Autotask PSA REST API simulator: an HTTPS server on a local address"};
  std::string tenant_file;
  std::string port_file;
  std::string cert_file;
  std::string key_file;
  std::string write_cert;
  std::string zone_url;
  std::string today;
  autotask_sim::SimulatorOptions options;
  app.add_option("--tenant", tenant_file, "Tenant JSON file (default: the built-in demo tenant)")
      ->check(CLI::ExistingFile);
  app.add_option("--address", options.address, "IP address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port to listen on; 0 picks a free one")
      ->capture_default_str();
  app.add_option("--port-file", port_file, "Write the port to this file once listening");
  app.add_option("--cert", cert_file, "PEM certificate to serve (with --key)")
      ->check(CLI::ExistingFile);
  app.add_option("--key", key_file, "PEM private key of --cert")->check(CLI::ExistingFile);
  app.add_option("--write-cert", write_cert,
                 "Write the served certificate here, for clients to trust as a CA file");
  app.add_option("--zone-url", zone_url,
                 "URL zoneInformation hands out (default: the server's own base URL)");
  app.add_option("--today", today, "The simulator's today, YYYY-MM-DD (default: UTC today)");
  app.add_option("--threads", options.threads, "Server threads")->capture_default_str();
  app.add_option("--max-threads-per-endpoint", options.max_threads_per_endpoint,
                 "Requests in flight per integration code and endpoint; 0 turns the limit off")
      ->capture_default_str();
  app.add_option("--thread-limit-status", options.thread_limit_status,
                 "HTTP status of the thread-limit error")
      ->capture_default_str();
  std::int64_t latency_ms = 0;
  app.add_option("--latency-ms", latency_ms, "Milliseconds every request waits before its answer")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--hourly-threshold", options.hourly_request_threshold,
                 "Authenticated requests allowed per rolling hour")
      ->capture_default_str();
  std::size_t used_this_hour = 0;
  app.add_option("--requests-this-hour", used_this_hour,
                 "Start as if this many requests had just been made")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.request_latency = std::chrono::milliseconds(latency_ms);

  if (cert_file.empty() != key_file.empty()) return fail("--cert and --key go together");
  if (!cert_file.empty()) {
    options.cert_file = cert_file;
    options.key_file = key_file;
  }
  if (!zone_url.empty()) options.zone_url = zone_url;
  if (!today.empty()) {
    auto date = autotask_sync::parse_date(today);
    if (!date) return fail("--today: " + date.error().message);
    options.today = *date;
  }

  auto tenant = tenant_file.empty() ? autotask_sim::load_tenant(autotask_sim::demo_tenant_json())
                                    : autotask_sim::load_tenant_file(tenant_file);
  if (!tenant) return fail(tenant.error().message);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto sim = autotask_sim::Simulator::start(options, std::move(*tenant));
  if (!sim) return fail(sim.error().message);
  if (used_this_hour != 0) (*sim)->set_request_count_this_hour(used_this_hour);

  if (!write_cert.empty()) {
    if (auto r = (*sim)->write_certificate(write_cert); !r) return fail(r.error().message);
  }
  if (!port_file.empty()) {
    // Written whole under another name and renamed, so a watcher never reads half a number.
    const std::string partial = port_file + ".partial";
    std::ofstream(partial) << (*sim)->port() << "\n";
    if (std::rename(partial.c_str(), port_file.c_str()) != 0) {
      return fail("cannot write the port file '" + port_file + "'");
    }
  }
  std::cout << "autotask-sim listening on " << (*sim)->base_url() << std::endl;

  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*sim)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    return fail(e.what());
  } catch (...) {
    return fail("an unexpected error stopped the simulator");
  }
}
