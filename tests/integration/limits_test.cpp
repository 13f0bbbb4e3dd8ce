// The library's client against the simulator's Autotask limits over real HTTPS: concurrent
// listings under the thread limit of 3, the hourly budget's stop before it is spent, and picklist
// lookups through the simulator's metadata.
#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/client/client.hpp>
#include <autotask_sync/sync/config.hpp>

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>

using namespace autotask_sync;
namespace bj = boost::json;

namespace {

constexpr std::size_t kCompanies = 2'000;
constexpr Id kFirstCompany = 10'001;
constexpr const char* kQueryPath = "/ATServicesRest/V1.0/Companies/query";
constexpr const char* kNextPath = "/ATServicesRest/V1.0/Companies/query/next";
constexpr const char* kZonePath = "/ATServicesRest/V1.0/zoneInformation";
constexpr const char* kThresholdPath = "/ATServicesRest/V1.0/ThresholdInformation";

// A tenant of kCompanies companies. The client keeps its thread-limit gates and its view of the
// hourly budget per zone URL and integration code for the whole process, so every tenant gets a
// code of its own: one test's budget poll must not stand in for the next one's.
autotask_sim::Tenant companies_tenant() {
  static std::atomic<int> serial{0};
  autotask_sim::Tenant t;
  t.api_users.push_back({"limits-api@example.com", "limits-secret-4471",
                         "LIMITSTESTCODE" + std::to_string(serial++), true});
  bj::array companies;
  for (std::size_t i = 0; i < kCompanies; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "Customer %04zu", i);
    companies.push_back(bj::object{{"id", kFirstCompany + static_cast<Id>(i)},
                                   {"companyName", name},
                                   {"companyType", 1},
                                   {"isActive", true}});
  }
  t.entities["Companies"] = std::move(companies);
  return t;
}

std::vector<Id> all_company_ids() {
  std::vector<Id> ids(kCompanies);
  for (std::size_t i = 0; i < kCompanies; ++i) ids[i] = kFirstCompany + static_cast<Id>(i);
  return ids;
}

struct Fixture {
  std::unique_ptr<autotask_sim::Simulator> sim;
  autotask_sim::ApiUser user;
  std::string ca_path;

  explicit Fixture(autotask_sim::Tenant tenant, autotask_sim::SimulatorOptions options = {}) {
    user = tenant.api_users.front();
    auto started = autotask_sim::Simulator::start(std::move(options), std::move(tenant));
    REQUIRE(started.ok());
    sim = std::move(*started);
    char path[] = "/tmp/atsync-limits-ca-XXXXXX";
    const int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    ca_path = path;
    REQUIRE(sim->write_certificate(ca_path).ok());
  }
  ~Fixture() { std::remove(ca_path.c_str()); }

  std::shared_ptr<Client> client() const {
    AutotaskSettings s;
    s.credentials = {user.username, user.secret, user.integration_code};
    s.zone_lookup_url = sim->zone_lookup_url();
    s.ca_file = ca_path;
    auto c = make_client(s, Logger());
    REQUIRE(c.ok());
    return std::move(*c);
  }

  std::size_t requests_to(std::string_view path) const {
    const auto log = sim->requests();
    return static_cast<std::size_t>(
        std::count_if(log.begin(), log.end(),
                      [&](const autotask_sim::LoggedRequest& r) { return r.path == path; }));
  }
};

autotask_sim::SimulatorOptions limited_options() {
  autotask_sim::SimulatorOptions o;
  o.max_threads_per_endpoint = 3;
  o.request_latency = std::chrono::milliseconds(20);
  o.threads = 2;
  return o;
}

Query every_company() {
  Query q;
  q.filter.push_back(Filter::exist("id"));
  return q;
}

std::vector<Id> ids_of(const std::vector<bj::object>& items) {
  std::vector<Id> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(item.at("id").to_number<Id>());
  return ids;
}

// Four listings at once, thread i on clients[i % clients.size()].
std::vector<std::optional<Result<std::vector<bj::object>>>> list_from_four_threads(
    const std::vector<std::shared_ptr<Client>>& clients) {
  std::vector<std::optional<Result<std::vector<bj::object>>>> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      results[i].emplace(clients[i % clients.size()]->query("Companies", every_company()));
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

void check_listings(const std::vector<std::optional<Result<std::vector<bj::object>>>>& results) {
  const std::vector<Id> expected = all_company_ids();
  for (std::size_t i = 0; i < results.size(); ++i) {
    INFO("listing " << i);
    REQUIRE(results[i].has_value());
    if (!results[i]->ok()) FAIL(results[i]->error().describe());
    CHECK(ids_of(**results[i]) == expected);
  }
}

}  // namespace

