// The Autotask client over MockTransport. The fake tenant answers with the shapes documented in
// autotask-api.md (§1 zone discovery, §2 headers, §3.6 paging, §4 CRUD) and field-cases.md
// (BR-01, BR-02, BR-04, BR-08, BR-09, BR-11, BR-12, BR-18, BR-21).
#include <autotask_sync/client/client.hpp>
#include <autotask_sync/http/mock_transport.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <numeric>
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
using at::Query;
using http::Method;

#include "client/support.hpp"

using namespace client_test;

namespace {

const std::string kCode = "ABCDEFGHIJKLMNOPQRSTUVWXYZ1";
const std::string kLookupUrl =
    "https://webservices2.autotask.net/ATServicesRest/V1.0/zoneInformation";

http::Response html_response(int status) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html");
  r.body = "<!DOCTYPE html><html><body><h1>Scheduled maintenance</h1></body></html>";
  return r;
}

bool is_zone_lookup(const http::Request& r) {
  return contains(http::url_path(r.url), "zoneInformation");
}

bj::object company(std::int64_t id, const std::string& name) {
  bj::object o;
  o["id"] = id;
  o["companyName"] = name;
  o["isActive"] = true;
  o["userDefinedFields"] = bj::array();
  return o;
}

std::string page(const std::vector<bj::object>& items, const std::string& next_page_url) {
  bj::object o;
  bj::array a;
  for (const auto& i : items) a.emplace_back(i);
  o["items"] = std::move(a);
  bj::object details;
  details["count"] = items.size();
  details["requestCount"] = 500;
  details["prevPageUrl"] = nullptr;
  if (next_page_url.empty()) {
    details["nextPageUrl"] = nullptr;
  } else {
    details["nextPageUrl"] = next_page_url;
  }
  o["pageDetails"] = std::move(details);
  return bj::serialize(o);
}

// A fake Autotask tenant behind a MockTransport, and a client for it.
struct Tenant {
  std::shared_ptr<http::MockTransport> mock = std::make_shared<http::MockTransport>();
  // Every line the client logs; the sink is thread-safe, as a shared client requires.
  struct LogSink {
    std::mutex mutex;
    std::vector<std::pair<at::LogLevel, std::string>> lines;
  };
  std::shared_ptr<LogSink> log_sink = std::make_shared<LogSink>();
  std::vector<std::pair<at::LogLevel, std::string>> log_lines() const {
    std::lock_guard lock(log_sink->mutex);
    return log_sink->lines;
  }

  explicit Tenant(std::string zone_body = kZoneBody) {
    mock->route(
        Method::kGet, "/ATServicesRest/V1.0/zoneInformation",
        [zone_body = std::move(zone_body)](const http::Request&) -> at::Result<http::Response> {
          return json_response(200, zone_body);
        });
  }

  ClientOptions options() const {
    ClientOptions o;
    o.credentials = {kUser, kSecret, kCode};
    // These tests count single requests: retries and the budget poll have tests of their own.
    o.retry.max_attempts = 1;
    o.limits.watch_budget = false;
    o.environment.sleep = [](std::chrono::milliseconds) {};
    auto sink = log_sink;
    o.logger = at::Logger(
        [sink](at::LogLevel level, std::string_view line) {
          std::lock_guard lock(sink->mutex);
          sink->lines.emplace_back(level, line);
        },
        at::LogLevel::kDebug);
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
  void answer(Method m, std::string path, http::Response response) const {
    mock->route(m, std::move(path),
                [response = std::move(response)](
                    const http::Request&) -> at::Result<http::Response> { return response; });
  }

  std::size_t zone_lookups() const {
    const auto rs = mock->requests();
    return static_cast<std::size_t>(std::count_if(rs.begin(), rs.end(), is_zone_lookup));
  }
};

Query all_companies() {
  Query q;
  q.filter = {Filter::exist("id")};
  return q;
}

void check_credentials(const http::Request& r) {
  CAPTURE(r.url);
  CHECK(r.headers.get("ApiIntegrationCode") == std::optional<std::string_view>(kCode));
  CHECK(r.headers.get("UserName") == std::optional<std::string_view>(kUser));
  CHECK(r.headers.get("Secret") == std::optional<std::string_view>(kSecret));
}

void check_no_credentials(const http::Request& r) {
  CAPTURE(r.url);
  CHECK_FALSE(r.headers.contains("ApiIntegrationCode"));
  CHECK_FALSE(r.headers.contains("UserName"));
  CHECK_FALSE(r.headers.contains("Secret"));
  CHECK_FALSE(r.headers.contains("ImpersonationResourceId"));
  for (const auto& [name, value] : r.headers.entries()) {
    CHECK_FALSE(contains(value, kSecret));
    CHECK_FALSE(contains(value, kCode));
  }
  CHECK_FALSE(contains(r.url, kSecret));
  CHECK_FALSE(contains(r.body, kSecret));
}

}  // namespace

