// Retry, backoff and zone rules of the Autotask client, with time injected so that no test waits.
// Expected values come from the documentation: field-cases.md BR-05 (429 and Retry-After), BR-07
// (thread limit), BR-09 (zone hosts), BR-10 (401 and zone moves), BR-11 (bad credentials as 500),
// BR-30 (no blind retry of creates); autotask-api.md §1 (zone discovery), §2 (credentials), §4.4
// (status codes and what is retryable), §7.3 (thread-limit text); and the header comments of
// client.hpp and policies.hpp.
#include <autotask_sync/client/client.hpp>
#include <autotask_sync/client/policies.hpp>
#include <autotask_sync/http/mock_transport.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
using at::RequestKind;
using http::Method;
using ms = std::chrono::milliseconds;
using std::chrono::seconds;
using sys_clock = std::chrono::system_clock;

#include "client/support.hpp"

using namespace client_test;

namespace {

const std::string kUserEncoded = "api.user%40example.com";
const std::string kZone5Url = "https://webservices5.autotask.net/ATServicesRest/";
const std::string kZone14Url = "https://webservices14.autotask.net/ATServicesRest/";
const std::string kZone5 =
    R"({"zoneName":"US East 5","url":"https://webservices5.autotask.net/ATServicesRest/",)"
    R"("webUrl":"https://ww5.autotask.net/","ci":29683616})";
const std::string kZone14 =
    R"({"zoneName":"US East 14","url":"https://webservices14.autotask.net/ATServicesRest/",)"
    R"("webUrl":"https://ww14.autotask.net/","ci":29683616})";
const std::string kCompany5Path = "/ATServicesRest/V1.0/Companies/5";
const std::string kCompany5 = R"({"item":{"id":5,"companyName":"Acme Inc"}})";
const std::string kThreadLimitBody =
    R"({"errors":["Thread Threshold Exceeded \u2014 The Autotask API thread threshold of 3 )"
    R"(threads has been exceeded. Itgenatr005"]})";
const std::string kHourlyLimitBody =
    R"({"errors":["The API request threshold for this database has been exceeded."]})";

// 2026-03-10 12:00:00 UTC, a Tuesday.

// A tracking identifier of its own for each client: the endpoint gates and the budget are shared
// across the process per zone and integration code, so tests must not share them by accident.
// Injected time: a clock the test moves, and a sleep that records each wait and moves the clock
// by it instead of sleeping.
http::Response with_header(http::Response r, std::string name, std::string value) {
  r.headers.set(std::move(name), std::move(value));
  return r;
}

http::Response html_response(int status) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html");
  r.body = "<!DOCTYPE html><html><body><h1>Scheduled maintenance</h1></body></html>";
  return r;
}

at::Error transport_error(ErrorCode code, std::string message, bool request_sent) {
  at::Error e(code, std::move(message));
  e.request_sent = request_sent;
  return e;
}

using Answer = at::Result<http::Response>;

// Answers in order; the last one is repeated once the list is used up.
http::MockTransport::Handler sequence(std::vector<Answer> answers) {
  struct State {
    std::mutex mutex;
    std::size_t next = 0;
  };
  auto state = std::make_shared<State>();
  return [answers = std::move(answers), state](const http::Request&) -> Answer {
    std::lock_guard lock(state->mutex);
    const std::size_t i = std::min(state->next++, answers.size() - 1);
    return answers[i];
  };
}

bool is_zone_lookup(const http::Request& r) {
  return contains(http::url_path(r.url), "zoneInformation");
}

// A fake tenant: the zone lookup answers zone_bodies in turn (the last one repeated), and a
// client with injected time, a fresh integration code and a debug log sink.
struct Tenant {
  std::shared_ptr<http::MockTransport> mock = std::make_shared<http::MockTransport>();
  FakeTime time;
  std::string code = fresh_code("POLICYTESTS");
  struct LogSink {
    std::mutex mutex;
    std::vector<std::pair<at::LogLevel, std::string>> lines;
  };
  std::shared_ptr<LogSink> log_sink = std::make_shared<LogSink>();

  explicit Tenant(std::vector<std::string> zone_bodies = {kZone5}) {
    std::vector<Answer> answers;
    answers.reserve(zone_bodies.size());
    for (auto& b : zone_bodies) answers.emplace_back(json_response(200, std::move(b)));
    mock->route(Method::kGet, "/ATServicesRest/V1.0/zoneInformation", sequence(answers));
  }
  explicit Tenant(http::MockTransport::Handler zone_lookup) {
    mock->route(Method::kGet, "/ATServicesRest/V1.0/zoneInformation", std::move(zone_lookup));
  }

  ClientOptions options(double random = 0.5) const {
    ClientOptions o;
    o.credentials = {kUser, kSecret, code};
    o.limits.watch_budget = false;  // the budget has tests of its own (limits_tests.cpp)
    o.environment = time.environment(random);
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
  void script(Method m, std::string path, std::vector<Answer> answers) const {
    mock->route(m, std::move(path), sequence(std::move(answers)));
  }

  std::vector<http::Request> calls() const {  // every request but the zone lookups
    std::vector<http::Request> out;
    for (auto& r : mock->requests()) {
      if (!is_zone_lookup(r)) out.push_back(r);
    }
    return out;
  }
  std::size_t zone_lookups() const {
    const auto rs = mock->requests();
    return static_cast<std::size_t>(std::count_if(rs.begin(), rs.end(), is_zone_lookup));
  }
  std::vector<std::pair<at::LogLevel, std::string>> log_lines() const {
    std::lock_guard lock(log_sink->mutex);
    return log_sink->lines;
  }
};

void check_credentials(const http::Request& r, const std::string& code) {
  CAPTURE(r.url);
  CHECK(r.headers.get("ApiIntegrationCode") == std::optional<std::string_view>(code));
  CHECK(r.headers.get("UserName") == std::optional<std::string_view>(kUser));
  CHECK(r.headers.get("Secret") == std::optional<std::string_view>(kSecret));
}

at::Error error_of(ErrorCode code, bool request_sent) {
  at::Error e(code, "test");
  e.request_sent = request_sent;
  return e;
}

std::string describe(const at::Error& e) {
  return e.describe();
}

}  // namespace

