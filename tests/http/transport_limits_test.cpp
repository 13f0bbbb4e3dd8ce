// What the HTTPS transport refuses to read: bodies and headers over the limits, endless headers
// and chunked bodies, and redirects. Each failure must come from a limit being counted, never from
// the request deadline, so every client here has a generous timeout and the tests check the code.
#include "http/beast_transport_detail.hpp"
#include "http/test_support.hpp"
#include "http/tls_test_server.hpp"
#include "sim/tls_certificate.hpp"

#include <autotask_sync/http/beast_transport.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

using autotask_sync::ErrorCode;
using autotask_sync::http::BeastTransport;
using autotask_sync::http::BeastTransportOptions;
using autotask_sync::http::Method;
using autotask_sync::http::Request;
using autotask_sync::http::Response;
using autotask_test::RecordedRequest;
using autotask_test::Reply;
using autotask_test::TlsTestServer;

using http_test::contains;
using http_test::make_certificate;
using http_test::TempFile;

namespace {

using namespace std::chrono_literals;
namespace detail = autotask_sync::http::detail;

struct Fixture {
  explicit Fixture(TlsTestServer::Handler handler,
                   const autotask_sim::CertificatePair& identity = make_certificate())
      : ca_file(identity.certificate_pem), server(identity, std::move(handler)) {}

  // Deadlines far beyond what reading up to the limits takes: a test that fails by timing out
  // shows a limit that was not enforced.
  BeastTransportOptions options() const {
    BeastTransportOptions result;
    result.ca_file = ca_file.path();
    result.connect_timeout = 5000ms;
    result.handshake_timeout = 5000ms;
    result.request_timeout = 60000ms;
    return result;
  }

  autotask_sync::Result<Response> get(const BeastTransportOptions& with,
                                      const std::string& path = "/") {
    auto created = BeastTransport::create(with);
    REQUIRE(created.ok());
    Request request;
    request.method = Method::kGet;
    request.url = server.url(path);
    request.headers.set("ApiIntegrationCode", "integration-code");
    return (*created)->send(request);
  }

  TempFile ca_file;
  TlsTestServer server;
};

std::string outcome(const autotask_sync::Result<Response>& result) {
  if (result.ok()) return "HTTP " + std::to_string(result->status);
  return result.error().describe();
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

Reply raw(std::string bytes, std::string repeat = {}) {
  Reply reply;
  reply.raw = std::move(bytes);
  reply.repeat = std::move(repeat);
  reply.close_after = true;
  return reply;
}

}  // namespace

TEST_CASE("the documented default limits") {
  const BeastTransportOptions defaults;
  CHECK(defaults.max_response_body_bytes == 32u * 1024 * 1024);
  CHECK(defaults.max_response_header_bytes == 64u * 1024);
}

TEST_CASE("a Content-Length body over the limit is a protocol error naming the limit") {
  Fixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.body = std::string(std::size_t{256} * 1024, 'x');
    return reply;
  });
  auto options = fixture.options();
  options.max_response_body_bytes = std::size_t{64} * 1024;
  auto result = fixture.get(options);
  INFO(outcome(result));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kProtocol);
  CHECK(result.error().request_sent);
  CHECK(contains(result.error().message, "65536-byte limit"));
  CHECK(contains(result.error().message, "max_response_body_bytes"));
}

TEST_CASE("a chunked body over the limit is a protocol error, however it is split") {
  std::string body;
  for (int i = 0; i < 40; ++i) body += chunk(std::string(4096, 'c'));
  body += "0\r\n\r\n";
  Fixture fixture([&body](const RecordedRequest&) {
    return raw(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n" +
        body);
  });
  auto options = fixture.options();
  options.max_response_body_bytes = std::size_t{100} * 1024;
  auto result = fixture.get(options);
  INFO(outcome(result));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kProtocol);
  CHECK(contains(result.error().message, "102400-byte limit"));

  options.max_response_body_bytes = std::size_t{40} * 4096;
  auto exact = fixture.get(options);
  INFO(outcome(exact));
  REQUIRE(exact.ok());
  CHECK(exact->body.size() == 40u * 4096);
}