TEST_SUITE("client") {
  TEST_CASE("Client::create refuses empty credentials and non-https URLs") {
    auto mock = std::make_shared<http::MockTransport>();
    auto base = [] {
      ClientOptions o;
      o.credentials = {kUser, kSecret, kCode};
      return o;
    };
    CHECK(Client::create(base(), mock).ok());
    CHECK(Client::create(base(), nullptr).error().code == ErrorCode::kInvalidArgument);
    for (int which = 0; which < 3; ++which) {
      ClientOptions o = base();
      (which == 0   ? o.credentials.username
       : which == 1 ? o.credentials.secret
                    : o.credentials.integration_code)
          .clear();
      auto c = Client::create(o, mock);
      REQUIRE_FALSE(c.ok());
      CHECK(c.error().code == ErrorCode::kInvalidArgument);
    }
    ClientOptions http_base = base();
    http_base.base_url = "http://webservices5.autotask.net/ATServicesRest/";
    CHECK(Client::create(http_base, mock).error().code == ErrorCode::kInvalidArgument);
    ClientOptions http_lookup = base();
    http_lookup.zone_lookup_url =
        "http://webservices2.autotask.net/ATServicesRest/V1.0/zoneInformation";
    CHECK(Client::create(http_lookup, mock).error().code == ErrorCode::kInvalidArgument);
    CHECK(mock->request_count() == 0);
  }

  TEST_CASE("zone discovery sends a GET with the URL-encoded user and no credential headers") {
    Tenant t;
    auto c = t.client();
    auto z = c->zone();
    REQUIRE_MESSAGE(z.ok(), (z.ok() ? "" : z.error().describe()));
    CHECK(z->zone_name == "US East 5");
    CHECK(z->url == kZoneUrl);
    CHECK(z->web_url == "https://ww5.autotask.net/");
    CHECK(z->ci == 29683616);

    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].method == Method::kGet);
    CHECK(rs[0].url == kLookupUrl + "?user=api.user%40example.com");
    CHECK(rs[0].body.empty());
    check_no_credentials(rs[0]);
    CHECK(c->request_count() == 1);
  }

  TEST_CASE("a username with + and other reserved characters is percent-encoded in the lookup") {
    Tenant t;
    ClientOptions o = t.options();
    o.credentials.username = "api+billing&x=1@example.com";
    auto c = t.client(o);
    REQUIRE(c->zone().ok());
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].url == kLookupUrl + "?user=api%2Bbilling%26x%3D1%40example.com");
  }

  TEST_CASE("a configured zone lookup URL is used instead of the default") {
    Tenant t;
    ClientOptions o = t.options();
    o.zone_lookup_url = "https://webservices24.autotask.net/atservicesrest/v1.0/zoneInformation";
    auto c = t.client(o);
    REQUIRE(c->zone().ok());
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].url ==
          "https://webservices24.autotask.net/atservicesrest/v1.0/zoneInformation"
          "?user=api.user%40example.com");
  }

  TEST_CASE("calls after discovery go to the zone and carry ApiIntegrationCode, UserName, Secret") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(200, page({company(1, "Acme Inc")}, "")));
    auto c = t.client();
    Query q = all_companies();
    q.include_fields = {"id", "companyName"};
    auto items = c->query("Companies", q);
    REQUIRE_MESSAGE(items.ok(), (items.ok() ? "" : items.error().describe()));
    REQUIRE(items->size() == 1);
    CHECK(items->at(0).at("companyName").as_string() == "Acme Inc");

    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 2);
    check_no_credentials(rs[0]);
    const http::Request& r = rs[1];
    CHECK(r.method == Method::kPost);
    CHECK(r.url == kApi + "Companies/query");
    check_credentials(r);
    CHECK(r.headers.get("Content-Type") ==
          std::optional<std::string_view>("application/json; charset=utf-8"));
    CHECK(bj::parse(r.body) ==
          bj::parse(
              R"({"IncludeFields":["id","companyName"],"filter":[{"op":"exist","field":"id"}]})"));
  }

  TEST_CASE("the zone is looked up once for many calls") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(200, page({company(1, "Acme Inc")}, "")));
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Companies/1",
             json_response(200, R"({"item":{"id":1,"companyName":"Acme Inc"}})"));
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies",
             json_response(200, R"({"itemId":2})"));
    auto c = t.client();
    for (int i = 0; i < 5; ++i) REQUIRE(c->query("Companies", all_companies()).ok());
    REQUIRE(c->get("Companies", 1).ok());
    REQUIRE(c->create("Companies", company(0, "New Co")).ok());
    REQUIRE(c->zone().ok());
    CHECK(t.zone_lookups() == 1);
    CHECK(t.mock->request_count() == 8);
    CHECK(c->request_count() == 8);
    const auto rs = t.mock->requests();
    for (std::size_t i = 1; i < rs.size(); ++i) check_credentials(rs[i]);
  }

  TEST_CASE("a client shared by several threads looks the zone up once and counts every request") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(200, page({company(1, "Acme Inc")}, "")));
    auto c = t.client();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(4);
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        for (int k = 0; k < 25; ++k) {
          auto r = c->query("Companies", all_companies());
          if (!r.ok() || r->size() != 1) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures.load() == 0);
    CHECK(t.zone_lookups() == 1);
    CHECK(t.mock->request_count() == 101);
    CHECK(c->request_count() == 101);
  }

  TEST_CASE("a zone URL without its trailing slash is normalised (BR-09)") {
    Tenant t(R"({"zoneName":"UK 3","url":"https://webservices28.autotask.net/atservicesrest",)"
             R"("webUrl":"https://ww28.autotask.net/","ci":123456})");
    t.answer(Method::kPost, "/atservicesrest/V1.0/Companies/query",
             json_response(200, page({}, "")));
    auto c = t.client();
    auto z = c->zone();
    REQUIRE(z.ok());
    CHECK(z->url == "https://webservices28.autotask.net/atservicesrest/");
    CHECK(z->zone_name == "UK 3");
    CHECK(z->ci == 123456);
    auto items = c->query("Companies", all_companies());
    REQUIRE(items.ok());
    CHECK(items->empty());
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 2);
    CHECK(rs[1].url == "https://webservices28.autotask.net/atservicesrest/V1.0/Companies/query");
    check_credentials(rs[1]);
  }

  TEST_CASE("an explicit base_url skips discovery") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(200, page({company(7, "Seven")}, "")));
    ClientOptions o = t.options();
    o.base_url = "https://webservices5.autotask.net/ATServicesRest";  // slash added by the client
    auto c = t.client(o);
    auto items = c->query("Companies", all_companies());
    REQUIRE(items.ok());
    CHECK(items->size() == 1);
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].url == kApi + "Companies/query");
    check_credentials(rs[0]);
    CHECK(t.zone_lookups() == 0);
    CHECK(c->request_count() == 1);
    auto z = c->zone();
    REQUIRE(z.ok());
    CHECK(z->url == kZoneUrl);
    CHECK(t.mock->request_count() == 1);
  }

  TEST_CASE("an unknown API username is kAuthentication and nothing else is sent (BR-08, BR-11)") {
    auto mock = std::make_shared<http::MockTransport>();
    mock->route(Method::kGet, "/ATServicesRest/V1.0/zoneInformation",
                [](const http::Request&) -> at::Result<http::Response> {
                  return json_response(
                      500, R"({"errors":["Zone information could not be determined"]})");
                });
    ClientOptions o;
    o.credentials = {"jane.doe@example.com", kSecret, kCode};
    auto c = *Client::create(o, mock);
    auto z = c->zone();
    REQUIRE_FALSE(z.ok());
    CHECK(z.error().code == ErrorCode::kAuthentication);
    CHECK(z.error().http_status == 500);

    auto q = c->query("Companies", all_companies());
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == ErrorCode::kAuthentication);
    // Only lookups were sent: no query went to a guessed default zone.
    const auto rs = mock->requests();
    REQUIRE_FALSE(rs.empty());
    for (const auto& r : rs) CHECK(is_zone_lookup(r));
  }

  TEST_CASE("a zone lookup answer that is not usable is refused") {
    SUBCASE("an http zone URL is kSecurity") {
      Tenant t(
          R"({"zoneName":"X","url":"http://webservices5.autotask.net/ATServicesRest/","ci":1})");
      auto z = t.client()->zone();
      REQUIRE_FALSE(z.ok());
      CHECK(z.error().code == ErrorCode::kSecurity);
    }
    SUBCASE("no url is kProtocol") {
      Tenant t(R"({"zoneName":"X","ci":1})");
      auto z = t.client()->zone();
      REQUIRE_FALSE(z.ok());
      CHECK(z.error().code == ErrorCode::kProtocol);
    }
    SUBCASE("a maintenance page is kOutage") {
      auto mock = std::make_shared<http::MockTransport>();
      mock->enqueue(html_response(200));
      ClientOptions o;
      o.credentials = {kUser, kSecret, kCode};
      auto z = (*Client::create(o, mock))->zone();
      REQUIRE_FALSE(z.ok());
      CHECK(z.error().code == ErrorCode::kOutage);
    }
  }

  TEST_CASE("BR-01: 537 companies over two pages are all returned") {
    Tenant t;
    const std::string next =
        "https://webservices5.autotask.net/atservicesrest/v1.0/Companies/query/next"
        "?paging=%7B%22pageSize%22%3A500%2C%22previousIds%22%3A%5B%5D%2C%22nextIds%22%3A%5B501%5D%"
        "7D";
    std::vector<bj::object> first, second;
    for (std::int64_t id = 1; id <= 500; ++id)
      first.push_back(company(id, "Company " + std::to_string(id)));
    for (std::int64_t id = 501; id <= 536; ++id)
      second.push_back(company(id, "Company " + std::to_string(id)));
    second.push_back(company(537, "Zeta Ltd"));
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(200, page(first, next)));
    t.answer(Method::kPost, "/atservicesrest/v1.0/Companies/query/next",
             json_response(200, page(second, "")));
    auto c = t.client();

    auto items = c->query("Companies", all_companies());
    REQUIRE_MESSAGE(items.ok(), (items.ok() ? "" : items.error().describe()));
    REQUIRE(items->size() == 537);
    for (std::size_t i = 0; i < items->size(); ++i) {
      REQUIRE(items->at(i).at("id").as_int64() == static_cast<std::int64_t>(i + 1));
    }
    CHECK(items->back().at("companyName").as_string() == "Zeta Ltd");

    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 3);
    CHECK(rs[1].method == Method::kPost);
    CHECK(rs[1].url == kApi + "Companies/query");
    CHECK(bj::parse(rs[1].body) == bj::parse(R"({"filter":[{"op":"exist","field":"id"}]})"));
    // Page 2: POST to nextPageUrl exactly as given, with the identical body and the credentials.
    CHECK(rs[2].method == Method::kPost);
    CHECK(rs[2].url == next);
    CHECK(rs[2].body == rs[1].body);
    check_credentials(rs[2]);

    // The typed form finds the org that only the second page holds.
    t.mock->clear_requests();
    auto companies = c->query_as<at::Company>(all_companies());
    REQUIRE(companies.ok());
    REQUIRE(companies->size() == 537);
    auto zeta = std::find_if(companies->begin(), companies->end(),
                             [](const at::Company& co) { return co.companyName == "Zeta Ltd"; });
    REQUIRE(zeta != companies->end());
    CHECK(zeta->id == 537);
    CHECK(t.mock->request_count() == 2);  // the zone stayed cached
  }

  TEST_CASE("BR-02: a failure on page 2 fails the whole listing") {
    const std::string next = kApi + "Companies/query/next?paging=X";
    std::vector<bj::object> first;
    for (std::int64_t id = 1; id <= 500; ++id) first.push_back(company(id, "C"));

    auto run = [&](http::MockTransport::Handler page2) {
      Tenant t;
      t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
               json_response(200, page(first, next)));
      t.route(Method::kPost, "/ATServicesRest/V1.0/Companies/query/next", std::move(page2));
      auto c = t.client();
      auto items = c->query("Companies", all_companies());
      CHECK(t.mock->request_count() == 3);
      return items;
    };

    SUBCASE("a 500 with errors[]") {
      auto items = run([](const http::Request&) -> at::Result<http::Response> {
        return json_response(
            500,
            R"({"errors":["An unexpected error has occurred. If the problem persists, please contact Autotask Support and reference Error ID: 1166"]})");
      });
      REQUIRE_FALSE(items.ok());
      CHECK(items.error().http_status == 500);
      REQUIRE(items.error().server_errors.size() == 1);
      CHECK(contains(items.error().server_errors[0], "Error ID: 1166"));
    }
    SUBCASE("a 405 for the wrong method") {
      auto items = run([](const http::Request&) -> at::Result<http::Response> {
        return json_response(
            405, R"({"Message":"The requested resource does not support http method 'GET'."})");
      });
      REQUIRE_FALSE(items.ok());
      CHECK(items.error().http_status == 405);
    }
    SUBCASE("a maintenance page") {
      auto items = run(
          [](const http::Request&) -> at::Result<http::Response> { return html_response(503); });
      REQUIRE_FALSE(items.ok());
      CHECK(items.error().code == ErrorCode::kOutage);
    }
    SUBCASE("a timeout") {
      auto items = run([](const http::Request&) -> at::Result<http::Response> {
        at::Error e(ErrorCode::kTimeout, "read timed out");
        e.request_sent = true;
        return e;
      });
      REQUIRE_FALSE(items.ok());
      CHECK(items.error().code == ErrorCode::kTimeout);
    }
    SUBCASE("a page without items") {
      auto items = run([](const http::Request&) -> at::Result<http::Response> {
        return json_response(200, R"({"pageDetails":{"nextPageUrl":null}})");
      });
      REQUIRE_FALSE(items.ok());
      CHECK(items.error().code == ErrorCode::kProtocol);
    }
  }

  TEST_CASE("BR-04: a nextPageUrl outside the zone is kSecurity and is never requested") {
    const std::string hostile[] = {
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one URL, split to fit the line
        "https://webservices5.autotask.net.evil.example/atservicesrest/v1.0/Companies/query/"
        "next?paging=x",
        "http://webservices5.autotask.net/atservicesrest/v1.0/Companies/query/next?paging=x",
        "https://webservices14.autotask.net/atservicesrest/v1.0/Companies/query/next?paging=x",
        "https://webservices5.autotask.net:8443/atservicesrest/v1.0/Companies/query/next?paging=x",
        "https://webservices5.autotask.net@evil.example/atservicesrest/v1.0/Companies/query/next",
        "https://evil.example/?secret=Sx7%23kQ2%21vW9z",
        "not a url at all",
    };
    for (const std::string& next : hostile) {
      CAPTURE(next);
      Tenant t;
      t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
               json_response(200, page({company(1, "A")}, next)));
      // Anything else that arrives would be answered, so only the count can tell.
      t.mock->route([](const http::Request&) { return true; },
                    [](const http::Request&) -> at::Result<http::Response> {
                      return json_response(200, page({company(2, "B")}, ""));
                    });
      auto c = t.client();
      auto items = c->query("Companies", all_companies());
      REQUIRE_FALSE(items.ok());
      CHECK(items.error().code == ErrorCode::kSecurity);
      CHECK_FALSE(items.error().request_sent);
      CHECK_FALSE(contains(items.error().describe(), kSecret));
      CHECK_FALSE(contains(items.error().describe(), "Sx7%23kQ2%21vW9z"));
      CHECK(t.mock->request_count() == 2);  // the zone lookup and page 1
      CHECK(c->request_count() == 2);
      for (const auto& r : t.mock->requests()) CHECK(r.url != next);
    }
  }

  TEST_CASE("BR-04: the refused host is named in the error and in a warning log line") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(
                 200, page({company(1, "A")},
                           "https://webservices5.autotask.net.evil.example/x?s=Sx7%23kQ2%21vW9z")));
    auto items = t.client()->query("Companies", all_companies());
    REQUIRE_FALSE(items.ok());
    CAPTURE(items.error().message);
    CHECK(contains(items.error().message, "webservices5.autotask.net.evil.example"));
    std::vector<std::string> warnings;
    for (const auto& [level, line] : t.log_lines()) {
      CHECK_FALSE(contains(line, kSecret));
      CHECK_FALSE(contains(line, "Sx7%23kQ2%21vW9z"));
      if (level >= at::LogLevel::kWarn) warnings.push_back(line);
    }
    REQUIRE(warnings.size() == 1);
    CHECK(contains(warnings[0], "webservices5.autotask.net.evil.example"));
  }

  TEST_CASE("a listing that never ends stops at max_pages with an error, not a partial list") {
    Tenant t;
    t.mock->route([](const http::Request& r) { return contains(r.url, "/Companies/query"); },
                  [](const http::Request&) -> at::Result<http::Response> {
                    return json_response(
                        200, page({company(1, "A")}, kApi + "Companies/query/next?paging=loop"));
                  });
    ClientOptions o = t.options();
    o.max_pages = 3;
    auto c = t.client(o);
    auto items = c->query("Companies", all_companies());
    REQUIRE_FALSE(items.ok());
    CHECK(items.error().code == ErrorCode::kProtocol);
    CHECK(t.mock->request_count() == 1 + 3);
  }

  TEST_CASE("an invalid query is refused before anything is sent") {
    Tenant t;
    auto c = t.client();
    auto r = c->query("Companies", Query{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK(t.mock->request_count() == 0);
    CHECK(c->request_count() == 0);
  }

  TEST_CASE("query_in with 1,234 ids sends 3 queries of at most 500 values and merges by id") {
    Tenant t;
    std::vector<std::size_t> in_sizes;
    t.route(Method::kPost, "/ATServicesRest/V1.0/ContractServiceUnits/query",
            [&in_sizes](const http::Request& r) -> at::Result<http::Response> {
              const bj::object body = bj::parse(r.body).as_object();
              const bj::array& filter = body.at("filter").as_array();
              std::vector<bj::object> items;
              for (const auto& f : filter) {
                const bj::object& cond = f.as_object();
                if (cond.at("op").as_string() != "in") continue;
                const bj::array& values = cond.at("value").as_array();
                in_sizes.push_back(values.size());
                // Answer in descending id order, plus a row every chunk shares.
                for (std::size_t i = values.size(); i-- > 0;) {
                  bj::object row;
                  row["id"] = 100'000 + values[i].as_int64();
                  row["contractServiceID"] = values[i].as_int64();
                  items.push_back(std::move(row));
                }
                bj::object shared;
                shared["id"] = 1;
                shared["contractServiceID"] = 0;
                items.push_back(std::move(shared));
              }
              return json_response(200, page(items, ""));
            });
    auto c = t.client();

    std::vector<std::int64_t> ids(1234);
    std::iota(ids.begin(), ids.end(), 5001);
    std::reverse(ids.begin(), ids.end());
    ids.push_back(5001);  // duplicates in the input
    ids.push_back(6000);
    Query extra;
    extra.filter = {Filter::eq("contractID", 300)};

    auto rows = c->query_in("ContractServiceUnits", "contractServiceID", ids, extra);
    REQUIRE_MESSAGE(rows.ok(), (rows.ok() ? "" : rows.error().describe()));
    CHECK(rows->size() == 1234 + 1);
    for (std::size_t i = 1; i < rows->size(); ++i) {
      REQUIRE(rows->at(i - 1).at("id").as_int64() < rows->at(i).at("id").as_int64());
    }
    CHECK(rows->front().at("id").as_int64() == 1);
    CHECK(rows->at(1).at("id").as_int64() == 105'001);
    CHECK(rows->back().at("id").as_int64() == 106'234);

    CHECK(in_sizes == std::vector<std::size_t>{500, 500, 234});
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 1 + 3);
    std::set<std::int64_t> sent;
    for (std::size_t i = 1; i < rs.size(); ++i) {
      CHECK(rs[i].url == kApi + "ContractServiceUnits/query");
      const bj::object body = bj::parse(rs[i].body).as_object();
      const bj::array& filter = body.at("filter").as_array();
      REQUIRE(filter.size() == 2);
      CHECK(filter[0] == bj::parse(R"({"op":"eq","field":"contractID","value":300})"));
      for (const auto& v : filter[1].as_object().at("value").as_array()) {
        sent.insert(v.as_int64());
      }
    }
    CHECK(sent.size() == 1234);
    CHECK(*sent.begin() == 5001);
    CHECK(*sent.rbegin() == 6234);
  }

  TEST_CASE("query_in with an empty id list sends nothing") {
    Tenant t;
    auto c = t.client();
    auto rows = c->query_in("ContractServiceUnits", "contractServiceID", {});
    REQUIRE(rows.ok());
    CHECK(rows->empty());
    CHECK(t.mock->request_count() == 0);
    CHECK(c->request_count() == 0);
    auto typed = c->query_in_as<at::ContractServiceUnit>("contractServiceID", {});
    REQUIRE(typed.ok());
    CHECK(typed->empty());
    CHECK(t.mock->request_count() == 0);
  }

  TEST_CASE("query_in fails as a whole when one chunk fails") {
    Tenant t;
    int calls = 0;
    t.route(Method::kPost, "/ATServicesRest/V1.0/Services/query",
            [&calls](const http::Request&) -> at::Result<http::Response> {
              if (++calls == 2) return json_response(429, R"({"errors":["threshold exceeded"]})");
              return json_response(200, page({}, ""));
            });
    std::vector<std::int64_t> ids(1200);
    std::iota(ids.begin(), ids.end(), 1);
    auto rows = t.client()->query_in("Services", "id", ids);
    REQUIRE_FALSE(rows.ok());
    CHECK(rows.error().code == ErrorCode::kRateLimited);
  }

  TEST_CASE("get returns the item, and nullopt for item null and for a JSON 404") {
    Tenant t;
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Contracts/300",
             json_response(
                 200, R"({"item":{"id":300,"companyID":101,"contractType":7,"status":1,)"
                      R"("startDate":"2025-01-01T00:00:00","endDate":"2025-12-31T00:00:00"}})"));
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Contracts/301",
             json_response(200, R"({"item":null})"));
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Contracts/302",
             json_response(404, R"({"errors":["Contract 302 not found"]})"));
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Contracts/303", html_response(404));
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Contracts/304",
             json_response(500, R"({"errors":["Something broke"]})"));
    auto c = t.client();

    auto found = c->get("Contracts", 300);
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->at("id").as_int64() == 300);
    auto contract = at::Contract::from_json(**found);
    REQUIRE(contract.ok());
    CHECK(contract->endDate == at::Field<at::Date>(std::chrono::year{2025} / 12 / 31));

    auto null_item = c->get("Contracts", 301);
    REQUIRE(null_item.ok());
    CHECK_FALSE(null_item->has_value());

    auto missing = c->get("Contracts", 302);
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());

    // A maintenance page is not "not found".
    auto html = c->get("Contracts", 303);
    REQUIRE_FALSE(html.ok());
    CHECK(html.error().code == ErrorCode::kOutage);

    auto broken = c->get("Contracts", 304);
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().http_status == 500);
    CHECK(broken.error().server_errors == std::vector<std::string>{"Something broke"});

    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 6);
    CHECK(rs[1].method == Method::kGet);
    CHECK(rs[1].url == kApi + "Contracts/300");
    check_credentials(rs[1]);
  }

  TEST_CASE("create posts to the child path and returns the itemId") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Contracts/300/ServiceAdjustments",
             json_response(200, R"({"itemId":4294967296})"));
    auto c = t.client();

    at::ContractServiceAdjustment a;
    a.contractID = 300;
    a.contractServiceID = 5001;
    a.serviceID = 77;
    a.unitChange = 5;
    a.effectiveDate = std::chrono::year{2026} / 3 / 15;
    a.adjustedUnitCost = at::Decimal::from_integer(3);
    const bj::object body = a.to_json("12:00:00");

    const std::string path = std::string(at::ContractServiceAdjustment::kParent) + "/300/" +
                             std::string(at::ContractServiceAdjustment::kChildPath);
    CHECK(path == "Contracts/300/ServiceAdjustments");
    auto id = c->create(path, body);
    REQUIRE_MESSAGE(id.ok(), (id.ok() ? "" : id.error().describe()));
    CHECK(*id == 4294967296LL);

    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 2);
    const http::Request& r = rs[1];
    CHECK(r.method == Method::kPost);
    CHECK(r.url == kApi + "Contracts/300/ServiceAdjustments");
    check_credentials(r);
    CHECK(r.headers.get("Content-Type") ==
          std::optional<std::string_view>("application/json; charset=utf-8"));
    CHECK(bj::parse(r.body) ==
          bj::parse(R"({"contractID":300,"contractServiceID":5001,"serviceID":77,"unitChange":5,)"
                    R"("effectiveDate":"2026-03-15T12:00:00","adjustedUnitCost":3})"));
  }

  TEST_CASE("create sends non-ASCII text as UTF-8 bytes (BR-18)") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies",
             json_response(200, R"({"itemId":641})"));
    const std::string cafe =
        "Caf\xC3\xA9 \xC3\x8Fle d\xE2\x80\x99Orl\xC3\xA9"
        "ans";
    bj::object body;
    body["companyName"] = cafe;
    body["companyType"] = 1;
    auto id = t.client()->create("Companies", body);
    REQUIRE(id.ok());
    CHECK(*id == 641);
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 2);
    CHECK(contains(rs[1].body, "\"companyName\":\"" + cafe + "\""));
    CHECK(bj::parse(rs[1].body).as_object().at("companyName").as_string() == cafe);
  }

  TEST_CASE("a 500 with errors[] on create surfaces status 500 and the text (BR-12)") {
    Tenant t;
    const std::string text =
        "AssignedResourceID, AssignedResourceRoleID, and QueueID cannot all be empty.";
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Tickets",
             json_response(500, R"({"errors":[")" + text + R"("]})"));
    bj::object ticket;
    ticket["companyID"] = 641;
    ticket["title"] = "User locked out";
    ticket["status"] = 1;
    ticket["priority"] = 2;
    ticket["dueDateTime"] = "2026-03-10T20:00:00Z";
    auto id = t.client()->create("Tickets", ticket);
    REQUIRE_FALSE(id.ok());
    const at::Error& e = id.error();
    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.http_status == 500);
    CHECK(e.server_errors == std::vector<std::string>{text});
    CHECK(e.request_sent);
    CHECK(contains(e.describe(), "HTTP 500"));
    CHECK(contains(e.describe(), text));
  }

  TEST_CASE("create without an itemId in the answer is kProtocol and counts as sent") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Tickets", json_response(200, R"({"id":5})"));
    auto id = t.client()->create("Tickets", bj::object{{"title", "x"}});
    REQUIRE_FALSE(id.ok());
    CHECK(id.error().code == ErrorCode::kProtocol);
    CHECK(id.error().request_sent);
  }

  TEST_CASE("a create that fails in zone discovery was never sent") {
    SUBCASE("the lookup is refused") {
      auto mock = std::make_shared<http::MockTransport>();
      mock->enqueue_json(500, R"({"errors":["Zone information could not be determined"]})");
      ClientOptions o;
      o.credentials = {kUser, kSecret, kCode};
      auto id = (*Client::create(o, mock))->create("Tickets", bj::object{{"title", "x"}});
      REQUIRE_FALSE(id.ok());
      CHECK(id.error().code == ErrorCode::kAuthentication);
      CHECK_FALSE(id.error().request_sent);
      REQUIRE(mock->request_count() == 1);
      CHECK(is_zone_lookup(mock->requests()[0]));
    }
    SUBCASE("the lookup times out after it was sent") {
      auto mock = std::make_shared<http::MockTransport>();
      at::Error timeout(ErrorCode::kTimeout, "read timed out");
      timeout.request_sent = true;
      mock->enqueue(timeout);
      ClientOptions o;
      o.credentials = {kUser, kSecret, kCode};
      auto id = (*Client::create(o, mock))->create("Tickets", bj::object{{"title", "x"}});
      REQUIRE_FALSE(id.ok());
      CHECK(id.error().code == ErrorCode::kTimeout);
      CHECK_FALSE(id.error().request_sent);
      CHECK(mock->request_count() == 1);
    }
  }

  TEST_CASE("request_count counts every request, the zone lookup and failed ones included") {
    Tenant t;
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(200, page({company(1, "A")}, kApi + "Companies/query/next?paging=2")));
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query/next",
             json_response(200, page({company(2, "B")}, "")));
    t.answer(Method::kGet, "/ATServicesRest/V1.0/Companies/9",
             json_response(404, R"({"errors":[]})"));
    t.route(Method::kPost, "/ATServicesRest/V1.0/Companies",
            [](const http::Request&) -> at::Result<http::Response> {
              at::Error e(ErrorCode::kTransport, "connection reset");
              e.request_sent = true;
              return e;
            });
    auto c = t.client();
    CHECK(c->request_count() == 0);
    REQUIRE(c->zone().ok());
    CHECK(c->request_count() == 1);
    REQUIRE(c->query("Companies", all_companies())->size() == 2);
    CHECK(c->request_count() == 3);
    REQUIRE(c->get("Companies", 9).ok());
    CHECK(c->request_count() == 4);
    auto failed = c->create("Companies", company(0, "X"));
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == ErrorCode::kTransport);
    CHECK(failed.error().request_sent);
    CHECK(c->request_count() == 5);
    CHECK(t.mock->request_count() == 5);
  }

  TEST_CASE("canary: a secret echoed back by the server appears in no error and no log line") {
    const std::string canary = "CANARY-SECRET-7f3a";
    Tenant t;
    ClientOptions o = t.options();
    o.credentials.secret = canary;
    std::vector<at::Error> errors;

    t.answer(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             json_response(
                 500, R"({"errors":["Login failed: Secret 'CANARY-SECRET-7f3a' is not valid."]})"));
    t.answer(
        Method::kPost, "/ATServicesRest/V1.0/Tickets",
        json_response(
            401, R"({"Message":"Authorization has been denied for Secret=CANARY-SECRET-7f3a"})"));
    t.answer(
        Method::kGet, "/ATServicesRest/V1.0/Contracts/300",
        json_response(404, R"({"errors":[{"message":"no contract for CANARY-SECRET-7f3a"}]})"));
    t.answer(
        Method::kGet, "/ATServicesRest/V1.0/Contracts/301",
        json_response(403, R"({"errors":["denied: CANARY-SECRET-7f3a / CANARY-SECRET-7f3a"]})"));
    t.route(Method::kPost, "/ATServicesRest/V1.0/Contracts/300/ServiceAdjustments",
            [canary](const http::Request&) -> at::Result<http::Response> {
              return at::Error(ErrorCode::kTransport, "TLS alert after sending Secret: " + canary);
            });
    t.answer(Method::kPost, "/ATServicesRest/V1.0/Services/query",
             json_response(200, page({}, "https://evil.example/next?s=" + canary)));
    auto c = t.client(o);

    auto q = c->query("Companies", all_companies());
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().http_status == 500);
    REQUIRE(q.error().server_errors.size() == 1);
    CHECK(q.error().server_errors[0] == "Login failed: Secret '***' is not valid.");
    errors.push_back(q.error());

    auto created = c->create("Tickets", bj::object{{"title", "x"}});
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().code == ErrorCode::kAuthentication);
    errors.push_back(created.error());

    auto got = c->get("Contracts", 300);  // a 404 is "not found", not an error
    REQUIRE(got.ok());
    CHECK_FALSE(got->has_value());

    auto denied = c->get("Contracts", 301);
    REQUIRE_FALSE(denied.ok());
    CHECK(denied.error().code == ErrorCode::kPermission);
    errors.push_back(denied.error());

    auto transport = c->create("Contracts/300/ServiceAdjustments", bj::object{{"unitChange", 1}});
    REQUIRE_FALSE(transport.ok());
    CHECK(transport.error().code == ErrorCode::kTransport);
    errors.push_back(transport.error());

    auto hostile = c->query("Services", all_companies());
    REQUIRE_FALSE(hostile.ok());
    CHECK(hostile.error().code == ErrorCode::kSecurity);
    errors.push_back(hostile.error());

    REQUIRE(errors.size() == 5);
    for (const at::Error& e : errors) {
      CAPTURE(e.describe());
      CHECK_FALSE(contains(e.message, canary));
      for (const auto& s : e.server_errors) CHECK_FALSE(contains(s, canary));
      CHECK_FALSE(contains(e.describe(), canary));
    }
    REQUIRE_FALSE(t.log_lines().empty());  // the debug logger did see every request
    CHECK(t.log_lines().size() >= 7);
    for (const auto& entry : t.log_lines()) {
      const std::string& line = entry.second;
      CAPTURE(line);
      CHECK_FALSE(contains(line, canary));
      CHECK_FALSE(contains(line, kCode));
    }
    // The zone lookup did not carry it either.
    const http::Request lookup = t.mock->requests().at(0);
    REQUIRE(is_zone_lookup(lookup));
    check_no_credentials(lookup);
    CHECK_FALSE(contains(lookup.url, canary));
    for (const auto& [name, value] : lookup.headers.entries()) CHECK_FALSE(contains(value, canary));
  }

}  // TEST_SUITE