TEST_SUITE("client policies") {
  // ---------------------------------------------------------------------------------------------
  // parse_retry_after
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("parse_retry_after reads delay-seconds") {
    const auto now = kStart;
    auto r = at::parse_retry_after("120", now);
    REQUIRE(r.has_value());
    CHECK(r->count() == 120000);

    r = at::parse_retry_after("0", now);
    REQUIRE(r.has_value());
    CHECK(r->count() == 0);

    r = at::parse_retry_after("300", now);
    REQUIRE(r.has_value());
    CHECK(r->count() == 300000);

    r = at::parse_retry_after(" 120 ", now);  // surrounding whitespace is not part of the value
    REQUIRE(r.has_value());
    CHECK(r->count() == 120000);
  }

  TEST_CASE("parse_retry_after reads an HTTP date relative to the injected now (BR-05)") {
    // BR-05's date: Wed, 21 Oct 2026 07:28:00 GMT.
    const auto at_0727_30 = std::chrono::sys_days{std::chrono::year{2026} / 10 / 21} +
                            std::chrono::hours{7} + std::chrono::minutes{27} + seconds{30};
    auto r = at::parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", at_0727_30);
    REQUIRE(r.has_value());
    CHECK(r->count() == 30000);

    // Another date 30 s after another now.
    r = at::parse_retry_after("Tue, 10 Mar 2026 12:00:30 GMT", kStart);
    REQUIRE(r.has_value());
    CHECK(r->count() == 30000);

    // Exactly now, and in the past: no wait is owed.
    r = at::parse_retry_after("Tue, 10 Mar 2026 12:00:00 GMT", kStart);
    REQUIRE(r.has_value());
    CHECK(r->count() == 0);
    r = at::parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", at_0727_30 + std::chrono::hours{1});
    REQUIRE(r.has_value());
    CHECK(r->count() == 0);
    r = at::parse_retry_after("Mon, 09 Mar 2026 12:00:00 GMT", kStart);
    REQUIRE(r.has_value());
    CHECK(r->count() == 0);
  }

  TEST_CASE("parse_retry_after gives nullopt for what is not a delay") {
    for (const char* garbage :
         {"", "   ", "soon", "-5", "1.5", "12 s", "0x10", "Wed, 32 Oct 2026 07:28:00 GMT",
          "Wed, 21 Foo 2026 07:28:00 GMT", "Wed, 21 Oct 2026 25:00:00 GMT", "21 Oct 2026",
          "Wed, 21 Oct 2026 07:28:00"}) {
      CAPTURE(garbage);
      CHECK_FALSE(at::parse_retry_after(garbage, kStart).has_value());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // BackoffPolicy and RetryPolicy as values
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("the documented defaults") {
    const at::RetryPolicy retry;
    CHECK(retry.total_budget == std::chrono::minutes(5));
    const at::BackoffPolicy backoff;
    CHECK(backoff.floor.count() == 1000);
    CHECK(backoff.cap.count() == 60000);
    CHECK(backoff.rate_limited_default.count() == 60000);  // §7.1: default to about 60 s
    const at::LimitPolicy limits;
    CHECK(limits.max_in_flight_per_endpoint == 3);  // BR-07, §7.3
    CHECK(limits.watch_budget);
    const ClientOptions options;
    CHECK(options.zone_ttl == std::chrono::hours(24));  // BR-10
  }

  TEST_CASE("BackoffPolicy: Retry-After wins and is floored at 1 s, so 0 never hot-loops") {
    const at::BackoffPolicy p;
    const at::Error rl = error_of(ErrorCode::kRateLimited, true);
    CHECK(p.delay(1, rl, ms(0), 0.5).count() == 1000);
    CHECK(p.delay(1, rl, ms(0), 0.0).count() == 1000);
    CHECK(p.delay(4, rl, ms(250), 0.5).count() == 1000);
    CHECK(p.delay(1, rl, seconds(120), 0.5).count() == 120000);
    // The server's word is kept even above the cap.
    CHECK(p.delay(2, rl, seconds(300), 0.9).count() == 300000);
    // A Retry-After on an outage counts too.
    CHECK(p.delay(1, error_of(ErrorCode::kOutage, true), seconds(7), 0.5).count() == 7000);
  }

  TEST_CASE("BackoffPolicy: a 429 without Retry-After waits rate_limited_default") {
    at::BackoffPolicy p;
    const at::Error rl = error_of(ErrorCode::kRateLimited, true);
    for (int attempt : {1, 2, 5}) {
      for (double r : {0.0, 0.5, 0.999}) {
        CAPTURE(attempt);
        CAPTURE(r);
        CHECK(p.delay(attempt, rl, std::nullopt, r).count() == 60000);
      }
    }
    p.rate_limited_default = std::chrono::seconds(90);
    CHECK(p.delay(1, rl, std::nullopt, 0.5).count() == 90000);
  }

  TEST_CASE("BackoffPolicy: exponential growth with full jitter, bounded by the cap, floored") {
    const at::BackoffPolicy p;  // initial 1 s, x2, cap 60 s, floor 1 s
    const at::Error outage = error_of(ErrorCode::kOutage, true);
    // random 0.5 takes half of min(cap, 1 s * 2^(attempt-1)), then the 1 s floor.
    const std::int64_t expected[] = {1000,  1000,  2000,  4000,  8000,
                                     16000, 30000, 30000, 30000, 30000};
    for (int attempt = 1; attempt <= 10; ++attempt) {
      CAPTURE(attempt);
      CHECK(p.delay(attempt, outage, std::nullopt, 0.5).count() == expected[attempt - 1]);
    }
    // The top of the jitter range: random 0.999 at attempt 10 stays within the cap.
    const auto top = p.delay(10, outage, std::nullopt, 0.999);
    CHECK(top.count() <= 60000);
    CHECK(top.count() >= 59000);
    // The bottom: random 0 is the floor, never 0 ms.
    for (int attempt = 1; attempt <= 10; ++attempt) {
      CHECK(p.delay(attempt, outage, std::nullopt, 0.0).count() == 1000);
    }
    // Every draw lies in [floor, max(floor, min(cap, initial * 2^(attempt-1)))].
    for (int attempt = 1; attempt <= 40; ++attempt) {
      const double bound = std::min(60000.0, 1000.0 * std::pow(2.0, attempt - 1));
      for (double r : {0.0, 0.1, 0.5, 0.75, 0.999, 1.0}) {
        CAPTURE(attempt);
        CAPTURE(r);
        const auto d = p.delay(attempt, outage, std::nullopt, r).count();
        CHECK(d >= 1000);
        CHECK(static_cast<double>(d) <= std::max(1000.0, bound));
      }
    }
    // The thread limit backs off the same way (it is about concurrency, not the hourly window).
    CHECK(p.delay(1, error_of(ErrorCode::kThreadLimit, true), std::nullopt, 0.5).count() == 1000);
    CHECK(p.delay(3, error_of(ErrorCode::kThreadLimit, true), std::nullopt, 0.5).count() == 2000);
  }

  TEST_CASE("RetryPolicy: which failures may be sent again, by kind of request") {
    const at::RetryPolicy p;
    const RequestKind kinds[] = {RequestKind::kRead, RequestKind::kUpdate, RequestKind::kCreate};
    // Autotask refused before acting: every kind.
    for (auto kind : kinds) {
      CHECK(p.retryable(error_of(ErrorCode::kRateLimited, true), kind));
      CHECK(p.retryable(error_of(ErrorCode::kThreadLimit, true), kind));
      // Never left the machine: every kind.
      CHECK(p.retryable(error_of(ErrorCode::kTransport, false), kind));
      CHECK(p.retryable(error_of(ErrorCode::kTimeout, false), kind));
    }
    // Sent, and the outcome is unknown: reads and updates only (BR-30).
    for (auto code : {ErrorCode::kOutage, ErrorCode::kTimeout, ErrorCode::kTransport}) {
      CAPTURE(at::to_string(code));
      CHECK(p.retryable(error_of(code, true), RequestKind::kRead));
      CHECK(p.retryable(error_of(code, true), RequestKind::kUpdate));
      CHECK_FALSE(p.retryable(error_of(code, true), RequestKind::kCreate));
    }
    // Answers that another attempt will not change.
    for (auto code : {ErrorCode::kValidation, ErrorCode::kAuthentication, ErrorCode::kPermission,
                      ErrorCode::kNotFound, ErrorCode::kSecurity, ErrorCode::kProtocol,
                      ErrorCode::kInvalidArgument, ErrorCode::kConflict, ErrorCode::kUnsupported,
                      ErrorCode::kInternal}) {
      for (auto kind : kinds) {
        CAPTURE(at::to_string(code));
        CHECK_FALSE(p.retryable(error_of(code, true), kind));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // BR-05 over the client
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("BR-05: three 429s then 200 succeed after 4 requests, each wait recorded") {
    SUBCASE("without Retry-After: rate_limited_default each time") {
      Tenant t;
      t.script(Method::kGet, kCompany5Path,
               {json_response(429, kHourlyLimitBody), json_response(429, kHourlyLimitBody),
                json_response(429, kHourlyLimitBody), json_response(200, kCompany5)});
      auto c = t.client();
      auto r = c->get("Companies", 5);
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
      REQUIRE(r->has_value());
      CHECK((**r).at("id").as_int64() == 5);
      CHECK(t.calls().size() == 4);
      CHECK(t.time.waits() == "60000,60000,60000");
    }
    SUBCASE("with Retry-After 1, 2, 3") {
      Tenant t;
      t.script(Method::kGet, kCompany5Path,
               {with_header(json_response(429, kHourlyLimitBody), "Retry-After", "1"),
                with_header(json_response(429, kHourlyLimitBody), "Retry-After", "2"),
                with_header(json_response(429, kHourlyLimitBody), "Retry-After", "3"),
                json_response(200, kCompany5)});
      auto c = t.client();
      auto r = c->get("Companies", 5);
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
      CHECK(t.calls().size() == 4);
      CHECK(t.time.waits() == "1000,2000,3000");
      for (const auto& req : t.calls()) check_credentials(req, t.code);
    }
  }

  TEST_CASE("BR-05: Retry-After 300 with a 5-minute budget is waited in full, then success") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {with_header(json_response(429, kHourlyLimitBody), "Retry-After", "300"),
              json_response(200, kCompany5)});
    ClientOptions o = t.options();
    o.retry.total_budget = std::chrono::minutes(5);
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "300000");
  }

  TEST_CASE("BR-05: Retry-After 301 over a 300 s budget is kRateLimited at once with the hint") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {with_header(json_response(429, kHourlyLimitBody), "Retry-After", "301"),
              json_response(200, kCompany5)});
    ClientOptions o = t.options();
    o.retry.total_budget = std::chrono::seconds(300);
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kRateLimited);
    CHECK(r.error().http_status == 429);
    REQUIRE(r.error().retry_after.has_value());
    CHECK(r.error().retry_after->count() >= 300000);
    CHECK(r.error().retry_after->count() <= 302000);
    CHECK(t.calls().size() == 1);   // no second request
    CHECK(t.time.waits().empty());  // and no wait: the caller reschedules
  }

  TEST_CASE("BR-05: Retry-After 0 waits the 1 s floor, not zero") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {with_header(json_response(429, kHourlyLimitBody), "Retry-After", "0"),
              json_response(200, kCompany5)});
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "1000");
  }

  TEST_CASE("BR-05: a Retry-After HTTP date 30 s ahead of the injected now waits 30 s") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {with_header(json_response(429, kHourlyLimitBody), "Retry-After",
                          "Tue, 10 Mar 2026 12:00:30 GMT"),
              json_response(200, kCompany5)});
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "30000");
  }

  TEST_CASE("BR-05: a Retry-After date in the past waits the floor") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {with_header(json_response(429, kHourlyLimitBody), "Retry-After",
                          "Mon, 09 Mar 2026 12:00:00 GMT"),
              json_response(200, kCompany5)});
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.time.waits() == "1000");
  }

  TEST_CASE("BR-05: a 429 without Retry-After then 200 waits the default once") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {json_response(429, kHourlyLimitBody), json_response(200, kCompany5)});
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "60000");
  }

  TEST_CASE("BR-05: the total budget counts the waits added up") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path, {json_response(429, kHourlyLimitBody)});
    ClientOptions o = t.options();
    o.retry.max_attempts = 10;
    o.retry.total_budget = std::chrono::seconds(150);  // room for two waits of 60 s, not three
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kRateLimited);
    CHECK(t.calls().size() == 3);
    CHECK(t.time.waits() == "60000,60000");
    REQUIRE(r.error().retry_after.has_value());
    CHECK(r.error().retry_after->count() == 60000);
  }

  TEST_CASE("BR-05: when the attempts run out on 429s, the error still suggests when to retry") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path, {json_response(429, kHourlyLimitBody)});
    ClientOptions o = t.options();
    o.retry.max_attempts = 3;
    o.retry.total_budget = std::chrono::minutes(30);
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kRateLimited);
    CHECK(t.calls().size() == 3);
    CHECK(t.time.waits() == "60000,60000");
    // A typed RateLimited error carries the suggested retry time (BR-05), here the default.
    REQUIRE(r.error().retry_after.has_value());
    CHECK(r.error().retry_after->count() == 60000);
  }

  TEST_CASE("max_attempts counts every attempt, the first included; 1 disables retries") {
    SUBCASE("3 attempts") {
      Tenant t;
      t.script(Method::kGet, kCompany5Path, {json_response(502, R"({"errors":[]})")});
      ClientOptions o = t.options();
      o.retry.max_attempts = 3;
      auto c = t.client(o);
      auto r = c->get("Companies", 5);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kOutage);
      CHECK(t.calls().size() == 3);
      CHECK(t.time.waits() == "1000,1000");
    }
    SUBCASE("1 attempt") {
      Tenant t;
      t.script(Method::kGet, kCompany5Path, {json_response(502, R"({"errors":[]})")});
      ClientOptions o = t.options();
      o.retry.max_attempts = 1;
      auto c = t.client(o);
      CHECK_FALSE(c->get("Companies", 5).ok());
      CHECK(t.calls().size() == 1);
      CHECK(t.time.waits().empty());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Thread limit, validation errors, outages (BR-07, BR-11, §4.4, §7.3)
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("BR-07: the thread-limit text is retried, under status 500 and under 429") {
    for (int status : {500, 429}) {
      CAPTURE(status);
      Tenant t;
      t.script(Method::kGet, kCompany5Path,
               {json_response(status, kThreadLimitBody), json_response(200, kCompany5)});
      auto c = t.client();
      auto r = c->get("Companies", 5);
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
      CHECK(t.calls().size() == 2);
      // A concurrency refusal backs off briefly; the hour-long 429 default does not apply.
      CHECK(t.time.waits() == "1000");
    }
  }

  TEST_CASE("BR-07: repeated thread-limit refusals back off exponentially with jitter") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {json_response(500, kThreadLimitBody), json_response(500, kThreadLimitBody),
              json_response(500, kThreadLimitBody), json_response(200, kCompany5)});
    auto c = t.client();  // random 0.5: half of 1 s, 2 s, 4 s, then the 1 s floor
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.calls().size() == 4);
    CHECK(t.time.waits() == "1000,1000,2000");
  }

  TEST_CASE("BR-07: when the thread limit outlasts the attempts, the error is kThreadLimit") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path, {json_response(500, kThreadLimitBody)});
    ClientOptions o = t.options();
    o.retry.max_attempts = 2;
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kThreadLimit);
    CHECK(t.calls().size() == 2);
  }

  TEST_CASE("a 500 validation error with errors[] is not retried") {
    const std::string body = R"({"errors":["Unable to find projectID in the TimeEntry Entity."]})";
    SUBCASE("a get") {
      Tenant t;
      t.script(Method::kGet, kCompany5Path,
               {json_response(500, body), json_response(200, kCompany5)});
      auto c = t.client();
      auto r = c->get("Companies", 5);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kValidation);
      CHECK(r.error().http_status == 500);
      REQUIRE(r.error().server_errors.size() == 1);
      CHECK(r.error().server_errors[0] == "Unable to find projectID in the TimeEntry Entity.");
      CHECK(t.calls().size() == 1);
      CHECK(t.time.waits().empty());
    }
    SUBCASE("a create (BR-12)") {
      Tenant t;
      t.script(
          Method::kPost, "/ATServicesRest/V1.0/Tickets",
          {json_response(500, R"({"errors":["dueDateTime is required.; on record number [0]."]})"),
           json_response(200, R"({"itemId":128926})")});
      auto c = t.client();
      auto r = c->create("Tickets", bj::parse(R"({"companyID":641,"title":"x"})").as_object());
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kValidation);
      CHECK(t.calls().size() == 1);
    }
  }

  TEST_CASE("BR-11: bad credentials reported as 500 are never retried") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {json_response(500, R"({"errors":["IntegrationCode is invalid."]})"),
              json_response(200, kCompany5)});
    auto c = t.client();
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kAuthentication);
    CHECK(t.calls().size() == 1);
    CHECK(t.zone_lookups() == 1);  // a 500 is not a zone move
    CHECK(t.time.waits().empty());
  }

  TEST_CASE("a 503 HTML maintenance page is retried for a read") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path, {html_response(503), json_response(200, kCompany5)});
    auto c = t.client();
    auto r = c->get("Companies", 5);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "1000");
  }

  TEST_CASE("a query is a read although it is a POST: a 502 is retried") {
    Tenant t;
    t.script(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             {json_response(502, R"({"errors":[]})"),
              json_response(200, R"({"items":[{"id":1}],"pageDetails":{"count":1,)"
                                 R"("requestCount":500,"prevPageUrl":null,"nextPageUrl":null}})")});
    auto c = t.client();
    at::Query q;
    q.filter = {at::Filter::exist("id")};
    auto r = c->query("Companies", q);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(r->size() == 1);
    CHECK(t.calls().size() == 2);
  }

  TEST_CASE("a read that timed out is retried") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {transport_error(ErrorCode::kTimeout, "read deadline passed", true),
              json_response(200, kCompany5)});
    auto c = t.client();
    auto r = c->get("Companies", 5);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "1000");
  }

  TEST_CASE("an update (PATCH) answered 503 is retried: repeating sets the same values") {
    Tenant t;
    t.script(Method::kPatch, "/ATServicesRest/V1.0/Companies",
             {json_response(503, R"({"errors":[]})"), json_response(200, R"({"itemId":5})")});
    auto c = t.client();
    auto r = c->update("Companies", 5, bj::parse(R"({"phone":"555-0100"})").as_object());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    const auto calls = t.calls();
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].body == calls[1].body);
  }

  // ---------------------------------------------------------------------------------------------
  // BR-30: creates are not repeated blindly
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("BR-30: a create answered 502 after sending is not retried") {
    Tenant t;
    t.script(Method::kPost, "/ATServicesRest/V1.0/Tickets",
             {json_response(502, R"({"errors":[]})"), json_response(200, R"({"itemId":128927})")});
    auto c = t.client();
    auto r =
        c->create("Tickets", bj::parse(R"({"companyID":641,"title":"Disk full"})").as_object());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kOutage);
    CHECK(r.error().http_status == 502);
    CHECK(r.error().request_sent);  // Autotask may have created it: re-read before deciding
    CHECK(t.calls().size() == 1);
    CHECK(t.time.waits().empty());
  }

  TEST_CASE("BR-30: a create answered with an HTML 503 or a bare 500 is not retried") {
    for (int which = 0; which < 2; ++which) {
      CAPTURE(which);
      Tenant t;
      t.script(Method::kPost, "/ATServicesRest/V1.0/Tickets",
               {which == 0 ? html_response(503) : json_response(500, ""),
                json_response(200, R"({"itemId":128927})")});
      auto c = t.client();
      auto r = c->create("Tickets", bj::parse(R"({"title":"Disk full"})").as_object());
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().request_sent);
      CHECK(t.calls().size() == 1);
    }
  }

  TEST_CASE("BR-30: a create whose response timed out after sending is not retried") {
    Tenant t;
    t.script(Method::kPost, "/ATServicesRest/V1.0/Tickets",
             {transport_error(ErrorCode::kTimeout, "read deadline passed", true),
              json_response(200, R"({"itemId":128927})")});
    auto c = t.client();
    auto r = c->create("Tickets", bj::parse(R"({"title":"Disk full"})").as_object());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kTimeout);
    CHECK(r.error().request_sent);
    CHECK(t.calls().size() == 1);
  }

  TEST_CASE("BR-30: a create refused before sending (connection refused) is retried") {
    Tenant t;
    t.script(Method::kPost, "/ATServicesRest/V1.0/Tickets",
             {transport_error(ErrorCode::kTransport, "connect: Connection refused", false),
              json_response(200, R"({"itemId":128926})")});
    auto c = t.client();
    auto r = c->create("Tickets", bj::parse(R"({"title":"Disk full"})").as_object());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(*r == 128926);
    CHECK(t.calls().size() == 2);
    CHECK(t.time.waits() == "1000");
  }

  TEST_CASE("a create refused by Autotask before acting (429, thread limit) is retried") {
    for (int which = 0; which < 2; ++which) {
      CAPTURE(which);
      Tenant t;
      t.script(Method::kPost, "/ATServicesRest/V1.0/Tickets",
               {which == 0 ? with_header(json_response(429, kHourlyLimitBody), "Retry-After", "5")
                           : json_response(500, kThreadLimitBody),
                json_response(200, R"({"itemId":128926})")});
      auto c = t.client();
      auto r = c->create("Tickets", bj::parse(R"({"title":"Disk full"})").as_object());
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
      CHECK(*r == 128926);
      CHECK(t.calls().size() == 2);
      CHECK(t.time.waits() == (which == 0 ? "5000" : "1000"));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Zones: BR-09, BR-10, TTL
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("threads that need the zone while it is being looked up wait for that one lookup") {
    // The first lookup is held until every thread has asked for the zone.
    struct Hold {
      std::mutex mutex;
      std::condition_variable cv;
      int entered = 0;
      bool released = false;
    };
    auto hold = std::make_shared<Hold>();
    Tenant t([hold](const http::Request&) -> Answer {
      std::unique_lock lock(hold->mutex);
      ++hold->entered;
      hold->cv.notify_all();
      hold->cv.wait(lock, [&] { return hold->released; });
      return json_response(200, kZone5);
    });
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
    auto c = t.client();
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    auto release = [hold] {
      {
        std::lock_guard lock(hold->mutex);
        hold->released = true;
      }
      hold->cv.notify_all();
    };
    struct JoinAll {
      std::function<void()> release;
      std::vector<std::thread>& threads;
      ~JoinAll() {
        release();
        for (auto& th : threads) {
          if (th.joinable()) th.join();
        }
      }
    } join_all{release, threads};
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        if (c->get("Companies", 5).ok()) ++ok;
      });
    }
    {
      std::unique_lock lock(hold->mutex);
      REQUIRE(
          hold->cv.wait_for(lock, std::chrono::seconds(10), [&] { return hold->entered >= 1; }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the others reach zone()
    release();
    for (auto& th : threads) th.join();
    CHECK(ok.load() == 4);
    CHECK(t.zone_lookups() == 1);
    CHECK(t.calls().size() == 4);
  }

  TEST_CASE("BR-10: a 401 on the cached zone looks the zone up again and retries once there") {
    Tenant t({kZone5, kZone14});
    t.mock->route(
        [](const http::Request& r) {
          return r.method == Method::kGet && r.url == kZone5Url + "V1.0/Companies/5";
        },
        [](const http::Request&) -> Answer { return json_response(401, R"({"errors":[]})"); });
    t.mock->route(
        [](const http::Request& r) {
          return r.method == Method::kGet && r.url == kZone14Url + "V1.0/Companies/5";
        },
        [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
    auto c = t.client();
    auto r = c->get("Companies", 5);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    REQUIRE(r->has_value());

    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 4);
    CHECK(is_zone_lookup(rs[0]));
    CHECK(rs[1].url == kZone5Url + "V1.0/Companies/5");
    CHECK(is_zone_lookup(rs[2]));
    CHECK(rs[3].url == kZone14Url + "V1.0/Companies/5");
    check_credentials(rs[3], t.code);
    CHECK(t.time.waits().empty());  // a zone move is not a rate limit

    auto z = c->zone();
    REQUIRE(z.ok());
    CHECK(z->url == kZone14Url);
    // The new zone is kept.
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 2);
    CHECK(t.mock->requests().back().url == kZone14Url + "V1.0/Companies/5");
  }

  TEST_CASE("BR-10: a second consecutive 401 is kAuthentication") {
    Tenant t({kZone5, kZone14});
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(401, R"({"errors":[]})"); });
    auto c = t.client();
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kAuthentication);
    CHECK(r.error().http_status == 401);
    CHECK(t.calls().size() == 2);  // once on each zone
    CHECK(t.zone_lookups() == 2);
    CHECK(t.time.waits().empty());
  }

  TEST_CASE("BR-10: a create answered 401 is looked up again and retried once (nothing was done)") {
    Tenant t({kZone5, kZone14});
    t.mock->route(
        [](const http::Request& r) { return r.url == kZone5Url + "V1.0/Tickets"; },
        [](const http::Request&) -> Answer { return json_response(401, R"({"errors":[]})"); });
    t.mock->route(
        [](const http::Request& r) { return r.url == kZone14Url + "V1.0/Tickets"; },
        [](const http::Request&) -> Answer { return json_response(200, R"({"itemId":128926})"); });
    auto c = t.client();
    auto r = c->create("Tickets", bj::parse(R"({"title":"Disk full"})").as_object());
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(*r == 128926);
    CHECK(t.calls().size() == 2);
  }

  TEST_CASE("BR-10: with an explicit base_url a 401 is kAuthentication and nothing is looked up") {
    Tenant t({kZone14});
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(401, R"({"errors":[]})"); });
    ClientOptions o = t.options();
    o.base_url = kZone5Url;
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kAuthentication);
    CHECK(t.zone_lookups() == 0);
    CHECK(t.mock->request_count() == 1);
    auto z = c->zone();
    REQUIRE(z.ok());
    CHECK(z->url == kZone5Url);
  }

  TEST_CASE("BR-09: any https://webservicesN.autotask.net zone is accepted and normalised") {
    for (const char* url : {"https://webservices28.autotask.net/atservicesrest/",
                            "https://webservices28.autotask.net/atservicesrest"}) {
      CAPTURE(url);
      Tenant t({std::string(R"({"zoneName":"UK 3","url":")") + url +
                R"(","webUrl":"https://ww28.autotask.net/","ci":123456})"});
      t.route(Method::kGet, "/atservicesrest/V1.0/Companies/5",
              [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
      auto c = t.client();  // the default lookup URL, webservices2.autotask.net
      CHECK(c->get("Companies", 5).ok());
      auto z = c->zone();
      REQUIRE_MESSAGE(z.ok(), (z.ok() ? "" : describe(z.error())));
      CHECK(z->url == "https://webservices28.autotask.net/atservicesrest/");
      CHECK(z->web_url == "https://ww28.autotask.net/");
      CHECK(z->zone_name == "UK 3");
      CHECK(z->ci == 123456);
      const auto rs = t.mock->requests();
      REQUIRE(rs.size() == 2);
      CHECK(contains(rs[0].url, "https://webservices2.autotask.net/"));
      CHECK(rs[1].url == "https://webservices28.autotask.net/atservicesrest/V1.0/Companies/5");
      check_credentials(rs[1], t.code);
    }
  }

  TEST_CASE("BR-09: a zone outside https://webservicesN.autotask.net is refused with kSecurity") {
    for (const char* url :
         {"https://evil.example/ATServicesRest/", "https://webservices5.autotask.net.evil.example/",
          "https://webservices5.autotask.net.evil.example/ATServicesRest/",
          "https://evilwebservices5.autotask.net/ATServicesRest/",
          "https://webservices5.autotask.network/ATServicesRest/",
          "https://webservices5.autotask.net:8443/ATServicesRest/",
          "http://webservices5.autotask.net/ATServicesRest/"}) {
      CAPTURE(url);
      Tenant t({std::string(R"({"zoneName":"X","url":")") + url + R"(","ci":1})"});
      t.mock->route([](const http::Request& r) { return !is_zone_lookup(r); },
                    [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
      auto c = t.client();
      auto z = c->zone();
      REQUIRE_FALSE(z.ok());
      CHECK(z.error().code == ErrorCode::kSecurity);
      auto r = c->get("Companies", 5);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kSecurity);
      CHECK_FALSE(r.error().request_sent);
      // Nothing but lookups went out, and no lookup carried a credential.
      for (const auto& req : t.mock->requests()) {
        CHECK(is_zone_lookup(req));
        CHECK_FALSE(req.headers.contains("Secret"));
      }
    }
  }

  TEST_CASE("BR-09: a configured lookup URL that is not Autotask's is trusted as given") {
    Tenant t({R"({"zoneName":"Sim","url":"https://sim.example.test:9443/ATServicesRest","ci":7})"});
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
    ClientOptions o = t.options();
    o.zone_lookup_url = "https://sim.example.test:9443/ATServicesRest/V1.0/zoneInformation";
    auto c = t.client(o);
    auto r = c->get("Companies", 5);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    auto z = c->zone();
    REQUIRE(z.ok());
    CHECK(z->url == "https://sim.example.test:9443/ATServicesRest/");
    const auto rs = t.mock->requests();
    REQUIRE(rs.size() == 2);
    CHECK(rs[1].url == "https://sim.example.test:9443/ATServicesRest/V1.0/Companies/5");
    check_credentials(rs[1], t.code);
  }

  TEST_CASE("a configured Autotask lookup URL still only hands out Autotask zones") {
    Tenant t({R"({"zoneName":"X","url":"https://evil.example/ATServicesRest/","ci":1})"});
    ClientOptions o = t.options();
    o.zone_lookup_url = "https://webservices.autotask.net/ATServicesRest/V1.0/zoneInformation";
    auto c = t.client(o);
    auto z = c->zone();
    REQUIRE_FALSE(z.ok());
    CHECK(z.error().code == ErrorCode::kSecurity);
  }

  TEST_CASE("zone TTL: once zone_ttl has passed, the zone is looked up again") {
    Tenant t({kZone5, kZone14});
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
    ClientOptions o = t.options();
    o.zone_ttl = std::chrono::hours(1);
    auto c = t.client(o);
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 1);
    t.time.advance(std::chrono::minutes(59));
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 1);
    t.time.advance(std::chrono::minutes(2));
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 2);
    CHECK(t.mock->requests().back().url == kZone14Url + "V1.0/Companies/5");
    check_credentials(t.mock->requests().back(), t.code);
    // And the new zone is kept for another zone_ttl.
    t.time.advance(std::chrono::minutes(30));
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 2);
  }

  TEST_CASE("a zone looked up again carries no credentials, even when it is the lookup host") {
    // The tenant lives on webservices2, the host of the default lookup URL.
    const std::string zone2 =
        R"({"zoneName":"US West 2","url":"https://webservices2.autotask.net/ATServicesRest/",)"
        R"("webUrl":"https://ww2.autotask.net/","ci":42})";
    Tenant t({zone2});
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
    ClientOptions o = t.options();
    o.zone_ttl = std::chrono::hours(1);
    auto c = t.client(o);
    REQUIRE(c->get("Companies", 5).ok());
    t.time.advance(std::chrono::hours(2));
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 2);
    for (const auto& r : t.mock->requests()) {
      CAPTURE(r.url);
      if (is_zone_lookup(r)) {
        CHECK_FALSE(r.headers.contains("Secret"));
        CHECK_FALSE(r.headers.contains("UserName"));
        CHECK_FALSE(r.headers.contains("ApiIntegrationCode"));
      } else {
        check_credentials(r, t.code);
      }
    }
  }

  TEST_CASE("the default zone TTL of 24 h keeps the zone for a day") {
    Tenant t({kZone5, kZone14});
    t.route(Method::kGet, kCompany5Path,
            [](const http::Request&) -> Answer { return json_response(200, kCompany5); });
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    t.time.advance(std::chrono::hours(23));
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 1);
    t.time.advance(std::chrono::hours(2));
    REQUIRE(c->get("Companies", 5).ok());
    CHECK(t.zone_lookups() == 2);
  }

  // ---------------------------------------------------------------------------------------------
  // Logging
  // ---------------------------------------------------------------------------------------------

  TEST_CASE("at debug each request logs one line: method, path, status, attempt, Retry-After") {
    Tenant t;
    t.script(Method::kGet, kCompany5Path,
             {with_header(json_response(429, kHourlyLimitBody), "Retry-After", "2"),
              json_response(200, kCompany5)});
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    REQUIRE(t.mock->request_count() == 3);

    std::vector<std::string> debug;
    for (const auto& [level, line] : t.log_lines()) {
      if (level == at::LogLevel::kDebug) debug.push_back(line);
    }
    REQUIRE(debug.size() == 3);  // one per request
    CAPTURE(debug[0]);
    CAPTURE(debug[1]);
    CAPTURE(debug[2]);
    // The lookup: path without its query string (which holds the username).
    CHECK(contains(debug[0], "GET /ATServicesRest/V1.0/zoneInformation"));
    CHECK_FALSE(contains(debug[0], "?"));
    CHECK_FALSE(contains(debug[0], "user="));
    CHECK(contains(debug[0], "200"));
    CHECK(contains(debug[0], "attempt 1"));
    CHECK(contains(debug[1], "GET /ATServicesRest/V1.0/Companies/5"));
    CHECK(contains(debug[1], "429"));
    CHECK(contains(debug[1], "attempt 1"));
    CHECK(contains(debug[1], "Retry-After: 2"));
    CHECK(contains(debug[2], "GET /ATServicesRest/V1.0/Companies/5"));
    CHECK(contains(debug[2], "200"));
    CHECK(contains(debug[2], "attempt 2"));

    for (const auto& entry : t.log_lines()) {
      const std::string& line = entry.second;
      CAPTURE(line);
      CHECK_FALSE(contains(line, kSecret));
      CHECK_FALSE(contains(line, kUser));
      CHECK_FALSE(contains(line, kUserEncoded));
      CHECK_FALSE(contains(line, t.code));
    }
  }

  TEST_CASE("a transport failure is logged with its kind and no credential") {
    Tenant t;
    t.script(
        Method::kGet, kCompany5Path,
        {transport_error(ErrorCode::kTimeout,
                         "read deadline passed for " + kUser + " with secret " + kSecret, true),
         json_response(200, kCompany5)});
    auto c = t.client();
    REQUIRE(c->get("Companies", 5).ok());
    std::vector<std::string> debug;
    for (const auto& [level, line] : t.log_lines()) {
      if (level == at::LogLevel::kDebug) debug.push_back(line);
    }
    REQUIRE(debug.size() == 3);
    CAPTURE(debug[1]);
    CHECK(contains(debug[1], "GET /ATServicesRest/V1.0/Companies/5"));
    CHECK(contains(debug[1], "timeout"));
    CHECK(contains(debug[1], "attempt 1"));
    CHECK(contains(debug[2], "attempt 2"));
    for (const auto& entry : t.log_lines()) {
      const std::string& line = entry.second;
      CAPTURE(line);
      CHECK_FALSE(contains(line, kSecret));
      CHECK_FALSE(contains(line, kUser));
      CHECK_FALSE(contains(line, t.code));
    }
  }

  TEST_CASE("a nextPageUrl's query string stays out of the log line") {
    Tenant t;
    const std::string next =
        "https://webservices5.autotask.net/ATServicesRest/V1.0/Companies/query/"
        "next?paging=%7B%22x%22%7D";
    t.script(Method::kPost, "/ATServicesRest/V1.0/Companies/query",
             {json_response(200, R"({"items":[{"id":1}],"pageDetails":{"count":1,"requestCount":1,)"
                                 R"("prevPageUrl":null,"nextPageUrl":")" +
                                     next + R"("}})")});
    t.script(Method::kPost, "/ATServicesRest/V1.0/Companies/query/next",
             {json_response(200, R"({"items":[{"id":2}],"pageDetails":{"count":1,"requestCount":1,)"
                                 R"("prevPageUrl":null,"nextPageUrl":null}})")});
    auto c = t.client();
    at::Query q;
    q.filter = {at::Filter::exist("id")};
    auto r = c->query("Companies", q);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    CHECK(r->size() == 2);
    bool saw_next = false;
    for (const auto& [level, text] : t.log_lines()) {
      if (level != at::LogLevel::kDebug) continue;
      const std::string& line = text;
      CAPTURE(line);
      CHECK_FALSE(contains(line, "paging="));
      if (contains(line, "POST /ATServicesRest/V1.0/Companies/query/next")) saw_next = true;
    }
    CHECK(saw_next);
  }

}  // TEST_SUITE
