// Autotask's request limits as the client keeps them, and the query rules that follow from them.
// Expected values come from the documentation: field-cases.md BR-06 (hourly budget), BR-07 (three
// requests in flight per endpoint), BR-01 (id cursor); autotask-api.md §3 (query API: 500 values
// per condition, count, id-gt paging), §4 (write paths, PATCH), §7 (limits, ThresholdInformation);
// and the header comments of client.hpp and policies.hpp. Time is injected; the only real waits
// are short windows in which a concurrency test looks for a request that must not arrive.
#include <autotask_sync/client/client.hpp>
#include <autotask_sync/http/mock_transport.hpp>
#include <autotask_sync/model/entities.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace at = autotask_sync;
namespace bj = boost::json;
namespace http = autotask_sync::http;
using at::Client;
using at::ClientOptions;
using at::ErrorCode;
using at::Filter;
using at::Op;
using at::Query;
using http::Method;
using ms = std::chrono::milliseconds;
using sys_clock = std::chrono::system_clock;
using namespace std::chrono_literals;

#include "client/support.hpp"

using namespace client_test;

namespace {

const std::string kThresholdPath = "/ATServicesRest/V1.0/ThresholdInformation";

using Answer = at::Result<http::Response>;

bj::object company(std::int64_t id) {
  bj::object o;
  o["id"] = id;
  o["companyName"] = "Company " + std::to_string(id);
  o["isActive"] = true;
  return o;
}

std::string page(const std::vector<bj::object>& items) {
  bj::object o;
  bj::array a;
  for (const auto& i : items) a.emplace_back(i);
  o["items"] = std::move(a);
  bj::object details;
  details["count"] = items.size();
  details["requestCount"] = 500;
  details["prevPageUrl"] = nullptr;
  details["nextPageUrl"] = nullptr;
  o["pageDetails"] = std::move(details);
  return bj::serialize(o);
}

bool is_zone_lookup(const http::Request& r) {
  return contains(http::url_path(r.url), "zoneInformation");
}
bool is_threshold(const http::Request& r) {
  return contains(http::url_path(r.url), "ThresholdInformation");
}

struct Tenant {
  std::shared_ptr<http::MockTransport> mock = std::make_shared<http::MockTransport>();
  FakeTime time;
  std::string code = fresh_code("LIMITSTESTS");

  explicit Tenant(bool answer_zone_lookup = true) {
    if (!answer_zone_lookup) return;
    mock->route(Method::kGet, "/ATServicesRest/V1.0/zoneInformation",
                [](const http::Request&) -> Answer { return json_response(200, kZoneBody); });
  }
  ClientOptions options() const {
    ClientOptions o;
    o.credentials = {kUser, kSecret, code};
    o.limits.watch_budget = false;
    o.environment = time.environment();
    return o;
  }
  std::shared_ptr<Client> client(ClientOptions o) const {
    auto c = Client::create(std::move(o), mock);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().describe()));
    return *c;
  }
  std::shared_ptr<Client> client() const { return client(options()); }
  void route(Method m, std::string path, http::MockTransport::Handler h) const {
    mock->route(m, std::move(path), std::move(h));
  }
  void answer(Method m, std::string path, std::string body) const {
    mock->route(m, std::move(path), [body = std::move(body)](const http::Request&) -> Answer {
      return json_response(200, body);
    });
  }
  std::vector<http::Request> calls() const {  // every request but zone lookups and budget polls
    std::vector<http::Request> out;
    for (auto& r : mock->requests()) {
      if (!is_zone_lookup(r) && !is_threshold(r)) out.push_back(r);
    }
    return out;
  }
  std::size_t polls() const {
    const auto rs = mock->requests();
    return static_cast<std::size_t>(std::count_if(rs.begin(), rs.end(), is_threshold));
  }
};

Query all_items() {
  Query q;
  q.filter = {Filter::exist("id")};
  return q;
}

std::string describe(const at::Error& e) {
  return e.describe();
}

// ---------------------------------------------------------------------------------------------
// A fake query engine: evaluates the filter of a query body over a set of items the way Autotask
// documents it (top-level conditions ANDed, results in id order, at most MaxRecords, default 500).
// ---------------------------------------------------------------------------------------------

std::int64_t as_int(const bj::value& v) {
  return v.to_number<std::int64_t>();
}