TEST_CASE("four threads sharing one client list 2,000 companies within the thread limit") {
  Fixture f(companies_tenant(), limited_options());
  auto client = f.client();

  // Started cold: the four first calls share one zone lookup.
  const auto results = list_from_four_threads({client});

  check_listings(results);
  CHECK(f.sim->thread_limit_refusals() == 0);
  const std::size_t peak = f.sim->peak_in_flight("Companies");
  MESSAGE("peak in flight on Companies, one shared client: " << peak);
  CHECK(peak <= 3);
  CHECK(peak >= 2);  // the listings did overlap
  // 2,000 companies at 500 a page: 1 query and 3 next pages per listing; one zone lookup, which
  // the threads that arrive while it runs wait for; one ThresholdInformation poll for the four
  // listings (the next is due after a minute or 200 requests).
  CHECK(f.requests_to(kQueryPath) == 4);
  CHECK(f.requests_to(kNextPath) == 12);
  CHECK(f.requests_to(kZonePath) == 1);
  CHECK(f.requests_to(kThresholdPath) == 1);
  CHECK(f.sim->request_count() == 18);
  CHECK(client->request_count() == 18);
  CHECK(f.sim->request_count_this_hour() == 17);  // the zone lookup is outside the budget
}

TEST_CASE("four clients of one tenant and integration code share the thread limit") {
  Fixture f(companies_tenant(), limited_options());
  std::vector<std::shared_ptr<Client>> clients;
  clients.reserve(4);
  for (int i = 0; i < 4; ++i) clients.push_back(f.client());

  const auto results = list_from_four_threads(clients);

  check_listings(results);
  CHECK(f.sim->thread_limit_refusals() == 0);
  const std::size_t peak = f.sim->peak_in_flight("Companies");
  MESSAGE("peak in flight on Companies, four clients: " << peak);
  CHECK(peak <= 3);
  CHECK(peak >= 2);
  // Each client looks the zone up for itself; the budget is watched per tenant and integration
  // code across the process, so one poll serves all four.
  CHECK(f.requests_to(kQueryPath) == 4);
  CHECK(f.requests_to(kNextPath) == 12);
  CHECK(f.requests_to(kZonePath) == 4);
  CHECK(f.requests_to(kThresholdPath) == 1);
  CHECK(f.sim->request_count() == 21);
  std::uint64_t sent = 0;
  for (const auto& c : clients) sent += c->request_count();
  CHECK(sent == 21);
  CHECK(f.sim->request_count_this_hour() == 17);
}

