#include <autotask_sync/http/mock_transport.hpp>

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

using autotask_sync::Error;
using autotask_sync::ErrorCode;
using autotask_sync::Result;
using autotask_sync::http::Method;
using autotask_sync::http::MockTransport;
using autotask_sync::http::Request;
using autotask_sync::http::Response;
using autotask_sync::http::url_path;

namespace {

Request make_request(Method method, std::string url, std::string body = {}) {
  Request request;
  request.method = method;
  request.url = std::move(url);
  request.body = std::move(body);
  return request;
}

constexpr const char* kZone = "https://webservices5.autotask.net/ATServicesRest/V1.0";

}  // namespace

TEST_CASE("the mock returns queued answers in order before consulting routes") {
  MockTransport mock;
  mock.enqueue_json(200, R"({"item":{"id":1}})");
  Error refused(ErrorCode::kTransport, "connection refused");
  refused.request_sent = false;
  mock.enqueue(refused);
  Response plain;
  plain.status = 204;
  mock.enqueue(plain);
  CHECK(mock.pending() == 3);

  auto first = mock.send(make_request(Method::kGet, std::string(kZone) + "/Companies/1"));
  REQUIRE(first.ok());
  CHECK(first->status == 200);
  CHECK(first->headers.get("content-type") == "application/json");
  CHECK(first->body == R"({"item":{"id":1}})");

  auto second = mock.send(make_request(Method::kGet, std::string(kZone) + "/Companies/2"));
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::kTransport);
  CHECK(second.error().message == "connection refused");
  CHECK_FALSE(second.error().request_sent);

  auto third = mock.send(make_request(Method::kDelete, std::string(kZone) + "/Companies/3"));
  REQUIRE(third.ok());
  CHECK(third->status == 204);
  CHECK(mock.pending() == 0);
}

TEST_CASE("the mock routes by method and path ignoring case and the query string") {
  MockTransport mock;
  mock.route(Method::kPost, "/ATServicesRest/V1.0/Tickets/query", [](const Request& request) {
    Response response;
    response.status = 200;
    response.body = "queried:" + request.body;
    return Result<Response>(response);
  });
  mock.route([](const Request& request) { return request.method == Method::kPatch; },
             [](const Request&) {
               Response response;
               response.status = 202;
               return Result<Response>(response);
             });

  auto queried = mock.send(make_request(
      Method::kPost, "https://webservices5.autotask.net/atservicesrest/v1.0/tickets/QUERY?x=1",
      R"({"filter":[]})"));
  REQUIRE(queried.ok());
  CHECK(queried->body == R"(queried:{"filter":[]})");

  auto patched = mock.send(make_request(Method::kPatch, std::string(kZone) + "/Tickets"));
  REQUIRE(patched.ok());
  CHECK(patched->status == 202);

  auto wrong_method = mock.send(make_request(Method::kGet, std::string(kZone) + "/Tickets/query"));
  REQUIRE_FALSE(wrong_method.ok());
  CHECK(wrong_method.error().code == ErrorCode::kInternal);
}

TEST_CASE("the mock records every request it was sent, including unexpected ones") {
  MockTransport mock;
  mock.enqueue_json(200, "{}");
  Request create = make_request(Method::kPost, std::string(kZone) + "/Tickets", R"({"title":"x"})");
  create.headers.set("ApiIntegrationCode", "CODE");
  CHECK(mock.send(create).ok());
  CHECK_FALSE(mock.send(make_request(Method::kGet, std::string(kZone) + "/Contacts/9")).ok());

  auto sent = mock.requests();
  REQUIRE(sent.size() == 2);
  CHECK(mock.request_count() == 2);
  CHECK(sent[0].method == Method::kPost);
  CHECK(sent[0].url == std::string(kZone) + "/Tickets");
  CHECK(sent[0].headers.get("apiintegrationcode") == "CODE");
  CHECK(sent[0].body == R"({"title":"x"})");
  CHECK(sent[1].method == Method::kGet);

  mock.clear_requests();
  CHECK(mock.request_count() == 0);
}

TEST_CASE("an unexpected request fails with an internal error naming the method and URL") {
  MockTransport mock;
  auto result = mock.send(make_request(Method::kPut, std::string(kZone) + "/Resources/5"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kInternal);
  CHECK(result.error().message.find("PUT") != std::string::npos);
  CHECK(result.error().message.find(std::string(kZone) + "/Resources/5") != std::string::npos);
}

TEST_CASE("a route handler may use the mock it belongs to") {
  MockTransport mock;
  mock.route([](const Request&) { return true; },
             [&mock](const Request&) {
               Response response;
               response.status = 200;
               response.body = std::to_string(mock.request_count());
               return Result<Response>(response);
             });
  auto result = mock.send(make_request(Method::kGet, std::string(kZone) + "/Version"));
  REQUIRE(result.ok());
  CHECK(result->body == "1");
}

TEST_CASE("the mock can be used from many threads at once") {
  MockTransport mock;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  for (int i = 0; i < kThreads * kPerThread / 2; ++i) mock.enqueue_json(200, "{}");
  mock.route([](const Request&) { return true; },
             [](const Request&) {
               Response response;
               response.status = 201;
               return Result<Response>(response);
             });
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<int> successes(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (mock.send(make_request(Method::kGet, std::string(kZone) + "/Version")).ok()) {
          ++successes[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  int total = 0;
  for (int count : successes) total += count;
  CHECK(total == kThreads * kPerThread);
  CHECK(mock.request_count() == static_cast<std::size_t>(kThreads * kPerThread));
  CHECK(mock.pending() == 0);
}

TEST_CASE("url_path returns the path of an absolute URL") {
  CHECK(url_path("https://webservices5.autotask.net/ATServicesRest/V1.0/Companies/query?x=1") ==
        "/ATServicesRest/V1.0/Companies/query");
  CHECK(url_path("https://127.0.0.1:8443") == "/");
  CHECK(url_path("https://[::1]:8443/a%20b#frag") == "/a%20b");
  CHECK(url_path("not a url") == "");
  CHECK(url_path("/relative/path") == "");
}
