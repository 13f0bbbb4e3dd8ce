// How Autotask's answers map to typed errors (autotask-api.md §2.2, §4.4, §7.3 and the pitfalls
// list; field-cases.md BR-06, BR-07, BR-08, BR-11, BR-12). Bodies are the documented ones.
#include <autotask_sync/client/errors.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace at = autotask_sync;
namespace http = autotask_sync::http;
using at::ErrorCode;

namespace {

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

http::Response html_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.body = std::move(body);
  return r;
}

const std::vector<std::string> kNoSecrets;

at::Error classify(const http::Response& r, const std::vector<std::string>& secrets = kNoSecrets) {
  auto e = at::classify_response(r, "POST Tickets", secrets);
  REQUIRE(e.has_value());
  return *e;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const char* kThreadText =
    "Thread Threshold Exceeded \xE2\x80\x94 The Autotask API thread threshold of 3 threads has "
    "been exceeded.";

const char* kMaintenancePage =
    "<!DOCTYPE html><html><head><title>Scheduled maintenance</title></head>"
    "<body><h1>Autotask is undergoing scheduled maintenance</h1></body></html>";

}  // namespace

TEST_SUITE("errors") {
  TEST_CASE("a 2xx JSON response is not an error") {
    CHECK_FALSE(at::classify_response(json_response(200, R"({"items":[]})"), "q", kNoSecrets));
    CHECK_FALSE(at::classify_response(json_response(201, R"({"itemId":1})"), "q", kNoSecrets));
    http::Response no_type;
    no_type.status = 200;
    no_type.body = R"({"item":null})";
    CHECK_FALSE(at::classify_response(no_type, "q", kNoSecrets));
  }

  TEST_CASE("401 is an authentication failure") {
    const auto e = classify(json_response(401, R"({"errors":["Unauthorized"]})"));
    CHECK(e.code == ErrorCode::kAuthentication);
    CHECK(e.http_status == 401);
    CHECK(e.request_sent);
    // A 401 with an empty body, as some gateways send it.
    http::Response bare;
    bare.status = 401;
    CHECK(classify(bare).code == ErrorCode::kAuthentication);
  }

  TEST_CASE("500 'Zone information could not be determined' is an unknown API username") {
    const auto e =
        classify(json_response(500, R"({"errors":["Zone information could not be determined"]})"));
    CHECK(e.code == ErrorCode::kAuthentication);
    CHECK(e.http_status == 500);
    CHECK(e.server_errors == std::vector<std::string>{"Zone information could not be determined"});
    CHECK(contains(e.message, "username"));
  }

  TEST_CASE("500 'IntegrationCode is invalid.' is an authentication failure") {
    const auto e = classify(json_response(500, R"({"errors":["IntegrationCode is invalid."]})"));
    CHECK(e.code == ErrorCode::kAuthentication);
    CHECK(e.http_status == 500);
    CHECK(e.server_errors == std::vector<std::string>{"IntegrationCode is invalid."});
    CHECK(contains(e.message, "integration code"));
  }

  TEST_CASE("500 with errors[] is kValidation with every text kept verbatim") {
    const auto e = classify(json_response(
        500,
        R"({"errors":["dueDateTime is required.; on record number [0].",)"
        R"("When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID."]})"));
    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.http_status == 500);
    REQUIRE(e.server_errors.size() == 2);
    CHECK(e.server_errors[0] == "dueDateTime is required.; on record number [0].");
    CHECK(e.server_errors[1] ==
          "When assigning a Resource, you must assign both a assignedResourceID and "
          "assignedResourceRoleID.");
    const std::string d = e.describe();
    CAPTURE(d);
    CHECK(d.rfind("validation: HTTP 500: ", 0) == 0);
    CHECK(contains(d, "dueDateTime is required.; on record number [0]."));
    CHECK(contains(d, "assignedResourceRoleID."));
  }

  TEST_CASE("the exact errors[] text survives, trailing spaces and punctuation included") {
    const auto e = classify(json_response(
        500, R"({"errors":["Value does not reference an existing entity for taskType . "]})"));
    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.server_errors ==
          std::vector<std::string>{"Value does not reference an existing entity for taskType . "});
  }

  TEST_CASE("429 is kRateLimited") {
    const auto e = classify(json_response(
        429, R"({"errors":["The request threshold for this database has been exceeded."]})"));
    CHECK(e.code == ErrorCode::kRateLimited);
    CHECK(e.http_status == 429);
    http::Response bare;
    bare.status = 429;
    CHECK(classify(bare).code == ErrorCode::kRateLimited);
  }

  TEST_CASE("the thread-limit text with code Itgenatr005 is kThreadLimit under 500 and 429") {
    const std::string as_string =
        std::string(R"({"errors":["Itgenatr005: )") + kThreadText + R"("]})";
    const std::string as_object =
        std::string(R"({"errors":[{"code":"Itgenatr005","message":")") + kThreadText + R"("}]})";
    for (int status : {500, 429, 400}) {
      for (const std::string& body : {as_string, as_object}) {
        CAPTURE(status);
        CAPTURE(body);
        const auto e = classify(json_response(status, body));
        CHECK(e.code == ErrorCode::kThreadLimit);
        CHECK(e.http_status == status);
        REQUIRE(e.server_errors.size() == 1);
        CHECK(contains(e.server_errors[0], kThreadText));
      }
    }
    // The code alone is enough.
    CHECK(classify(json_response(500, R"({"errors":["Itgenatr005"]})")).code ==
          ErrorCode::kThreadLimit);
  }

  TEST_CASE("an HTML page is kOutage, whatever the status") {
    const auto e503 = classify(html_response(503, kMaintenancePage));
    CHECK(e503.code == ErrorCode::kOutage);
    CHECK(e503.http_status == 503);
    CHECK(e503.server_errors.empty());

    // A maintenance page served with status 200 is not a success.
    const auto e200 = classify(html_response(200, kMaintenancePage));
    CHECK(e200.code == ErrorCode::kOutage);
    CHECK(e200.http_status == 200);

    // Kaseya's HTML 404 page during maintenance.
    CHECK(classify(html_response(404, kMaintenancePage)).code == ErrorCode::kOutage);

    // Without a Content-Type the body itself shows it is HTML.
    http::Response untyped;
    untyped.status = 200;
    untyped.body = std::string("\r\n  ") + kMaintenancePage;
    CHECK(classify(untyped).code == ErrorCode::kOutage);
  }

  TEST_CASE("502, 503 and 504 with JSON and a bare 500 are kOutage") {
    for (int status : {502, 503, 504}) {
      CAPTURE(status);
      CHECK(classify(json_response(status, R"({"errors":["Service Unavailable"]})")).code ==
            ErrorCode::kOutage);
    }
    const auto bare = classify(json_response(500, ""));
    CHECK(bare.code == ErrorCode::kOutage);
    CHECK(bare.http_status == 500);
  }

  TEST_CASE("404 with JSON is kNotFound and 403 is kPermission") {
    const auto e = classify(json_response(404, R"({"errors":["Not Found"]})"));
    CHECK(e.code == ErrorCode::kNotFound);
    CHECK(e.http_status == 404);
    CHECK(e.server_errors == std::vector<std::string>{"Not Found"});
    CHECK(classify(json_response(403, R"({"errors":["Forbidden"]})")).code ==
          ErrorCode::kPermission);
  }

  TEST_CASE("405 with ASP.NET's {\"Message\":...} body keeps that text") {
    const auto e = classify(json_response(
        405, R"({"Message":"The requested resource does not support http method 'GET'."})"));
    CHECK(e.http_status == 405);
    CHECK(e.server_errors ==
          std::vector<std::string>{"The requested resource does not support http method 'GET'."});
    // A programming error, not something to retry or to blame on the caller's data.
    CHECK(e.code != ErrorCode::kRateLimited);
    CHECK(e.code != ErrorCode::kThreadLimit);
    CHECK(e.code != ErrorCode::kOutage);
    CHECK(e.code != ErrorCode::kValidation);
    CHECK(contains(e.describe(), "does not support http method 'GET'."));
  }

  TEST_CASE("server_error_texts reads strings, objects with message, and Message") {
    CHECK(at::server_error_texts(R"({"errors":["a","b"]})") == std::vector<std::string>{"a", "b"});
    CHECK(at::server_error_texts(R"({"errors":[{"message":"first"},{"Message":"second"}]})") ==
          std::vector<std::string>{"first", "second"});
    CHECK(at::server_error_texts(R"({"Errors":["cased"]})") == std::vector<std::string>{"cased"});
    CHECK(at::server_error_texts(R"({"Message":"asp.net"})") ==
          std::vector<std::string>{"asp.net"});
    CHECK(at::server_error_texts(R"({"errors":[]})").empty());
    CHECK(at::server_error_texts(R"({"items":[]})").empty());
    CHECK(at::server_error_texts("<html></html>").empty());
    CHECK(at::server_error_texts("").empty());
    CHECK(at::server_error_texts("[1,2]").empty());
  }

  TEST_CASE("errors given as objects with a message are kept as that message") {
    const auto e = classify(json_response(
        500, R"({"errors":[{"message":"Unable to find projectID in the TimeEntry Entity"}]})"));
    CHECK(e.code == ErrorCode::kValidation);
    CHECK(e.server_errors ==
          std::vector<std::string>{"Unable to find projectID in the TimeEntry Entity"});
  }

  TEST_CASE("is_json_response trusts Content-Type, then the body") {
    CHECK(at::is_json_response(json_response(200, "{}")));
    CHECK_FALSE(at::is_json_response(html_response(200, "{}")));
    http::Response r;
    r.body = "{\"a\":1}";
    CHECK(at::is_json_response(r));
    r.body = "<html/>";
    CHECK_FALSE(at::is_json_response(r));
    r.headers.set("content-type", "application/problem+json");
    CHECK(at::is_json_response(r));
  }

  TEST_CASE("redact replaces a secret and its URL-encoded form") {
    const std::vector<std::string> secrets{"CANARY-SECRET-7f3a"};
    CHECK(at::redact("Secret CANARY-SECRET-7f3a was refused", secrets) == "Secret *** was refused");
    CHECK(at::redact("CANARY-SECRET-7f3aCANARY-SECRET-7f3a", secrets) == "******");
    CHECK(at::redact("nothing to hide", secrets) == "nothing to hide");

    const std::vector<std::string> special{"p@ss w/rd+1&"};
    CHECK(at::redact("raw p@ss w/rd+1& and encoded p%40ss%20w%2Frd%2B1%26 end", special) ==
          "raw *** and encoded *** end");
    // Hex digits of a percent-encoding may be written in either case.
    CHECK(at::redact("lower p%40ss%20w%2frd%2b1%26 end", special) == "lower *** end");
    // A query string may carry a space as '+'.
    CHECK(at::redact("form p%40ss+w%2Frd%2B1%26 end", special) == "form *** end");

    // Several secrets, empty ones ignored.
    CHECK(at::redact("user api@example.com code ABC secret XYZ",
                     {"", "api@example.com", "ABC", "XYZ"}) == "user *** code *** secret ***");
    CHECK(at::redact("user=api%40example.com", {"api@example.com"}) == "user=***");
  }

  TEST_CASE("classify_response redacts secrets echoed in server texts") {
    const std::vector<std::string> secrets{"CANARY-SECRET-7f3a", "api@example.com"};
    const auto e = classify(
        json_response(
            500, R"({"errors":["Secret CANARY-SECRET-7f3a is not valid for api@example.com"]})"),
        secrets);
    CHECK(e.server_errors == std::vector<std::string>{"Secret *** is not valid for ***"});
    CHECK_FALSE(contains(e.describe(), "CANARY-SECRET-7f3a"));
    CHECK_FALSE(contains(e.message, "CANARY-SECRET-7f3a"));

    const auto message = classify(
        json_response(401, R"({"Message":"bad secret CANARY-SECRET-7f3a for api%40example.com"})"),
        secrets);
    CHECK(message.code == ErrorCode::kAuthentication);
    CHECK(message.server_errors == std::vector<std::string>{"bad secret *** for ***"});
  }

}  // TEST_SUITE