bool matches(const bj::object& cond, const bj::object& item) {
  const std::string op(cond.at("op").as_string());
  if (op == "and" || op == "or") {
    const auto& items = cond.at("items").as_array();
    if (op == "and") {
      return std::all_of(items.begin(), items.end(),
                         [&](const bj::value& c) { return matches(c.as_object(), item); });
    }
    return std::any_of(items.begin(), items.end(),
                       [&](const bj::value& c) { return matches(c.as_object(), item); });
  }
  const bj::value* v = item.if_contains(std::string(cond.at("field").as_string()));
  if (op == "exist") return v && !v->is_null();
  if (op == "notExist") return !v || v->is_null();
  if (!v || v->is_null()) return false;
  const std::int64_t x = as_int(*v);
  if (op == "in" || op == "notIn") {
    const auto& values = cond.at("value").as_array();
    const bool found = std::any_of(values.begin(), values.end(),
                                   [&](const bj::value& e) { return as_int(e) == x; });
    return op == "in" ? found : !found;
  }
  const std::int64_t y = as_int(cond.at("value"));
  if (op == "eq") return x == y;
  if (op == "noteq") return x != y;
  if (op == "gt") return x > y;
  if (op == "gte") return x >= y;
  if (op == "lt") return x < y;
  if (op == "lte") return x <= y;
  FAIL("the fake tenant does not know the operator " << op);
  return false;
}

std::vector<bj::object> evaluate(const std::string& body,
                                 const std::map<std::int64_t, bj::object>& db) {
  const bj::object q = bj::parse(body).as_object();
  std::size_t max = 500;
  if (const bj::value* m = q.if_contains("MaxRecords")) max = static_cast<std::size_t>(as_int(*m));
  std::vector<bj::object> out;
  for (const auto& [id, item] : db) {
    bool ok = true;
    for (const auto& c : q.at("filter").as_array()) ok = ok && matches(c.as_object(), item);
    if (ok) out.push_back(item);
    if (out.size() == max) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A handler that holds every request until released, measuring how many are inside at once.
// ---------------------------------------------------------------------------------------------

struct Blocker {
  std::mutex mutex;
  std::condition_variable cv;
  int in_flight = 0, peak = 0, entered = 0;
  bool released = false;

  Answer pass(std::string body) {
    std::unique_lock lock(mutex);
    ++in_flight;
    ++entered;
    peak = std::max(peak, in_flight);
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
    --in_flight;
    return json_response(200, std::move(body));
  }
  bool wait_for_in_flight(int n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, 10s, [&] { return in_flight >= n; });
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      released = true;
    }
    cv.notify_all();
  }
  int entered_now() {
    std::lock_guard lock(mutex);
    return entered;
  }
  int in_flight_now() {
    std::lock_guard lock(mutex);
    return in_flight;
  }
};

// Releases the blocker and joins the threads however the test ends.
struct Joiner {
  Blocker& blocker;
  std::vector<std::thread>& threads;
  ~Joiner() {
    blocker.release();
    for (auto& th : threads) {
      if (th.joinable()) th.join();
    }
  }
};

// How long a concurrency test watches for a request that must not arrive.
constexpr auto kQuietWindow = 150ms;

}  // namespace