TEST_CASE("an endless chunked body is stopped at the body limit") {
  Fixture fixture([](const RecordedRequest&) {
    return raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
               chunk(std::string(std::size_t{16} * 1024, 'e')));
  });
  auto options = fixture.options();
  options.max_response_body_bytes = std::size_t{1024} * 1024;
  auto result = fixture.get(options);
  INFO(outcome(result));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kProtocol);
  CHECK(contains(result.error().message, "1048576-byte limit"));
  CHECK(fixture.server.repeated_bytes_written() >= 1024u * 1024);
}

TEST_CASE("an endless chunk-size line is stopped at the header limit") {
  Fixture fixture([](const RecordedRequest&) {
    return raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10;ext=",
               std::string(4096, 'x'));
  });
  auto options = fixture.options();
  options.max_response_header_bytes = std::size_t{8} * 1024;
  auto result = fixture.get(options);
  INFO(outcome(result));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kProtocol);
}

TEST_CASE("headers over the limit, finite or endless, are a protocol error naming the limit") {
  SUBCASE("one large header") {
    Fixture fixture([](const RecordedRequest&) {
      Reply reply;
      reply.headers = {{"X-Large", std::string(std::size_t{20} * 1024, 'h')}};
      return reply;
    });
    auto options = fixture.options();
    options.max_response_header_bytes = std::size_t{16} * 1024;
    auto result = fixture.get(options);
    INFO(outcome(result));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == ErrorCode::kProtocol);
    CHECK(contains(result.error().message, "16384-byte limit"));
    CHECK(contains(result.error().message, "max_response_header_bytes"));
  }
  SUBCASE("header fields that never end") {
    Fixture fixture([](const RecordedRequest&) {
      return raw("HTTP/1.1 200 OK\r\n", "X-Filler: " + std::string(1000, 'f') + "\r\n");
    });
    auto result = fixture.get(fixture.options());
    INFO(outcome(result));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == ErrorCode::kProtocol);
    CHECK(contains(result.error().message, "65536-byte limit"));
    CHECK(fixture.server.repeated_bytes_written() >= 64u * 1024);
  }
}

TEST_CASE("a redirect is refused, not followed, and its Location is not quoted") {
  for (int status : {301, 302, 303, 307, 308}) {
    CAPTURE(status);
    Fixture fixture([status](const RecordedRequest&) {
      Reply reply;
      reply.status = status;
      reply.body = "";
      reply.headers = {{"Location", "https://elsewhere.example/steal?secret=1"}};
      return reply;
    });
    auto result = fixture.get(fixture.options(), "/ATServicesRest/V1.0/Companies/query");
    INFO(outcome(result));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == ErrorCode::kProtocol);
    CHECK(result.error().http_status == status);
    CHECK(contains(result.error().message, "redirect"));
    CHECK_FALSE(contains(result.error().message, "elsewhere"));
    CHECK(fixture.server.requests().size() == 1);
    CHECK(fixture.server.connections_accepted() == 1);
  }
}

TEST_CASE("parse_response reads what the transport reads, in one piece or byte by byte") {
  const BeastTransportOptions options;
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
      chunk("{\"items\":") + chunk("[]}") + "0\r\n\r\n";
  for (std::size_t piece : {0u, 1u, 7u}) {
    CAPTURE(piece);
    auto parsed = detail::parse_response(chunked, options, piece);
    INFO(outcome(parsed));
    REQUIRE(parsed.ok());
    CHECK(parsed->status == 200);
    CHECK(parsed->body == "{\"items\":[]}");
    CHECK(parsed->headers.get("content-type") == "application/json");
  }

  auto truncated =
      detail::parse_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", options);
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().code == ErrorCode::kTransport);

  auto garbage = detail::parse_response("HTTP/1.1 2x0 OK\r\n\r\n", options);
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().code == ErrorCode::kProtocol);

  auto empty = detail::parse_response("", options);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::kTransport);

  auto until_close = detail::parse_response("HTTP/1.1 200 OK\r\n\r\nto the end", options);
  REQUIRE(until_close.ok());
  CHECK(until_close->body == "to the end");

  auto moved = detail::parse_response(
      "HTTP/1.1 302 Found\r\nLocation: https://x.example/\r\nContent-Length: 0\r\n\r\n", options);
  REQUIRE_FALSE(moved.ok());
  CHECK(moved.error().http_status == 302);
}
