// The server: the request log, counters, keep-alive, fault injection, start-up errors.
#include "sim/sim_harness.hpp"

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

using namespace sim_test;
using autotask_sim::Fault;
using autotask_sim::LoggedRequest;

namespace {

json::object adjustment(std::int64_t unit_change) {
  return json::object{{"contractID", 300},
                      {"contractServiceID", 5001},
                      {"serviceID", 77},
                      {"unitChange", unit_change},
                      {"effectiveDate", "2026-05-01"}};
}

std::int64_t may_units(SimHarness& h) {
  return h.sim().entities("ContractServiceUnits")[4].at("units").as_int64();
}

}  // namespace

TEST_CASE("the request log holds method, path, status and entity of every request in order") {
  SimHarness h(load(tenant_document(billing_entities())));

  (void)h.send(h.request(Method::kGet, "V1.0/zoneInformation?user=x", {}, false));
  (void)h.post("V1.0/Companies/query", query({eq("id", 1)}));
  (void)h.post("V1.0/Contracts/300/ServiceAdjustments", adjustment(1));
  (void)h.post("V1.0/Contracts/301/ServiceAdjustments", adjustment(1));

  const std::vector<LoggedRequest> log = h.sim().requests();
  REQUIRE(log.size() == 4);
  CHECK(log[0].method == "GET");
  CHECK(log[0].path == "/ATServicesRest/V1.0/zoneInformation");
  CHECK(log[0].status == 500);
  CHECK(log[0].entity.empty());
  CHECK(log[1].path == "/ATServicesRest/V1.0/Companies/query");
  CHECK(log[1].status == 200);
  CHECK(log[1].entity == "Companies");
  CHECK(log[2].method == "POST");
  CHECK(log[2].entity == "ContractServiceAdjustments");
  CHECK(log[2].status == 200);
  CHECK(log[3].status == 500);
  CHECK(h.sim().request_count() == 4);
  CHECK(h.sim().write_count() == 1);  // only the adjustment that was applied
}

TEST_CASE("kept-alive connections carry many requests") {
  SimHarness h(load(tenant_document(billing_entities())));
  auto transport = h.new_transport();

  for (int i = 0; i < 5; ++i) {
    auto r = transport->send(h.request(Method::kGet, "V1.0/Companies/1"));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
  }

  CHECK(transport->connections_opened() == 1);
  CHECK(h.sim().request_count() == 5);
}

TEST_CASE("concurrent clients are all answered") {
  // Four at once to one endpoint: the thread limit is off so that none of them is refused.
  autotask_sim::SimulatorOptions options;
  options.max_threads_per_endpoint = 0;
  SimHarness h(load(tenant_document(billing_entities())), options);
  std::atomic<int> ok{0};

  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto transport = h.new_transport();
      for (int i = 0; i < 5; ++i) {
        auto r = transport->send(h.request(Method::kPost, "V1.0/Companies/query",
                                           json::serialize(query({eq("isActive", true)}))));
        if (r.ok() && r->status == 200 && items_of(*r).size() == 3) ++ok;
      }
    });
  }
  for (std::thread& t : threads) t.join();

  CHECK(ok.load() == 20);
  CHECK(h.sim().request_count() == 20);
}

TEST_CASE("a respond fault answers its status, body and headers without handling the request") {
  SimHarness h(load(tenant_document(billing_entities())));
  std::mutex mutex;
  std::vector<std::size_t> seen;
  h.sim().set_fault([&](std::size_t index, const LoggedRequest& request) {
    const std::lock_guard lock(mutex);
    seen.push_back(index);
    if (index == 1 && request.entity == "ContractServiceAdjustments") {
      return Fault::respond(429, R"({"errors":["threshold exceeded"]})", {{"Retry-After", "30"}});
    }
    return Fault::none();
  });

  const Response first = h.get("V1.0/Companies/1");
  const Response limited = h.post("V1.0/ContractServiceAdjustments", adjustment(2));

  CHECK(first.status == 200);
  CHECK(limited.status == 429);
  CHECK(limited.headers.get("Retry-After").value_or("") == "30");
  CHECK(error_text(limited) == "threshold exceeded");
  CHECK(may_units(h) == 37);
  CHECK(h.sim().write_count() == 0);
  const std::lock_guard lock(mutex);
  CHECK(seen == std::vector<std::size_t>{0, 1});
  CHECK(h.sim().requests()[1].status == 429);
}

