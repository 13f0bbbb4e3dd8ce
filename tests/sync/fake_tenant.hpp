// A minimal Autotask stand-in over MockTransport for sync unit tests: answers zoneInformation,
// `in` queries by entity (other conditions are ignored: the sync picks rows itself), and records
// adjustment POSTs without applying them unless asked to.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/http/mock_transport.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json.hpp>

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
  std::vector<bj::object> adjustments;  // bodies POSTed
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
  mock->route(
      [](const http::Request& r) { return r.url.find("/query") != std::string::npos; },
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

}  // namespace fake
