// A minimal Autotask stand-in over MockTransport for sync unit tests: answers zoneInformation,
// `in` queries by entity (other conditions are ignored: the sync picks rows itself), and records
// adjustment POSTs without applying them unless asked to.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/http/mock_transport.hpp>
#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/billing.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fake {

namespace bj = boost::json;
using namespace autotask_sync;

inline const std::string kBase = "https://webservices5.autotask.net/ATServicesRest/";

struct Tenant {
  std::map<std::string, std::vector<bj::object>> entities;
  std::vector<bj::object> adjustments;         // bodies POSTed
  std::map<std::string, std::size_t> queries;  // entity -> query requests
  std::vector<std::size_t> in_sizes;           // size of each `in` list sent
  bool apply_adjustments = true;
  int fail_adjustment_status = 0;  // answer every adjustment POST with this status
  std::string fail_adjustment_body;
  // The next N adjustment POSTs are applied, then answered with a timeout (the answer is lost).
  int lose_answers = 0;
  // The next N adjustment POSTs time out after being sent, without being applied.
  int time_out_unapplied = 0;
  std::vector<bj::object> notes;  // ContractNote bodies POSTed to Contracts/{id}/Notes
  int fail_notes_status = 0;      // answer every note POST with this status

  static Error lost_answer() {
    Error e(ErrorCode::kTimeout, "POST Contracts/300/ServiceAdjustments: read timed out");
    e.request_sent = true;
    return e;
  }

  void add(const std::string& entity, bj::object o) { entities[entity].push_back(std::move(o)); }

  // Applies an adjustment like Autotask in the simple case: rows from the date on get the delta.
  void apply(const bj::object& a) {
    const auto cs = a.at("contractServiceID").as_int64();
    const auto delta = a.at("unitChange").as_int64();
    const std::string date = std::string(a.at("effectiveDate").as_string()).substr(0, 10);
    for (auto& row : entities["ContractServiceUnits"]) {
      if (row.at("contractServiceID").as_int64() != cs) continue;
      if (std::string(row.at("startDate").as_string()).substr(0, 10) < date) continue;
      row["units"] = row.at("units").as_int64() + delta;
    }
    for (auto& line : entities["ContractServices"]) {
      if (line.at("id").as_int64() == cs && a.contains("adjustedUnitCost")) {
        line["unitCost"] = a.at("adjustedUnitCost");
      }
    }
  }
};

inline bool in_list_matches(const bj::object& item, const bj::array& filter) {
  for (const auto& f : filter) {
    const auto& o = f.as_object();
    if (o.at("op").as_string() != "in") continue;
    const auto* v = json::find_ci(item, std::string(o.at("field").as_string()));
    if (!v) return false;
    bool found = false;
    for (const auto& x : o.at("value").as_array()) found = found || x == *v;
    if (!found) return false;
  }
  return true;
}

inline std::shared_ptr<http::MockTransport> serve(std::shared_ptr<Tenant> t) {
  auto mock = std::make_shared<http::MockTransport>();
  mock->route(
      [](const http::Request& r) { return r.url.find("zoneInformation") != std::string::npos; },
      [](const http::Request&) -> Result<http::Response> {
        http::Response resp;
        resp.status = 200;
        resp.headers.set("Content-Type", "application/json");
        resp.body = R"({"zoneName":"Zone 5","url":")" + kBase +
                    R"(","webUrl":"https://ww5.autotask.net/","ci":4242})";
        return resp;
      });
  mock->route([](const http::Request& r) { return r.url.find("/query") != std::string::npos; },
              [t](const http::Request& r) -> Result<http::Response> {
                const std::string path = http::url_path(r.url);
                const auto start = path.find("V1.0/") + 5;
                const std::string entity = path.substr(start, path.find('/', start) - start);
                ++t->queries[entity];
                const bj::value body = bj::parse(r.body);
                for (const auto& f : body.at("filter").as_array()) {
                  if (f.as_object().at("op").as_string() == "in") {
                    t->in_sizes.push_back(f.as_object().at("value").as_array().size());
                  }
                }
                bj::array items;
                for (const auto& o : t->entities[entity]) {
                  if (in_list_matches(o, body.at("filter").as_array())) items.emplace_back(o);
                }
                http::Response resp;
                resp.status = 200;
                resp.headers.set("Content-Type", "application/json");
                bj::object page{{"items", items},
                                {"pageDetails", bj::object{{"count", items.size()},
                                                           {"requestCount", 500},
                                                           {"prevPageUrl", nullptr},
                                                           {"nextPageUrl", nullptr}}}};
                resp.body = bj::serialize(page);
                return resp;
              });
  mock->route(
      [](const http::Request& r) {
        return r.method == http::Method::kPost &&
               r.url.find("/ServiceAdjustments") != std::string::npos;
      },
      [t](const http::Request& r) -> Result<http::Response> {
        http::Response resp;
        resp.headers.set("Content-Type", "application/json");
        if (t->time_out_unapplied > 0) {
          --t->time_out_unapplied;
          return Tenant::lost_answer();
        }
        if (t->lose_answers > 0) {
          --t->lose_answers;
          const bj::object a = bj::parse(r.body).as_object();
          t->adjustments.push_back(a);
          if (t->apply_adjustments) t->apply(a);
          return Tenant::lost_answer();
        }
        if (t->fail_adjustment_status) {
          resp.status = t->fail_adjustment_status;
          resp.body = t->fail_adjustment_body;
          return resp;
        }
        const bj::object a = bj::parse(r.body).as_object();
        t->adjustments.push_back(a);
        if (t->apply_adjustments) t->apply(a);
        resp.status = 200;
        resp.body = R"({"itemId":)" + std::to_string(9000 + t->adjustments.size()) + "}";
        return resp;
      });
  mock->route(
      [](const http::Request& r) {
        return r.method == http::Method::kPost && r.url.find("/Notes") != std::string::npos;
      },
      [t](const http::Request& r) -> Result<http::Response> {
        http::Response resp;
        resp.headers.set("Content-Type", "application/json");
        if (t->fail_notes_status) {
          resp.status = t->fail_notes_status;
          resp.body = R"({"errors":["ContractNotes: title is too long."]})";
          return resp;
        }
        t->notes.push_back(bj::parse(r.body).as_object());
        resp.status = 200;
        resp.body = R"({"itemId":)" + std::to_string(7000 + t->notes.size()) + "}";
        return resp;
      });
  return mock;
}

