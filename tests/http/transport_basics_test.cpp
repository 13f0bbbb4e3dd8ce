#include <autotask_sync/core/logger.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/transport.hpp>

#include <doctest/doctest.h>

#include <string>

using autotask_sync::Error;
using autotask_sync::ErrorCode;
using autotask_sync::LogLevel;
using autotask_sync::http::Headers;
using autotask_sync::http::Method;

TEST_CASE("error codes have stable snake_case names") {
  CHECK(std::string(to_string(ErrorCode::kInvalidArgument)) == "invalid_argument");
  CHECK(std::string(to_string(ErrorCode::kTransport)) == "transport");
  CHECK(std::string(to_string(ErrorCode::kTimeout)) == "timeout");
  CHECK(std::string(to_string(ErrorCode::kAuthentication)) == "authentication");
  CHECK(std::string(to_string(ErrorCode::kPermission)) == "permission");
  CHECK(std::string(to_string(ErrorCode::kNotFound)) == "not_found");
  CHECK(std::string(to_string(ErrorCode::kValidation)) == "validation");
  CHECK(std::string(to_string(ErrorCode::kRateLimited)) == "rate_limited");
  CHECK(std::string(to_string(ErrorCode::kThreadLimit)) == "thread_limit");
  CHECK(std::string(to_string(ErrorCode::kOutage)) == "outage");
  CHECK(std::string(to_string(ErrorCode::kSecurity)) == "security");
  CHECK(std::string(to_string(ErrorCode::kProtocol)) == "protocol");
  CHECK(std::string(to_string(ErrorCode::kConflict)) == "conflict");
  CHECK(std::string(to_string(ErrorCode::kUnsupported)) == "unsupported");
  CHECK(std::string(to_string(ErrorCode::kInternal)) == "internal");
}

TEST_CASE("describe joins code, HTTP status, message and server errors, omitting absent parts") {
  Error full(ErrorCode::kValidation, "Autotask refused the ticket");
  full.http_status = 500;
  full.server_errors = {"dueDateTime is required.", "title is too long."};
  CHECK(full.describe() ==
        "validation: HTTP 500: Autotask refused the ticket; dueDateTime is required.; "
        "title is too long.");

  Error no_status(ErrorCode::kTimeout, "the request timed out");
  CHECK(no_status.describe() == "timeout: the request timed out");

  Error only_server_text(ErrorCode::kValidation, "");
  only_server_text.http_status = 500;
  only_server_text.server_errors = {"dueDateTime is required."};
  CHECK(only_server_text.describe() == "validation: HTTP 500: dueDateTime is required.");

  Error bare(ErrorCode::kNotFound, "");
  bare.http_status = 404;
  CHECK(bare.describe() == "not_found: HTTP 404");
  CHECK(Error(ErrorCode::kInternal, "").describe() == "internal");
}

TEST_CASE("log levels have lower-case names") {
  CHECK(std::string(to_string(LogLevel::kDebug)) == "debug");
  CHECK(std::string(to_string(LogLevel::kInfo)) == "info");
  CHECK(std::string(to_string(LogLevel::kWarn)) == "warn");
  CHECK(std::string(to_string(LogLevel::kError)) == "error");
  CHECK(std::string(to_string(LogLevel::kOff)) == "off");
}

TEST_CASE("methods are named as on the request line") {
  CHECK(std::string(to_string(Method::kGet)) == "GET");
  CHECK(std::string(to_string(Method::kPost)) == "POST");
  CHECK(std::string(to_string(Method::kPatch)) == "PATCH");
  CHECK(std::string(to_string(Method::kPut)) == "PUT");
  CHECK(std::string(to_string(Method::kDelete)) == "DELETE");
}

TEST_CASE("iequals ignores ASCII case only") {
  CHECK(autotask_sync::http::iequals("Content-Type", "content-TYPE"));
  CHECK_FALSE(autotask_sync::http::iequals("ApiIntegrationCode", "ApiIntegrationCod"));
  CHECK_FALSE(autotask_sync::http::iequals("a-b", "a_b"));
  CHECK(autotask_sync::http::iequals("", ""));
}

TEST_CASE("headers look up names case-insensitively and keep their order") {
  Headers headers;
  headers.add("Accept", "application/json");
  headers.add("X-Trace", "1");
  headers.add("x-trace", "2");
  headers.add("UserName", "api@example.com");
  CHECK(headers.get("accept") == "application/json");
  CHECK(headers.get("X-TRACE") == "1");
  CHECK_FALSE(headers.get("Secret").has_value());
  CHECK(headers.contains("username"));

  headers.set("X-Trace", "3");
  REQUIRE(headers.entries().size() == 3);
  CHECK(headers.entries()[0].first == "Accept");
  CHECK(headers.entries()[1] == std::pair<std::string, std::string>("X-Trace", "3"));
  CHECK(headers.entries()[2].first == "UserName");

  headers.set("Content-Type", "application/json");
  CHECK(headers.entries().back().first == "Content-Type");

  headers.remove("USERNAME");
  CHECK_FALSE(headers.contains("UserName"));
  CHECK(headers.entries().size() == 3);
}
