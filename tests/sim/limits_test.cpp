// Autotask's limits as the simulator enforces them: the thread limit per integration code and
// endpoint, and the hourly request budget with ThresholdInformation.
#include "sim/sim_harness.hpp"

#include <atomic>
#include <future>
#include <thread>

using namespace sim_test;

namespace {

constexpr const char* kThreadLimitText =
    "Thread Threshold Exceeded - The Autotask API thread threshold of 3 threads has been "
    "exceeded. Itgenatr005";

// Waits until `done` holds, polling; false after two seconds.
template <class Predicate>
bool eventually(Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A request sent on a transport of its own from another thread.
std::future<Response> send_async(SimHarness& h, autotask_sync::http::Request request) {
  auto transport = h.new_transport();
  return std::async(std::launch::async, [transport, request = std::move(request)] {
    auto r = transport->send(request);
    if (!r) return Response{};
    return std::move(*r);
  });
}

bool zone_lookup_in_progress(SimHarness& h) {
  for (const autotask_sim::LoggedRequest& r : h.sim().requests()) {
    if (r.path.find("zoneInformation") != std::string::npos && r.status == 0) return true;
  }
  return false;
}

// The hourly window's clock, moved by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<std::int64_t>> minutes =
      std::make_shared<std::atomic<std::int64_t>>(0);
  std::function<std::chrono::steady_clock::time_point()> function() const {
    return [m = minutes] {
      return std::chrono::steady_clock::time_point(std::chrono::minutes(m->load()));
    };
  }
};

}  // namespace

TEST_CASE("a fourth concurrent request to one endpoint is refused with the thread-limit error") {
  autotask_sim::SimulatorOptions options;
  options.request_latency = std::chrono::milliseconds(600);
  SimHarness h(load(tenant_document(billing_entities())), options);
  // Opens the harness's own connection first (zone lookups are exempt and cost no budget), so
  // that the fourth request arrives quickly.
  REQUIRE(h.send(h.request(Method::kGet, "V1.0/zoneInformation?user=x", {}, false)).status == 500);

  std::vector<std::future<Response>> held;
  held.reserve(3);
  for (int i = 0; i < 3; ++i)
    held.push_back(send_async(h, h.request(Method::kGet, "V1.0/Companies/1")));
  REQUIRE(eventually([&] { return h.sim().peak_in_flight("Companies") == 3; }));

  // The same endpoint under another path and spelling shares the count.
  const auto started = std::chrono::steady_clock::now();
  const Response fourth = h.post("V1.0/COMPANIES/query", query({eq("id", 2)}));
  const auto waited = std::chrono::steady_clock::now() - started;
  // Another endpoint, and the same endpoint under another integration code, are counted apart.
  auto other_code = h.request(Method::kGet, "V1.0/Companies/1");
  other_code.headers.set("ApiIntegrationCode", "ANOTHERCODE");
  const Response under_other_code = h.send(other_code);
  const Response other_endpoint = h.get("V1.0/Contracts/300");

  CHECK(fourth.status == 429);
  CHECK(error_text(fourth) == kThreadLimitText);
  CHECK(waited < std::chrono::milliseconds(600));  // answered at once, not after the latency
  CHECK(under_other_code.status == 500);           // admitted, then refused for the code
  CHECK(error_text(under_other_code) == "IntegrationCode is invalid.");
  CHECK(other_endpoint.status == 200);
  for (auto& f : held) CHECK(f.get().status == 200);

  // Once the three are answered the endpoint takes requests again.
  CHECK(h.get("V1.0/companies/2").status == 200);
  CHECK(h.sim().thread_limit_refusals() == 1);
  CHECK(h.sim().peak_in_flight("companies") == 3);
  CHECK(h.sim().peak_in_flight("Contracts") == 1);
  CHECK(h.sim().peak_in_flight("Tickets") == 0);
  const auto log = h.sim().requests();
  const auto refused = std::count_if(log.begin(), log.end(), [](const auto& r) {
    return r.status == 429 && r.entity == "Companies";
  });
  CHECK(refused == 1);
  // The refused request never reached the API: the hourly count holds the three held requests,
  // the Contracts read and the last one (a wrong integration code is refused before counting).
  CHECK(h.sim().request_count_this_hour() == 5);
}

TEST_CASE("ThresholdInformation is under the thread limit, zoneInformation is not") {
  autotask_sim::SimulatorOptions options;
  options.max_threads_per_endpoint = 1;
  options.thread_limit_status = 500;  // Autotask has answered the thread limit with other statuses
  options.request_latency = std::chrono::milliseconds(600);
  SimHarness h(load(tenant_document(billing_entities())), options);
  REQUIRE(h.send(h.request(Method::kGet, "V1.0/zoneInformation?user=x", {}, false)).status == 500);

  auto threshold = send_async(h, h.request(Method::kGet, "V1.0/ThresholdInformation"));
  auto zone = send_async(
      h, h.request(Method::kGet, "V1.0/zoneInformation?user=sync-api%40example.com", {}, false));
  REQUIRE(eventually([&] { return h.sim().peak_in_flight("ThresholdInformation") == 1; }));
  REQUIRE(eventually([&] { return zone_lookup_in_progress(h); }));

  const Response second_threshold = h.get("V1.0/ThresholdInformation");
  const Response second_zone = h.send(
      h.request(Method::kGet, "V1.0/zoneInformation?user=sync-api%40example.com", {}, false));

  CHECK(second_threshold.status == 500);
  CHECK(error_text(second_threshold) ==
        "Thread Threshold Exceeded - The Autotask API thread threshold of 1 threads has been "
        "exceeded. Itgenatr005");
  CHECK(second_zone.status == 200);
  CHECK(threshold.get().status == 200);
  CHECK(zone.get().status == 200);
  CHECK(h.sim().thread_limit_refusals() == 1);
  CHECK(h.sim().peak_in_flight("zoneInformation") == 0);
}