TEST_CASE("the client stops before the hourly budget runs out") {
  Fixture f(companies_tenant(), limited_options());
  f.sim->set_request_count_this_hour(9'950);
  auto client = f.client();

  auto first = client->query("Companies", every_company());
  auto second = client->query("Companies", every_company());

  REQUIRE_FALSE(first.ok());
  CHECK(first.error().code == ErrorCode::kRateLimited);
  CHECK(first.error().retry_after.has_value());
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::kRateLimited);
  // One ThresholdInformation poll (9,950 + itself), then nothing more reaches the tenant.
  CHECK(f.sim->request_count_this_hour() == 9'951);
  CHECK(f.requests_to(kThresholdPath) == 1);
  CHECK(f.requests_to(kQueryPath) == 0);
  CHECK(f.sim->request_count() == 2);  // the zone lookup and the poll
  REQUIRE(client->budget().has_value());
  CHECK(client->budget()->threshold == 10'000);
  CHECK(client->budget()->used == 9'951);
}

TEST_CASE("picklist values and capabilities come from the simulator's metadata") {
  autotask_sim::Tenant tenant = companies_tenant();
  // BR-14: this tenant's priorities, "Standard" no longer active.
  std::vector<autotask_sim::PicklistEntry> priorities;
  for (auto [value, label, active] :
       {std::tuple{"1", "High", true}, std::tuple{"2", "Medium", true},
        std::tuple{"3", "Low", true}, std::tuple{"4", "Critical", true},
        std::tuple{"5", "Standard", false}}) {
    autotask_sim::PicklistEntry e;
    e.value = value;
    e.label = label;
    e.is_active = active;
    priorities.push_back(e);
  }
  tenant.picklists["Tickets"]["priority"] = priorities;
  tenant.permissions["ContractServiceAdjustments"].can_create = false;
  Fixture f(std::move(tenant), limited_options());
  auto client = f.client();

  auto high = client->picklist_value("Tickets", "priority", "high");
  auto critical = client->picklist_value("Tickets", "priority", "Critical");
  auto by_value = client->picklist_value("Tickets", "priority", "3");
  auto standard = client->picklist_value("Tickets", "priority", "Standard");
  const std::size_t fields_reads_before_miss =
      f.requests_to("/ATServicesRest/V1.0/Tickets/entityInformation/fields");
  auto urgent = client->picklist_value("Tickets", "priority", "Urgent");
  auto recurring = client->picklist_value("Contracts", "contractType", "Recurring Service");
  auto adjustments = client->entity_info("ContractServiceAdjustments");
  auto tickets = client->entity_info("Tickets");

  REQUIRE(high.ok());
  CHECK(*high == 1);
  REQUIRE(critical.ok());
  CHECK(*critical == 4);
  REQUIRE(by_value.ok());
  CHECK(*by_value == 3);
  REQUIRE_FALSE(standard.ok());
  CHECK(standard.error().code == ErrorCode::kInvalidArgument);
  CHECK(standard.error().message ==
        "Tickets.priority: 'Standard' is inactive in this tenant; active values: High, Medium, "
        "Low, Critical");
  REQUIRE_FALSE(urgent.ok());
  CHECK(urgent.error().message.find("active values: High, Medium, Low, Critical") !=
        std::string::npos);
  // The fields are read once and cached; a miss reads them once more before failing (BR-15).
  CHECK(fields_reads_before_miss == 1);
  CHECK(f.requests_to("/ATServicesRest/V1.0/Tickets/entityInformation/fields") == 2);
  REQUIRE(recurring.ok());
  CHECK(*recurring == 7);
  REQUIRE(adjustments.ok());
  CHECK(adjustments->name == "ContractServiceAdjustment");
  CHECK_FALSE(adjustments->can_create);  // the tenant's restricted user
  CHECK_FALSE(adjustments->can_query);
  REQUIRE(tickets.ok());
  CHECK(tickets->can_create);
  CHECK(tickets->can_query);
  CHECK(tickets->can_update);
  CHECK_FALSE(tickets->can_delete);
  CHECK(tickets->has_user_defined_fields);
  CHECK(f.sim->thread_limit_refusals() == 0);
}

namespace {

// A config document for the fixture's tenant with the given "transport" object.
Config config_with_transport(const Fixture& f, const std::string& transport) {
  bj::object autotask{{"username", f.user.username},
                      {"secret", f.user.secret},
                      {"integration_code", f.user.integration_code},
                      {"zone_lookup_url", f.sim->zone_lookup_url()},
                      {"ca_file", f.ca_path},
                      {"transport", bj::parse(transport)}};
  auto c = parse_config(bj::serialize(bj::object{{"autotask", autotask}}));
  REQUIRE(c.ok());
  return std::move(*c);
}

}  // namespace

TEST_CASE("the config file's body limit reaches the HTTPS transport") {
  // 500 companies of about 10 KB each (a long user-defined field): one page of about 5 MB.
  autotask_sim::Tenant t = companies_tenant();
  bj::array& companies = t.entities["Companies"];
  companies.resize(500);
  for (auto& c : companies) {
    c.as_object()["userDefinedFields"] =
        bj::array{bj::object{{"name", "Site Notes"}, {"value", std::string(10'000, 'n')}}};
  }
  Fixture f(std::move(t));

  Config small = config_with_transport(f, R"({"max_response_body_bytes": 4194304})");
  auto limited = make_client(*small.autotask, Logger());
  REQUIRE(limited.ok());
  auto refused = (*limited)->query("Companies", every_company());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kProtocol);
  CHECK(refused.error().message.find("max_response_body_bytes") != std::string::npos);

  Config large = config_with_transport(f, R"({"max_response_body_bytes": 8388608})");
  auto roomy = make_client(*large.autotask, Logger());
  REQUIRE(roomy.ok());
  auto listed = (*roomy)->query("Companies", every_company());
  REQUIRE(listed.ok());
  CHECK(listed->size() == 500);
}