inline std::shared_ptr<Client> client_for(std::shared_ptr<http::MockTransport> mock) {
  ClientOptions o;
  o.credentials = {"sync-api@example.com", "s3cret-value", "INTEGRATION-CODE"};
  // The sync's own request counts are asserted; the budget poll is tested with the client.
  o.limits.watch_budget = false;
  o.retry.max_attempts = 1;
  return Client::create(o, mock).value();
}

// The clock of a test: the instant y-m-d h:min UTC.
inline std::chrono::system_clock::time_point at_utc(int y, unsigned m, unsigned d, int h,
                                                    int min = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min};
}

// A units row of contract 300.
inline bj::object row(std::int64_t id, std::int64_t cs, const char* start, const char* end,
                      std::int64_t units, bool posted = false, std::int64_t service = 77) {
  return bj::object{{"id", id},
                    {"contractID", 300},
                    {"contractServiceID", cs},
                    {"serviceID", service},
                    {"startDate", std::string(start) + "T00:00:00"},
                    {"endDate", std::string(end) + "T00:00:00"},
                    {"units", units},
                    {"cost", 3.0},
                    {"price", 5.0},
                    {"approveAndPostDate", posted ? bj::value("2026-03-05T10:00:00") : nullptr}};
}

// One company, one Recurring Service contract with service 77 on line 5001 holding 40 units at
// a unit cost of 3.0000 in March and April 2026.
inline std::shared_ptr<Tenant> standard_tenant() {
  auto t = std::make_shared<Tenant>();
  t->add("Companies", {{"id", 101},
                       {"companyName", "Acme Inc"},
                       {"isActive", true},
                       {"companyType", 1},
                       {"currencyID", 1}});
  t->add("Contracts", {{"id", 300},
                       {"companyID", 101},
                       {"contractName", "Acme Recurring"},
                       {"contractType", 7},
                       {"status", 1},
                       {"startDate", "2026-01-01T00:00:00"},
                       {"endDate", "2026-12-31T00:00:00"}});
  t->add("Services", {{"id", 77}, {"name", "Directory - per user"}, {"isActive", true}});
  t->add("ContractServices", {{"id", 5001},
                              {"contractID", 300},
                              {"serviceID", 77},
                              {"unitCost", 3.0},
                              {"unitPrice", 5.0}});
  t->add("ContractServiceUnits", row(1, 5001, "2026-03-01", "2026-03-31", 40));
  t->add("ContractServiceUnits", row(2, 5001, "2026-04-01", "2026-04-30", 40));
  return t;
}

// The org billed on that line.
inline Mapping acme() {
  Mapping m;
  m.org_id = "org-1";
  m.org_name = "Acme";
  m.company_id = 101;
  m.contract_id = 300;
  m.service_id = 77;
  return m;
}

inline Usage usage(std::int64_t hwm, const char* cost, const char* org = "org-1") {
  return Usage{org, hwm, Decimal::parse(cost).value()};
}

}  // namespace fake