TEST_CASE("ThresholdInformation reports the threshold, the timeframe and the live count") {
  SimHarness h(load(tenant_document(billing_entities())));
  h.sim().set_request_count_this_hour(9'950);

  const json::value first = body_of(h.get("V1.0/ThresholdInformation"));
  (void)h.post("V1.0/Companies/query", query({eq("isActive", true)}));
  (void)h.send(h.request(Method::kGet, "V1.0/zoneInformation?user=x", {}, false));  // not counted
  const json::value second = body_of(h.get("V1.0/ThresholdInformation"));

  CHECK(first.at("externalRequestThreshold").as_int64() == 10'000);
  CHECK(first.at("requestThresholdTimeframe").as_int64() == 60);
  CHECK(first.at("currentTimeframeRequestCount").as_int64() == 9'951);  // the poll counts too
  CHECK(second.at("currentTimeframeRequestCount").as_int64() == 9'953);
  CHECK(h.sim().request_count_this_hour() == 9'953);
}

TEST_CASE("past the hourly threshold every call answers 429 until the hour has passed") {
  ManualClock clock;
  autotask_sim::SimulatorOptions options;
  options.hourly_request_threshold = 5;
  options.clock = clock.function();
  SimHarness h(load(tenant_document(billing_entities())), options);

  for (int i = 0; i < 4; ++i) REQUIRE(h.get("V1.0/Companies/1").status == 200);
  *clock.minutes = 10;
  const json::value last = body_of(h.get("V1.0/ThresholdInformation"));  // the fifth
  const Response refused = h.get("V1.0/Companies/1");
  const Response refused_poll = h.get("V1.0/ThresholdInformation");
  const Response refused_adjustment = h.post("V1.0/Contracts/300/ServiceAdjustments",
                                             json::object{{"contractID", 300},
                                                          {"serviceID", 77},
                                                          {"unitChange", 1},
                                                          {"effectiveDate", "2026-05-01"}});
  const Response zone = h.send(
      h.request(Method::kGet, "V1.0/zoneInformation?user=sync-api%40example.com", {}, false));

  CHECK(last.at("externalRequestThreshold").as_int64() == 5);
  CHECK(last.at("currentTimeframeRequestCount").as_int64() == 5);
  CHECK(refused.status == 429);
  CHECK(error_text(refused) ==
        "Request Threshold Exceeded - The Autotask API request threshold of 5 requests per hour "
        "has been exceeded. Requests are refused until the count of the last 60 minutes falls "
        "below the threshold.");
  CHECK(refused_poll.status == 429);
  CHECK(refused_adjustment.status == 429);
  CHECK(h.sim().write_count() == 0);
  CHECK(zone.status == 200);                      // zone lookups are outside the budget
  CHECK(h.sim().request_count_this_hour() == 5);  // refused requests are not counted

  // The first four leave the window an hour after they were made, the fifth ten minutes later.
  *clock.minutes = 59;
  CHECK(h.get("V1.0/Companies/1").status == 429);
  *clock.minutes = 60;
  CHECK(h.get("V1.0/Companies/1").status == 200);
  CHECK(h.sim().request_count_this_hour() == 2);
  *clock.minutes = 70;
  CHECK(h.sim().request_count_this_hour() == 1);
}

TEST_CASE("a starting count near the threshold leaves room for exactly the rest") {
  SimHarness h(load(tenant_document(billing_entities())));
  h.sim().set_request_count_this_hour(9'999);

  const Response last = h.get("V1.0/Companies/1");
  const Response over = h.get("V1.0/Companies/1");

  CHECK(last.status == 200);
  CHECK(over.status == 429);
  CHECK(error_text(over).find("threshold") != std::string::npos);
  CHECK(h.sim().request_count_this_hour() == 10'000);
}

TEST_CASE("start refuses a zero hourly threshold and a thread-limit status that is no status") {
  autotask_sim::SimulatorOptions zero;
  zero.hourly_request_threshold = 0;
  autotask_sim::SimulatorOptions bad_status;
  bad_status.thread_limit_status = 42;

  auto a = autotask_sim::Simulator::start(zero, load(tenant_document(billing_entities())));
  auto b = autotask_sim::Simulator::start(bad_status, load(tenant_document(billing_entities())));

  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message == "SimulatorOptions::hourly_request_threshold must be at least 1");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message ==
        "SimulatorOptions::thread_limit_status must be an HTTP status (100 to 599)");
}
