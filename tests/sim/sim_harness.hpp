// A running simulator and an HTTPS client that trusts it, for the simulator's tests. Requests go
// through the library's BeastTransport over real loopback sockets.
#pragma once

#include <autotask_sim/simulator.hpp>
#include <autotask_sim/tenant.hpp>
#include <autotask_sync/http/beast_transport.hpp>

#include <boost/json.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace sim_test {

namespace json = boost::json;
using autotask_sync::http::Method;
using autotask_sync::http::Response;

inline constexpr const char* kUser = "sync-api@example.com";
inline constexpr const char* kSecret = "s3cret-value-for-tests";
inline constexpr const char* kCode = "TESTINTEGRATIONCODE";

// A tenant document with the test API user and the given entities.
inline json::object tenant_document(json::object entities) {
  return json::object{
      {"zone",
       json::object{
           {"zoneName", "Test Zone 7"}, {"webUrl", "https://ww7.autotask.net/"}, {"ci", 777}}},
      {"api_users", json::array{json::object{
                        {"username", kUser}, {"secret", kSecret}, {"integration_code", kCode}}}},
      {"entities", std::move(entities)}};
}

inline std::string month_day(int month, int day) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "2026-%02d-%02dT00:00:00", month, day);
  return buf;
}

// A small billing tenant: contract 300 (Recurring Service, 2026) of company 1 carries service 77
// as contract service 5001 with 37 units at cost 3.0 in every month (units rows 9001..9012);
// contract 301 is Fixed Price; contract 302 is an inactive Recurring Service contract of 2025.
inline json::object billing_entities() {
  static constexpr int kLastDay[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  json::array units;
  for (int m = 1; m <= 12; ++m) {
    units.push_back(json::object{{"id", 9000 + m},
                                 {"contractID", 300},
                                 {"contractServiceID", 5001},
                                 {"serviceID", 77},
                                 {"startDate", month_day(m, 1)},
                                 {"endDate", month_day(m, kLastDay[m - 1])},
                                 {"units", 37},
                                 {"cost", 3.0},
                                 {"price", 6.0},
                                 {"approveAndPostDate", nullptr}});
  }
  return json::object{
      {"Companies",
       json::array{
           json::object{{"id", 1},
                        {"companyName", "Acme Dental Group"},
                        {"companyType", 1},
                        {"isActive", true}},
           json::object{{"id", 2},
                        {"companyName", "Café Ïle d’Orléans"},
                        {"companyType", 1},
                        {"isActive", true}},
           json::object{{"id", 3},
                        {"companyName", "O'Brien & Sons"},
                        {"companyType", 3},
                        {"isActive", false}},
           json::object{
               {"id", 4}, {"companyName", "Zeta Ltd"}, {"companyType", 7}, {"isActive", true}}}},
      {"Contracts", json::array{json::object{{"id", 300},
                                             {"companyID", 1},
                                             {"contractName", "Acme recurring"},
                                             {"contractType", 7},
                                             {"status", 1},
                                             {"startDate", "2026-01-01"},
                                             {"endDate", "2026-12-31"}},
                                json::object{{"id", 301},
                                             {"companyID", 2},
                                             {"contractName", "Café fixed price"},
                                             {"contractType", 3},
                                             {"status", 1},
                                             {"startDate", "2026-01-01"},
                                             {"endDate", "2026-12-31"}},
                                json::object{{"id", 302},
                                             {"companyID", 1},
                                             {"contractName", "Acme 2025"},
                                             {"contractType", 7},
                                             {"status", 0},
                                             {"startDate", "2025-01-01"},
                                             {"endDate", "2025-12-31"}}}},
      {"Services", json::array{json::object{{"id", 77},
                                            {"name", "Directory Platform - per user"},
                                            {"unitCost", 3.0},
                                            {"unitPrice", 6.0}},
                               json::object{{"id", 78},
                                            {"name", "Directory Platform - SSO add-on"},
                                            {"invoiceDescription", "SSO add-on"},
                                            {"unitCost", 1.25},
                                            {"unitPrice", 2.5}}}},
      {"ContractServices", json::array{json::object{{"id", 5001},
                                                    {"contractID", 300},
                                                    {"serviceID", 77},
                                                    {"unitCost", 3.0},
                                                    {"unitPrice", 6.0}}}},
      {"ContractServiceUnits", std::move(units)}};
}

inline autotask_sim::Tenant load(const json::value& document) {
  auto tenant = autotask_sim::load_tenant(document);
  if (!tenant) FAIL("tenant does not load: " << tenant.error().message);
  return std::move(*tenant);
}

class SimHarness {
 public:
  explicit SimHarness(autotask_sim::Tenant tenant, autotask_sim::SimulatorOptions options = {}) {
    auto sim = autotask_sim::Simulator::start(std::move(options), std::move(tenant));
    if (!sim) FAIL("simulator does not start: " << sim.error().message);
    sim_ = std::move(*sim);

    static std::atomic<int> counter{0};
    ca_path_ = (std::filesystem::temp_directory_path() /
                ("autotask_sim_test_" + std::to_string(::getpid()) + "_" +
                 std::to_string(counter++) + ".pem"))
                   .string();
    REQUIRE(sim_->write_certificate(ca_path_).ok());
    transport_ = new_transport();
  }
  ~SimHarness() {
    sim_->stop();
    std::error_code ignored;
    std::filesystem::remove(ca_path_, ignored);
  }
  SimHarness(const SimHarness&) = delete;
  SimHarness& operator=(const SimHarness&) = delete;

  autotask_sim::Simulator& sim() { return *sim_; }
  autotask_sync::http::BeastTransport& transport() { return *transport_; }

  // A transport of its own: no pooled connection shared with other requests.
  std::shared_ptr<autotask_sync::http::BeastTransport> new_transport() const {
    autotask_sync::http::BeastTransportOptions options;
    options.ca_file = ca_path_;
    options.request_timeout = std::chrono::seconds(20);
    auto transport = autotask_sync::http::BeastTransport::create(options);
    if (!transport) FAIL("transport: " << transport.error().message);
    return *transport;
  }

  // `path` is relative to the base URL ("V1.0/Companies/query") or absolute ("https://...").
  autotask_sync::http::Request request(Method method, const std::string& path,
                                       std::string body = {}, bool auth = true) const {
    autotask_sync::http::Request r;
    r.method = method;
    r.url = path.rfind("https://", 0) == 0 ? path : sim_->base_url() + path;
    if (auth) {
      r.headers.set("UserName", kUser);
      r.headers.set("Secret", kSecret);
      r.headers.set("ApiIntegrationCode", kCode);
    }
    if (!body.empty()) r.headers.set("Content-Type", "application/json");
    r.body = std::move(body);
    return r;
  }

  Response send(const autotask_sync::http::Request& r) {
    auto response = transport_->send(r);
    if (!response) FAIL("transport error: " << response.error().message);
    return std::move(*response);
  }
  Response get(const std::string& path) { return send(request(Method::kGet, path)); }
  Response post(const std::string& path, const json::value& body) {
    return send(request(Method::kPost, path, json::serialize(body)));
  }

 private:
  std::unique_ptr<autotask_sim::Simulator> sim_;
  std::string ca_path_;
  std::shared_ptr<autotask_sync::http::BeastTransport> transport_;
};

inline json::value body_of(const Response& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) FAIL("response body is not JSON: " << r.body);
  return v;
}

// The single text of an {"errors": [...]} body.
inline std::string error_text(const Response& r) {
  const json::value v = body_of(r);
  const json::array& errors = v.at("errors").as_array();
  REQUIRE(errors.size() == 1);
  return std::string(errors[0].as_string());
}

inline json::array items_of(const Response& r) {
  return body_of(r).at("items").as_array();
}

inline std::vector<std::int64_t> ids_of(const json::array& items) {
  std::vector<std::int64_t> ids;
  for (const json::value& item : items) ids.push_back(item.at("id").as_int64());
  return ids;
}

inline json::object eq(std::string_view field, json::value value) {
  return json::object{{"op", "eq"}, {"field", field}, {"value", std::move(value)}};
}

inline json::object cond(std::string_view op, std::string_view field, json::value value) {
  return json::object{{"op", op}, {"field", field}, {"value", std::move(value)}};
}

inline json::object group(std::string_view op, json::array items) {
  return json::object{{"op", op}, {"items", std::move(items)}};
}

inline json::object query(json::array filter) {
  return json::object{{"filter", std::move(filter)}};
}

}  // namespace sim_test