TEST_SUITE("client limits") {
  // ---------------------------------------------------------------------------------------------
  // BR-07: requests in flight per endpoint
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("BR-07: 8 threads on Companies never have more than 3 in flight; all succeed") {
    Tenant t;
    auto blocker = std::make_shared<Blocker>();
    t.route(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
            [blocker](const http::Request&) { return blocker->pass(page({company(1)})); });
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Contracts/300",
             R"({"item":{"id":300,"contractName":"Managed Services"}})");
    ClientOptions o = t.options();
    o.limits.max_in_flight_per_endpoint = 3;
    auto c = t.client(o);
    REQUIRE(c->zone().ok());

    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    Joiner joiner{*blocker, threads};
    for (int i = 0; i < 8; ++i) {
      threads.emplace_back([&] {
        auto r = c->query("Companies", all_items());
        if (r.ok() && r->size() == 1) ++ok;
      });
    }
    REQUIRE(blocker->wait_for_in_flight(3));
    std::this_thread::sleep_for(kQuietWindow);
    CHECK(blocker->entered_now() == 3);  // the other five queue in the client
    CHECK(blocker->in_flight_now() == 3);

    // Another endpoint has its own gate: a read of Contracts goes straight through.
    auto other = std::async(std::launch::async, [&] { return c->get("Contracts", 300); });
    REQUIRE(other.wait_for(10s) == std::future_status::ready);
    auto contract = other.get();
    REQUIRE_MESSAGE(contract.ok(), (contract.ok() ? "" : describe(contract.error())));
    CHECK(contract->has_value());

    blocker->release();
    for (auto& th : threads) th.join();
    CHECK(ok.load() == 8);  // queued, not failed
    CHECK(blocker->entered_now() == 8);
    CHECK(blocker->peak == 3);
  }

  TEST_CASE("BR-07: max_in_flight_per_endpoint 1 serialises the endpoint") {
    Tenant t;
    auto blocker = std::make_shared<Blocker>();
    t.route(Method::kPost, "/ATServicesRest/V1.0/ContractServiceAdjustments",
            [blocker](const http::Request&) { return blocker->pass(R"({"itemId":9001})"); });
    ClientOptions o = t.options();
    o.limits.max_in_flight_per_endpoint = 1;
    auto c = t.client(o);
    REQUIRE(c->zone().ok());

    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    Joiner joiner{*blocker, threads};
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        auto r = c->create("ContractServiceAdjustments",
                           bj::parse(R"({"contractID":300,"unitChange":1})").as_object());
        if (r.ok() && *r == 9001) ++ok;
      });
    }
    REQUIRE(blocker->wait_for_in_flight(1));
    std::this_thread::sleep_for(kQuietWindow);
    CHECK(blocker->entered_now() == 1);
    blocker->release();
    for (auto& th : threads) th.join();
    CHECK(ok.load() == 4);
    CHECK(blocker->peak == 1);
  }

  TEST_CASE("BR-07: query, get-by-id and metadata of one entity share that entity's gate") {
    Tenant t;
    auto blocker = std::make_shared<Blocker>();
    t.route(Method::kPost, "/ATServicesRest/V1.0/Tickets/query",
            [blocker](const http::Request&) { return blocker->pass(page({company(1)})); });
    std::atomic<int> ticket_gets{0}, field_gets{0};
    t.route(Method::kGet, "/ATServicesRest/V1.0/Tickets/5", [&ticket_gets](const http::Request&) {
      ++ticket_gets;
      return Answer(json_response(200, R"({"item":{"id":5}})"));
    });
    t.route(Method::kGet, "/ATServicesRest/V1.0/Tickets/entityInformation/fields",
            [&field_gets](const http::Request&) {
              ++field_gets;
              return Answer(json_response(200, R"({"fields":[]})"));
            });
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Companies/5", R"({"item":{"id":5}})");
    ClientOptions o = t.options();
    o.limits.max_in_flight_per_endpoint = 1;
    auto c = t.client(o);
    REQUIRE(c->zone().ok());

    std::vector<std::thread> threads;
    Joiner joiner{*blocker, threads};
    std::atomic<bool> get_ok{false}, fields_ok{false};
    threads.emplace_back([&] { (void)c->query("Tickets", all_items()); });
    REQUIRE(blocker->wait_for_in_flight(1));
    threads.emplace_back([&] { get_ok = c->get("Tickets", 5).ok(); });
    threads.emplace_back([&] { fields_ok = c->fields("Tickets").ok(); });
    std::this_thread::sleep_for(kQuietWindow);
    CHECK(ticket_gets.load() == 0);  // waiting behind the query
    CHECK(field_gets.load() == 0);
    // Companies is another endpoint.
    auto other = std::async(std::launch::async, [&] { return c->get("Companies", 5); });
    REQUIRE(other.wait_for(10s) == std::future_status::ready);
    CHECK(other.get().ok());

    blocker->release();
    for (auto& th : threads) th.join();
    CHECK(get_ok.load());
    CHECK(fields_ok.load());
    CHECK(ticket_gets.load() == 1);
    CHECK(field_gets.load() == 1);
  }

  TEST_CASE("BR-07: the gate is shared by every Client of the process for one tenant and code") {
    Tenant t;
    const std::string shared_code = t.code;
    const std::string other_code = fresh_code("LIMITSTESTS");
    auto blocker = std::make_shared<Blocker>();
    std::atomic<int> other_code_requests{0};
    t.route(
        Method::kPost, "/ATServicesRest/V1.0/Companies/query",
        [blocker, shared_code, &other_code_requests](const http::Request& r) -> Answer {
          if (r.headers.get("ApiIntegrationCode") == std::optional<std::string_view>(shared_code)) {
            return blocker->pass(page({company(1)}));
          }
          ++other_code_requests;
          return json_response(200, page({company(2)}));
        });
    ClientOptions o = t.options();
    o.limits.max_in_flight_per_endpoint = 2;
    auto a = t.client(o);
    auto b = t.client(o);
    ClientOptions other = o;
    other.credentials.integration_code = other_code;
    auto x = t.client(other);
    REQUIRE(a->zone().ok());
    REQUIRE(b->zone().ok());
    REQUIRE(x->zone().ok());

    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    Joiner joiner{*blocker, threads};
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        auto r = (i % 2 == 0 ? a : b)->query("Companies", all_items());
        if (r.ok()) ++ok;
      });
    }
    REQUIRE(blocker->wait_for_in_flight(2));
    std::this_thread::sleep_for(kQuietWindow);
    CHECK(blocker->entered_now() == 2);  // two clients, one gate of 2

    // Another integration code has a thread budget of its own.
    auto free_call =
        std::async(std::launch::async, [&] { return x->query("Companies", all_items()); });
    REQUIRE(free_call.wait_for(10s) == std::future_status::ready);
    CHECK(free_call.get().ok());
    CHECK(other_code_requests.load() == 1);

    blocker->release();
    for (auto& th : threads) th.join();
    CHECK(ok.load() == 4);
    CHECK(blocker->peak == 2);
  }

  TEST_CASE("a zone refresh after zone_ttl leaves requests already under way their credentials") {
    // A request queued at the gate when the zone expires is sent while another thread looks the
    // zone up again. It goes to the zone it was built for and must carry the credentials (a
    // request without them is a 401 and costs another lookup).
    Tenant t(false);
    auto lookup_blocker = std::make_shared<Blocker>();
    auto lookups = std::make_shared<std::atomic<int>>(0);
    t.route(Method::kGet, "/ATServicesRest/V1.0/zoneInformation",
            [lookup_blocker, lookups](const http::Request&) -> Answer {
              if (++*lookups == 1) return json_response(200, kZoneBody);
              return lookup_blocker->pass(kZoneBody);
            });
    auto gate_blocker = std::make_shared<Blocker>();
    auto gets = std::make_shared<std::atomic<int>>(0);
    t.route(Method::kGet, "/ATServicesRest/V1.0/Companies/5",
            [gate_blocker, gets](const http::Request& r) -> Answer {
              if (!r.headers.contains("Secret")) return json_response(401, R"({"errors":[]})");
              if (++*gets == 1) return gate_blocker->pass(R"({"item":{"id":5}})");
              return json_response(200, R"({"item":{"id":5}})");
            });
    ClientOptions o = t.options();
    o.limits.max_in_flight_per_endpoint = 1;
    o.zone_ttl = std::chrono::hours(1);
    auto c = t.client(o);
    REQUIRE(c->zone().ok());

    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    struct Releaser {
      std::vector<std::shared_ptr<Blocker>> blockers;
      std::vector<std::thread>& threads;
      ~Releaser() {
        for (auto& b : blockers) b->release();
        for (auto& th : threads) {
          if (th.joinable()) th.join();
        }
      }
    } releaser{{lookup_blocker, gate_blocker}, threads};
    auto get = [&] {
      if (c->get("Companies", 5).ok()) ++ok;
    };
    threads.emplace_back(get);  // holds the gate
    REQUIRE(gate_blocker->wait_for_in_flight(1));
    threads.emplace_back(get);  // queued at the gate with its URL built
    std::this_thread::sleep_for(kQuietWindow);
    t.time.advance(std::chrono::hours(2));
    threads.emplace_back(get);  // finds the zone expired and looks it up
    REQUIRE(lookup_blocker->wait_for_in_flight(1));
    gate_blocker->release();  // the queued request goes out during the lookup
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (gets->load() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    lookup_blocker->release();
    for (auto& th : threads) th.join();

    CHECK(ok.load() == 3);
    CHECK(lookups->load() == 2);  // the expiry, and no lookup caused by a spurious 401
    for (const auto& r : t.mock->requests()) {
      if (is_zone_lookup(r)) {
        CHECK_FALSE(r.headers.contains("Secret"));
        continue;
      }
      CAPTURE(r.url);
      CHECK(r.headers.get("Secret") == std::optional<std::string_view>(kSecret));
      CHECK(r.headers.get("ApiIntegrationCode") == std::optional<std::string_view>(t.code));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // BR-06: the hourly budget
  // ---------------------------------------------------------------------------------------------

  std::string threshold_body(std::int64_t used) {
    return R"({"externalRequestThreshold":10000,"requestThresholdTimeframe":60,)"
           R"("currentTimeframeRequestCount":)" +
           std::to_string(used) + "}";
  }

  struct BudgetTenant : Tenant {
    std::shared_ptr<std::atomic<std::int64_t>> used =
        std::make_shared<std::atomic<std::int64_t>>(0);
    explicit BudgetTenant(std::int64_t initially_used) {
      used->store(initially_used);
      auto u = used;
      route(Method::kGet, kThresholdPath, [u](const http::Request&) -> Answer {
        return json_response(200, threshold_body(u->load()));
      });
      answer(Method::kGet, "/ATServicesRest/V1.0/Companies/5", R"({"item":{"id":5}})");
    }
    ClientOptions budget_options() const {
      ClientOptions o = options();
      o.limits.watch_budget = true;
      return o;
    }
  };

  TEST_CASE(
      "BR-06: at 9,950 of 10,000 the call fails with kRateLimited before reaching the entity") {
    BudgetTenant t(9950);
    auto c = t.client(t.budget_options());
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    const at::Error& e = r.error();
    CHECK(e.code == ErrorCode::kRateLimited);
    CAPTURE(e.message);
    CHECK(contains(e.message, "9950"));
    CHECK(contains(e.message, "10000"));
    CHECK(contains(e.message, "hour"));
    CHECK_FALSE(e.request_sent);
    CHECK(e.retry_after.has_value());  // reschedule, not hammer
    CHECK(t.polls() == 1);
    CHECK(t.calls().empty());  // nothing went to Companies
    const auto rs = t.mock->requests();
    for (const auto& req : rs) CHECK_FALSE(contains(req.url, "Companies"));

    // Still refused on the next call, without another poll inside poll_interval.
    CHECK(c->get("Companies", 5).error().code == ErrorCode::kRateLimited);
    CHECK(t.polls() == 1);
    CHECK(t.calls().empty());

    // Once the rolling window has drained, a later poll lets calls through again.
    t.used->store(100);
    t.time.advance(61s);
    auto later = c->get("Companies", 5);
    REQUIRE_MESSAGE(later.ok(), (later.ok() ? "" : describe(later.error())));
    CHECK(t.polls() == 2);
    CHECK(t.calls().size() == 1);
  }

  TEST_CASE("BR-06: at 6,000 of 10,000 calls proceed, each after slow_down_delay") {
    BudgetTenant t(6000);
    ClientOptions o = t.budget_options();
    o.limits.slow_down_delay = 500ms;
    auto c = t.client(o);
    for (int i = 0; i < 3; ++i) REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.calls().size() == 3);
    CHECK(t.time.waits() == "500,500,500");
    CHECK(t.polls() == 1);
  }

  TEST_CASE("BR-06: at 100 of 10,000 calls proceed without a wait") {
    BudgetTenant t(100);
    auto c = t.client(t.budget_options());
    for (int i = 0; i < 3; ++i) REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.calls().size() == 3);
    CHECK(t.time.waits().empty());
  }

  TEST_CASE("BR-06: ThresholdInformation is a GET to the zone with the credentials") {
    BudgetTenant t(100);
    auto c = t.client(t.budget_options());
    REQUIRE(c->get("Companies", 5).ok());
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 3);
    CHECK(is_zone_lookup(rs[0]));
    CHECK(rs[1].method == Method::kGet);
    CHECK(rs[1].url == kApi + "ThresholdInformation");
    CHECK(rs[1].headers.get("ApiIntegrationCode") == std::optional<std::string_view>(t.code));
    CHECK(rs[1].headers.get("Secret") == std::optional<std::string_view>(kSecret));
    CHECK(rs[2].url == kApi + "Companies/5");
  }

  TEST_CASE("BR-06: the budget is polled once, and again only after poll_interval") {
    BudgetTenant t(100);
    ClientOptions o = t.budget_options();
    o.limits.poll_interval = 60s;
    o.limits.poll_every_requests = 200;
    auto c = t.client(o);
    for (int i = 0; i < 5; ++i) REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.polls() == 1);
    t.time.advance(30s);
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.polls() == 1);
    t.time.advance(31s);
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.polls() == 2);
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.polls() == 2);
  }

  TEST_CASE("BR-06: the budget is polled again after poll_every_requests requests") {
    BudgetTenant t(100);
    ClientOptions o = t.budget_options();
    o.limits.poll_interval = std::chrono::hours(1);
    o.limits.poll_every_requests = 3;
    auto c = t.client(o);
    for (int i = 0; i < 7; ++i) REQUIRE(c->get("Companies", 5).ok());
    // poll, 3 calls, poll, 3 calls, poll, 1 call.
    CHECK(t.polls() == 3);
    std::string order;
    for (const auto& r : t.mock->requests()) {
      if (is_zone_lookup(r)) continue;
      order += is_threshold(r) ? "P" : "c";
    }
    CHECK(order == "PcccPcccPc");
  }

  TEST_CASE("BR-06: a failed poll (404) does not fail the call") {
    Tenant t;
    t.route(Method::kGet, kThresholdPath, [](const http::Request&) -> Answer {
      return json_response(404, R"({"errors":["Not found"]})");
    });
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Companies/5", R"({"item":{"id":5}})");
    ClientOptions o = t.options();
    o.limits.watch_budget = true;
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.polls() == 1);
    CHECK(t.calls().size() == 1);
    CHECK_FALSE(c->budget().has_value());
    CHECK(t.time.waits().empty());
    // A failing endpoint is not hammered either: no new poll inside poll_interval.
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.polls() == 1);
  }

  TEST_CASE("BR-06: budget() reports the polled figures plus what was sent since") {
    BudgetTenant t(6000);
    auto c = t.client(t.budget_options());
    CHECK_FALSE(c->budget().has_value());  // not polled yet
    REQUIRE(c->get("Companies", 5).ok());
    auto b = c->budget();
    REQUIRE(b.has_value());
    CHECK(b->threshold == 10000);
    CHECK(b->used == 6001);
    CHECK(b->share() == doctest::Approx(0.6001));

    auto fresh = c->refresh_budget();
    REQUIRE_MESSAGE(fresh.ok(), (fresh.ok() ? "" : describe(fresh.error())));
    CHECK(fresh->threshold == 10000);
    CHECK(fresh->used == 6000);
    CHECK(c->budget()->used == 6000);
  }

  TEST_CASE("BR-06: watch_budget=false sends no ThresholdInformation") {
    BudgetTenant t(9950);
    auto c = t.client(t.options());  // watch_budget false
    for (int i = 0; i < 3; ++i) REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.polls() == 0);
    CHECK(t.calls().size() == 3);
    CHECK_FALSE(c->budget().has_value());
    CHECK(t.time.waits().empty());
  }

  // ---------------------------------------------------------------------------------------------
  // §3.5: conditions over 500 values are split; count; id-cursor paging
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("notIn with 1,200 ids: 3 requests, and only items every part returned are kept") {
    Tenant t;
    std::map<std::int64_t, bj::object> db;
    for (std::int64_t id : {100, 600, 1100, 1250, 1300}) db.emplace(id, company(id));
    std::vector<std::size_t> sizes;
    std::mutex sizes_mutex;
    t.route(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
            [&](const http::Request& r) -> Answer {
              const bj::object q = bj::parse(r.body).as_object();
              for (const auto& c : q.at("filter").as_array()) {
                if (c.as_object().at("op").as_string() == "notIn") {
                  std::lock_guard lock(sizes_mutex);
                  sizes.push_back(c.as_object().at("value").as_array().size());
                }
              }
              return json_response(200, page(evaluate(r.body, db)));
            });
    auto c = t.client();
    std::vector<std::int64_t> excluded;
    for (std::int64_t id = 1; id <= 1200; ++id) excluded.push_back(id);
    bj::array values;
    for (auto id : excluded) values.emplace_back(id);
    Query q;
    q.filter = {Filter::condition(Op::kNotIn, "id", values), Filter::exist("companyName")};
    auto r = c->query("Companies", q);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.calls().size() == 3);
    std::sort(sizes.begin(), sizes.end());
    CHECK(sizes == std::vector<std::size_t>{200, 500, 500});
    // 100, 600 and 1100 are in the list; only 1250 and 1300 are not.
    REQUIRE(r->size() == 2);
    CHECK(r->at(0).at("id").as_int64() == 1250);
    CHECK(r->at(1).at("id").as_int64() == 1300);
  }

  TEST_CASE("an or-group of 700 conditions: 2 requests, results united in id order") {
    Tenant t;
    std::map<std::int64_t, bj::object> db;
    for (std::int64_t id = 1; id <= 2000; id += 3) db.emplace(id, company(id));  // 1, 4, 7, ...
    std::vector<std::size_t> sizes;
    std::mutex sizes_mutex;
    t.route(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
            [&](const http::Request& r) -> Answer {
              const bj::object q = bj::parse(r.body).as_object();
              for (const auto& c : q.at("filter").as_array()) {
                if (c.as_object().at("op").as_string() == "or") {
                  std::lock_guard lock(sizes_mutex);
                  sizes.push_back(c.as_object().at("items").as_array().size());
                }
              }
              return json_response(200, page(evaluate(r.body, db)));
            });
    auto c = t.client();
    std::vector<Filter> any;
    std::set<std::int64_t> expected;
    for (std::int64_t id = 1; id <= 699; ++id) {
      any.push_back(Filter::eq("id", id));
      if (db.count(id)) expected.insert(id);
    }
    // The 700th condition names id 4 again, in the second part: the union holds it once.
    any.push_back(Filter::eq("id", 4));
    Query q;
    q.filter = {Filter::any_of(any)};
    auto r = c->query("Companies", q);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.calls().size() == 2);
    std::sort(sizes.begin(), sizes.end());
    CHECK(sizes == std::vector<std::size_t>{200, 500});
    REQUIRE(r->size() == expected.size());
    std::size_t i = 0;
    for (auto id : expected) CHECK(r->at(i++).at("id").as_int64() == id);
  }

  TEST_CASE("count() posts the filter to query/count and returns queryCount") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query/count", R"({"queryCount":1209})");
    auto c = t.client();
    Query q;
    q.filter = {Filter::eq("isActive", true)};
    auto n = c->count("Companies", q);
    REQUIRE_MESSAGE(n.ok(), (n.ok() ? "" : describe(n.error())));
    CHECK(*n == 1209);
    const auto calls = t.calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].method == Method::kPost);
    CHECK(calls[0].url == kApi + "Companies/query/count");
    CHECK(bj::parse(calls[0].body) ==
          bj::parse(R"({"filter":[{"op":"eq","field":"isActive","value":true}]})"));
  }

  TEST_CASE("count() with an answer without queryCount is kProtocol") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query/count", R"({"items":[]})");
    auto c = t.client();
    auto n = c->count("Companies", all_items());
    REQUIRE_FALSE(n.ok());
    CHECK(n.error().code == ErrorCode::kProtocol);
  }

  // Answers Companies/query from db, which the test may change between pages.
  struct CursorTenant : Tenant {
    std::shared_ptr<std::mutex> db_mutex = std::make_shared<std::mutex>();
    std::shared_ptr<std::map<std::int64_t, bj::object>> db =
        std::make_shared<std::map<std::int64_t, bj::object>>();
    std::function<void(std::size_t page)> after_page;

    CursorTenant() {
      auto m = db_mutex;
      auto d = db;
      auto pages = std::make_shared<std::size_t>(0);
      route(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
            [this, m, d, pages](const http::Request& r) -> Answer {
              std::vector<bj::object> items;
              std::size_t n = 0;
              {
                std::lock_guard lock(*m);
                items = evaluate(r.body, *d);
                n = ++*pages;
              }
              if (after_page) after_page(n);
              // Autotask's own nextPageUrl is offered, but an id cursor must not need it.
              bj::object o = bj::parse(page(items)).as_object();
              o["pageDetails"].as_object()["nextPageUrl"] =
                  kApi + "Companies/query/next?paging=%7B%22pageSize%22%3A500%7D";
              return json_response(200, bj::serialize(o));
            });
    }
    void insert(std::int64_t id) {
      std::lock_guard lock(*db_mutex);
      db->emplace(id, company(id));
    }
  };

  TEST_CASE("id-cursor paging over 1,234 items: 3 requests with `id gt <last>`, all items once") {
    CursorTenant t;
    for (std::int64_t id = 1; id <= 1234; ++id) t.insert(id);
    auto c = t.client();
    auto r = c->query("Companies", all_items(), at::Paging::kIdCursor);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    REQUIRE(r->size() == 1234);
    for (std::size_t i = 0; i < r->size(); ++i) {
      CHECK(r->at(i).at("id").as_int64() == static_cast<std::int64_t>(i + 1));
    }
    const auto calls = t.calls();
    REQUIRE(calls.size() == 3);
    for (const auto& call : calls) {
      CHECK(call.url == kApi + "Companies/query");  // never the nextPageUrl
      CHECK(call.method == Method::kPost);
    }
    CHECK(bj::parse(calls[0].body) ==
          bj::parse(R"({"MaxRecords":500,"filter":[{"op":"exist","field":"id"}]})"));
    CHECK(bj::parse(calls[1].body) ==
          bj::parse(R"({"MaxRecords":500,"filter":[{"op":"exist","field":"id"},)"
                    R"({"op":"gt","field":"id","value":500}]})"));
    CHECK(bj::parse(calls[2].body) ==
          bj::parse(R"({"MaxRecords":500,"filter":[{"op":"exist","field":"id"},)"
                    R"({"op":"gt","field":"id","value":1000}]})"));
  }

  TEST_CASE("id-cursor paging survives an item added during the listing") {
    CursorTenant t;
    for (std::int64_t id = 1; id <= 1234; ++id) t.insert(id);
    t.after_page = [&t](std::size_t page_number) {
      if (page_number == 1) t.insert(1235);  // a company created while page 1 was being read
    };
    auto c = t.client();
    auto r = c->query("Companies", all_items(), at::Paging::kIdCursor);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.calls().size() == 3);
    REQUIRE(r->size() == 1235);
    std::set<std::int64_t> ids;
    for (const auto& item : *r) ids.insert(item.at("id").as_int64());
    CHECK(ids.size() == 1235);  // no item twice
    CHECK(*ids.begin() == 1);
    CHECK(*ids.rbegin() == 1235);
  }

  TEST_CASE("id-cursor paging over exactly 1,000 items ends on an empty page") {
    CursorTenant t;
    for (std::int64_t id = 1; id <= 1000; ++id) t.insert(id * 10);
    auto c = t.client();
    auto r = c->query("Companies", all_items(), at::Paging::kIdCursor);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(r->size() == 1000);
    const auto calls = t.calls();
    REQUIRE(calls.size() == 3);
    CHECK(bj::parse(calls[2].body).at("filter").as_array().back() ==
          bj::parse(R"({"op":"gt","field":"id","value":10000})"));
  }

  // ---------------------------------------------------------------------------------------------
  // §4: write paths and PATCH
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("write_path: root entities and child entities under their parent") {
    CHECK(Client::write_path<at::Company>() == "Companies");
    CHECK(Client::write_path<at::Contract>() == "Contracts");
    CHECK(Client::write_path<at::ContractServiceAdjustment>(300) ==
          "Contracts/300/ServiceAdjustments");
    CHECK(Client::write_path<at::ContractService>(300) == "Contracts/300/Services");
  }

  TEST_CASE("update_changed PATCHes only the changed fields plus the id") {
    Tenant t;
    t.answer(Method::kPatch, "/ATServicesRest/V1.0/Companies", R"({"itemId":101})");
    auto c = t.client();
    const bj::object before =
        bj::parse(
            R"({"id":101,"companyName":"Acme Inc","phone":"555-0100","isActive":true,"companyType":1})")
            .as_object();
    // Field names may differ in case (Autotask accepts both); an unchanged value is not sent.
    const bj::object after =
        bj::parse(
            R"({"id":101,"CompanyName":"Acme Inc","phone":"555-0199","isActive":false,"companyType":1})")
            .as_object();
    auto r = c->update_changed("Companies", 101, before, after);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(*r);
    const auto calls = t.calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].method == Method::kPatch);
    CHECK(calls[0].url == kApi + "Companies");  // no id in the path
    CHECK(bj::parse(calls[0].body) ==
          bj::parse(R"({"id":101,"phone":"555-0199","isActive":false})"));
  }

  TEST_CASE("update_changed with nothing changed sends nothing and returns false") {
    Tenant t;
    auto c = t.client();
    const bj::object before =
        bj::parse(R"({"id":101,"companyName":"Acme Inc","phone":"555-0100"})").as_object();
    const bj::object after =
        bj::parse(R"({"companyName":"Acme Inc","Phone":"555-0100"})").as_object();
    auto r = c->update_changed("Companies", 101, before, after);
    REQUIRE(r.ok());
    CHECK_FALSE(*r);
    CHECK(t.mock->request_count() == 0);
  }

  TEST_CASE("update() of a child entity PATCHes its parent path with the id in the body") {
    Tenant t;
    t.answer(Method::kPatch, "/ATServicesRest/V1.0/Contracts/300/Services", R"({"itemId":5001})");
    auto c = t.client();
    auto r = c->update(Client::write_path<at::ContractService>(300), 5001,
                       bj::parse(R"({"invoiceDescription":"Managed seats"})").as_object());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    const auto calls = t.calls();
    REQUIRE(calls.size() == 1);
    CHECK(calls[0].method == Method::kPatch);
    CHECK(calls[0].url == kApi + "Contracts/300/Services");
    CHECK(bj::parse(calls[0].body) ==
          bj::parse(R"({"id":5001,"invoiceDescription":"Managed seats"})"));
    CHECK(calls[0].headers.get("ApiIntegrationCode") == std::optional<std::string_view>(t.code));
  }

}  // TEST_SUITE