TEST_CASE("closing before the response leaves the state unchanged") {
  SimHarness h(load(tenant_document(billing_entities())));
  h.sim().set_fault(
      [](std::size_t, const LoggedRequest&) { return Fault::close_before_response(); });
  auto transport = h.new_transport();

  auto r = transport->send(
      h.request(Method::kPost, "V1.0/ContractServiceAdjustments", json::serialize(adjustment(2))));

  CHECK_FALSE(r.ok());
  CHECK(may_units(h) == 37);
  CHECK(h.sim().write_count() == 0);
  REQUIRE(h.sim().request_count() == 1);
  CHECK_FALSE(h.sim().requests()[0].response_sent);
}

TEST_CASE("closing after the commit applies the write but sends no response") {
  SimHarness h(load(tenant_document(billing_entities())));
  h.sim().set_fault([](std::size_t index, const LoggedRequest&) {
    return index == 0 ? Fault::close_after_commit() : Fault::none();
  });
  auto transport = h.new_transport();

  auto lost = transport->send(
      h.request(Method::kPost, "V1.0/ContractServiceAdjustments", json::serialize(adjustment(2))));
  h.sim().set_fault({});
  const Response after = h.get("V1.0/ContractServiceUnits/9005");

  CHECK_FALSE(lost.ok());
  CHECK(may_units(h) == 39);
  CHECK(h.sim().write_count() == 1);
  CHECK(body_of(after).at("item").at("units").as_int64() == 39);
  CHECK(h.sim().requests()[0].status == 200);
  CHECK_FALSE(h.sim().requests()[0].response_sent);
}

TEST_CASE("a delayed fault answers after the delay") {
  SimHarness h(load(tenant_document(billing_entities())));
  h.sim().set_fault([](std::size_t, const LoggedRequest&) {
    return Fault::none().after(std::chrono::milliseconds(150));
  });

  const auto start = std::chrono::steady_clock::now();
  const Response r = h.get("V1.0/Companies/1");
  const auto elapsed = std::chrono::steady_clock::now() - start;

  CHECK(r.status == 200);
  CHECK(elapsed >= std::chrono::milliseconds(150));
}

TEST_CASE("the written certificate is the one served, and stop is idempotent") {
  SimHarness h(load(tenant_document(billing_entities())));
  const std::string path = std::filesystem::temp_directory_path() / "autotask_sim_cert_check.pem";

  REQUIRE(h.sim().write_certificate(path).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(path);

  CHECK(text.str() == h.sim().certificate_pem());
  CHECK(text.str().rfind("-----BEGIN CERTIFICATE-----", 0) == 0);
  h.sim().stop();
  h.sim().stop();
  auto refused = h.new_transport()->send(h.request(Method::kGet, "V1.0/Companies/1"));
  CHECK_FALSE(refused.ok());
}

TEST_CASE("start refuses a bad address, page size or half a certificate pair") {
  auto start = [](autotask_sim::SimulatorOptions options) {
    return autotask_sim::Simulator::start(std::move(options),
                                          load(tenant_document(billing_entities())));
  };
  autotask_sim::SimulatorOptions bad_address;
  bad_address.address = "localhost";
  autotask_sim::SimulatorOptions bad_page;
  bad_page.max_page_size = 501;
  autotask_sim::SimulatorOptions half_pair;
  half_pair.cert_file = "/tmp/cert.pem";

  auto a = start(bad_address);
  auto b = start(bad_page);
  auto c = start(half_pair);

  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message == "'localhost' is not an IPv4 or IPv6 address");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message == "SimulatorOptions::max_page_size must be between 1 and 500");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message == "give both a certificate file and a key file, or neither");
}

TEST_CASE("the simulator listens on IPv6 loopback with a bracketed base url") {
  autotask_sim::SimulatorOptions options;
  options.address = "::1";
  SimHarness h(load(tenant_document(billing_entities())), options);

  const Response r = h.get("V1.0/Companies/4");

  CHECK(h.sim().base_url() ==
        "https://[::1]:" + std::to_string(h.sim().port()) + "/ATServicesRest/");
  CHECK(body_of(r).at("item").at("companyName").as_string() == "Zeta Ltd");
}
