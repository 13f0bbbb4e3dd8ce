#include "http/test_support.hpp"
#include "http/tls_test_server.hpp"
#include "sim/tls_certificate.hpp"

#include <autotask_sync/http/beast_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using autotask_sync::ErrorCode;
using autotask_sync::http::BeastTransport;
using autotask_sync::http::BeastTransportOptions;
using autotask_sync::http::Method;
using autotask_sync::http::Request;
using autotask_test::RecordedRequest;
using autotask_test::Reply;
using autotask_test::TlsTestServer;

using http_test::contains;
using http_test::make_certificate;
using http_test::TempFile;

namespace {

using namespace std::chrono_literals;

// A server with its own certificate and a client that trusts exactly that certificate.
struct Fixture {
  explicit Fixture(TlsTestServer::Handler handler = {},
                   const autotask_sim::CertificatePair& identity = make_certificate())
      : certificate(identity),
        ca_file(identity.certificate_pem),
        server(identity, std::move(handler)) {}

  BeastTransportOptions options() const {
    BeastTransportOptions result;
    result.ca_file = ca_file.path();
    result.connect_timeout = 2000ms;
    result.handshake_timeout = 2000ms;
    result.request_timeout = 2000ms;
    return result;
  }

  std::shared_ptr<BeastTransport> transport() const { return transport(options()); }
  std::shared_ptr<BeastTransport> transport(BeastTransportOptions with) const {
    auto created = BeastTransport::create(std::move(with));
    REQUIRE(created.ok());
    return *created;
  }

  autotask_sim::CertificatePair certificate;
  TempFile ca_file;
  TlsTestServer server;
};

Request get(std::string url) {
  Request request;
  request.method = Method::kGet;
  request.url = std::move(url);
  return request;
}

// A TCP port on 127.0.0.1 that nothing listens on: bound, then closed again.
std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

// What a send returned, for the test log when an expectation fails.
std::string outcome(const autotask_sync::Result<autotask_sync::http::Response>& result) {
  if (result.ok()) return "HTTP " + std::to_string(result->status);
  return result.error().describe();
}

Reply echo(const RecordedRequest& request) {
  Reply reply;
  reply.body = request.method + " " + request.target + " " + request.body;
  reply.headers = {{"X-Reply", "yes"}, {"Content-Type", "text/plain"}};
  return reply;
}

}  // namespace

TEST_CASE("a GET round trip sends the caller's headers and returns status, headers and body") {
  Fixture fixture(echo);
  auto transport = fixture.transport();
  Request request = get(fixture.server.url("/ATServicesRest/V1.0/Companies/1?fields=id"));
  request.headers.set("ApiIntegrationCode", "integration-code");
  request.headers.set("Accept", "application/json");

  auto result = transport->send(request);
  INFO(outcome(result));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(result->body == "GET /ATServicesRest/V1.0/Companies/1?fields=id ");
  CHECK(result->headers.get("x-reply") == "yes");
  CHECK(result->headers.get("Content-Length") == std::to_string(result->body.size()));

  auto received = fixture.server.requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].method == "GET");
  CHECK(received[0].target == "/ATServicesRest/V1.0/Companies/1?fields=id");
  CHECK(received[0].header("Host") == "127.0.0.1:" + std::to_string(fixture.server.port()));
  CHECK(received[0].header("User-Agent") == "autotask_sync");
  CHECK(received[0].header("ApiIntegrationCode") == "integration-code");
  CHECK(received[0].header("Accept") == "application/json");
  CHECK_FALSE(received[0].header("Content-Type").has_value());
  // No body and a method that expects none: RFC 9110 asks for no Content-Length.
  CHECK_FALSE(received[0].header("Content-Length").has_value());
}

TEST_CASE("a POST sends its body with Content-Length and a JSON Content-Type") {
  Fixture fixture(echo);
  auto transport = fixture.transport();
  Request request;
  request.method = Method::kPost;
  request.url = fixture.server.url("/ATServicesRest/V1.0/Tickets");
  request.body = R"({"title":"Printer jam"})";

  auto result = transport->send(request);
  INFO(outcome(result));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(result->body == R"(POST /ATServicesRest/V1.0/Tickets {"title":"Printer jam"})");

  auto received = fixture.server.requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].body == R"({"title":"Printer jam"})");
  CHECK(received[0].header("Content-Length") == "23");
  CHECK(received[0].header("Content-Type") == "application/json");
}

TEST_CASE("a PATCH keeps the caller's Content-Type and User-Agent and replaces framing headers") {
  Fixture fixture(echo);
  auto transport = fixture.transport();
  Request request;
  request.method = Method::kPatch;
  request.url = fixture.server.url("/ATServicesRest/V1.0/Tickets");
  request.body = R"({"id":7,"status":5})";
  request.headers.set("Content-Type", "application/json; charset=utf-8");
  request.headers.set("User-Agent", "portal/2.1");
  request.headers.set("Content-Length", "999");
  request.headers.set("Host", "elsewhere.example");

  auto result = transport->send(request);
  INFO(outcome(result));
  REQUIRE(result.ok());
  CHECK(result->body == R"(PATCH /ATServicesRest/V1.0/Tickets {"id":7,"status":5})");

  auto received = fixture.server.requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].method == "PATCH");
  CHECK(received[0].header_count("Content-Type") == 1);
  CHECK(received[0].header("Content-Type") == "application/json; charset=utf-8");
  CHECK(received[0].header_count("User-Agent") == 1);
  CHECK(received[0].header("User-Agent") == "portal/2.1");
  CHECK(received[0].header("Content-Length") == "19");
  CHECK(received[0].header("Host") == "127.0.0.1:" + std::to_string(fixture.server.port()));
}

TEST_CASE("a 500 and a 401 come back as responses, not errors") {
  Fixture fixture([](const RecordedRequest& request) {
    Reply reply;
    if (request.target == "/fail") {
      reply.status = 500;
      reply.body = R"({"errors":["dueDateTime is required."]})";
    } else {
      reply.status = 401;
      reply.body = "";
    }
    return reply;
  });
  auto transport = fixture.transport();

  auto failed = transport->send(get(fixture.server.url("/fail")));
  INFO(outcome(failed));
  REQUIRE(failed.ok());
  CHECK(failed->status == 500);
  CHECK(failed->body == R"({"errors":["dueDateTime is required."]})");

  auto unauthorized = transport->send(get(fixture.server.url("/auth")));
  INFO(outcome(unauthorized));
  REQUIRE(unauthorized.ok());
  CHECK(unauthorized->status == 401);
  CHECK(unauthorized->body.empty());
}

TEST_CASE("keep-alive: five sequential requests open exactly one connection") {
  Fixture fixture;
  auto transport = fixture.transport();
  for (int i = 0; i < 5; ++i) {
    auto result = transport->send(get(fixture.server.url("/item/" + std::to_string(i))));
    INFO(outcome(result));
    REQUIRE(result.ok());
    CHECK(result->status == 200);
  }
  CHECK(transport->connections_opened() == 1);
  CHECK(fixture.server.connections_accepted() == 1);
  auto received = fixture.server.requests();
  REQUIRE(received.size() == 5);
  CHECK(received[4].on_connection == 4);
}

TEST_CASE("a server that closes after every response still serves three requests") {
  Fixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.close_after = true;
    return reply;
  });
  auto transport = fixture.transport();
  for (int i = 0; i < 3; ++i) {
    auto result = transport->send(get(fixture.server.url("/again")));
    INFO(outcome(result));
    REQUIRE(result.ok());
    CHECK(result->body == "ok");
  }
  CHECK(transport->connections_opened() == 3);
  CHECK(fixture.server.connections_accepted() == 3);
  CHECK(fixture.server.requests().size() == 3);
}

TEST_CASE("a pooled connection dropped when the next request arrives is retried once") {
  // Every connection serves one request, then drops the next without answering: the client finds
  // out only after it has written the request, the case the retry exists for.
  Fixture fixture([](const RecordedRequest& request) {
    Reply reply;
    reply.drop = request.on_connection > 0;
    reply.body = "served on " + std::to_string(request.connection);
    return reply;
  });
  auto transport = fixture.transport();

  auto first = transport->send(get(fixture.server.url("/one")));
  INFO(outcome(first));
  REQUIRE(first.ok());
  CHECK(first->body == "served on 0");
  auto second = transport->send(get(fixture.server.url("/two")));
  INFO(outcome(second));
  REQUIRE(second.ok());
  CHECK(second->body == "served on 1");

  CHECK(transport->connections_opened() == 2);
  auto received = fixture.server.requests();
  REQUIRE(received.size() == 3);
  CHECK(received[1].target == "/two");
  CHECK(received[2].target == "/two");
}

TEST_CASE("a request that fails on a new connection is not retried") {
  Fixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.drop = true;
    return reply;
  });
  auto transport = fixture.transport();
  auto result = transport->send(get(fixture.server.url("/dropped")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK(result.error().request_sent);
  CHECK(result.error().message == "127.0.0.1:" + std::to_string(fixture.server.port()) +
                                      " closed the connection before responding");
  CHECK(transport->connections_opened() == 1);
  CHECK(fixture.server.requests().size() == 1);
}

TEST_CASE("eight threads sending ten requests each all succeed") {
  Fixture fixture(echo);
  auto transport = fixture.transport();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::vector<int> matched(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string path = "/t" + std::to_string(t) + "/r" + std::to_string(i);
        auto result = transport->send(get(fixture.server.url(path)));
        if (result.ok() && result->status == 200 && result->body == "GET " + path + " ") {
          ++matched[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(matched[static_cast<std::size_t>(t)] == kPerThread);
  CHECK(fixture.server.requests().size() == kThreads * kPerThread);
  // Never more connections than requests in flight at once.
  CHECK(transport->connections_opened() >= 1);
  CHECK(transport->connections_opened() <= kThreads);
}

TEST_CASE("a host name is resolved and verified against the certificate's DNS names") {
  Fixture fixture(echo, make_certificate({"localhost"}, {}));
  auto transport = fixture.transport();
  auto result = transport->send(get(fixture.server.url("/by-name", "localhost")));
  INFO(outcome(result));
  REQUIRE(result.ok());
  CHECK(result->body == "GET /by-name ");
  auto received = fixture.server.requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].header("Host") == "localhost:" + std::to_string(fixture.server.port()));
}

TEST_CASE("a certificate the CA file does not hold is refused with a transport error") {
  Fixture fixture;
  TempFile other_ca(make_certificate().certificate_pem);
  auto options = fixture.options();
  options.ca_file = other_ca.path();
  auto transport = fixture.transport(options);

  auto result = transport->send(get(fixture.server.url("/")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message, "TLS handshake with 127.0.0.1:"));
  CHECK(contains(result.error().message, "certificate"));
  CHECK(fixture.server.requests().empty());
}

TEST_CASE("a certificate without the IP address connected to is refused") {
  Fixture fixture({}, make_certificate({"localhost"}, {}));
  auto transport = fixture.transport();
  auto result = transport->send(get(fixture.server.url("/")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message, "IP address mismatch"));
  CHECK(fixture.server.requests().empty());
}

TEST_CASE("a certificate for another host name is refused") {
  Fixture fixture({}, make_certificate({"portal.example.test"}, {}));
  auto transport = fixture.transport();
  auto result = transport->send(get(fixture.server.url("/", "localhost")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK(contains(result.error().message, "hostname mismatch"));
  CHECK(fixture.server.requests().empty());
}

TEST_CASE("a response that does not arrive in time is a timeout with the request sent") {
  Fixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.delay = 10s;
    return reply;
  });
  auto options = fixture.options();
  options.request_timeout = 300ms;
  auto transport = fixture.transport(options);
  Request request = get(fixture.server.url("/slow?user=someone"));
  request.headers.set("Secret", "header-secret-value");

  auto result = transport->send(request);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTimeout);
  CHECK(result.error().request_sent);
  CHECK(contains(result.error().message, "127.0.0.1:" + std::to_string(fixture.server.port())));
  CHECK_FALSE(contains(result.error().message, "header-secret-value"));
  CHECK_FALSE(contains(result.error().message, "someone"));
  CHECK(fixture.server.requests().size() == 1);
}

TEST_CASE("a pooled connection that times out is not retried") {
  Fixture fixture([](const RecordedRequest& request) {
    Reply reply;
    if (request.on_connection > 0) reply.delay = 10s;
    return reply;
  });
  auto options = fixture.options();
  options.request_timeout = 300ms;
  auto transport = fixture.transport(options);
  REQUIRE(transport->send(get(fixture.server.url("/fast"))).ok());
  auto result = transport->send(get(fixture.server.url("/slow")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTimeout);
  CHECK(transport->connections_opened() == 1);
  CHECK(fixture.server.requests().size() == 2);
}

TEST_CASE("a server that never completes the TLS handshake is a timeout before sending") {
  // A listening socket that never accepts: the kernel completes the TCP handshake, nothing answers
  // the ClientHello.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = silent.local_endpoint().port();
  TempFile ca(make_certificate().certificate_pem);
  BeastTransportOptions options;
  options.ca_file = ca.path();
  options.handshake_timeout = 300ms;
  auto created = BeastTransport::create(options);
  REQUIRE(created.ok());

  auto result = (*created)->send(get("https://127.0.0.1:" + std::to_string(port) + "/"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTimeout);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message, "TLS handshake with 127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("a refused connection is a transport error with the request not sent") {
  TempFile ca(make_certificate().certificate_pem);
  BeastTransportOptions options;
  options.ca_file = ca.path();
  auto created = BeastTransport::create(options);
  REQUIRE(created.ok());
  const auto port = closed_port();

  auto result = (*created)->send(get("https://127.0.0.1:" + std::to_string(port) + "/x"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message, "connecting to 127.0.0.1:" + std::to_string(port)));
  CHECK((*created)->connections_opened() == 0);
}

TEST_CASE("a plain http URL is refused as a security error without showing the query") {
  auto created = BeastTransport::create({});
  REQUIRE(created.ok());
  auto result = (*created)->send(get("http://127.0.0.1:1/ATServicesRest?user=api-user@example"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kSecurity);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message, "http"));
  CHECK_FALSE(contains(result.error().message, "api-user"));
  CHECK((*created)->connections_opened() == 0);
}

TEST_CASE("unsafe, unsupported or malformed URLs are refused before connecting") {
  auto created = BeastTransport::create({});
  REQUIRE(created.ok());
  auto& transport = **created;

  auto userinfo = transport.send(get("https://user:hunter2@127.0.0.1:1/"));
  REQUIRE_FALSE(userinfo.ok());
  CHECK(userinfo.error().code == ErrorCode::kSecurity);
  CHECK_FALSE(contains(userinfo.error().message, "hunter2"));

  auto ftp = transport.send(get("ftp://127.0.0.1/file"));
  REQUIRE_FALSE(ftp.ok());
  CHECK(ftp.error().code == ErrorCode::kUnsupported);
  CHECK(contains(ftp.error().message, "ftp"));

  auto relative = transport.send(get("/ATServicesRest/V1.0/Companies"));
  REQUIRE_FALSE(relative.ok());
  CHECK(relative.error().code == ErrorCode::kInvalidArgument);

  // 65979 would wrap around to 443 if the port were truncated to 16 bits.
  auto bad_port = transport.send(get("https://127.0.0.1:65979/"));
  REQUIRE_FALSE(bad_port.ok());
  CHECK(bad_port.error().code == ErrorCode::kInvalidArgument);
  CHECK(transport.connections_opened() == 0);
}

TEST_CASE("a header value with a line break is refused before connecting") {
  auto created = BeastTransport::create({});
  REQUIRE(created.ok());
  Request request = get("https://127.0.0.1:1/");
  request.headers.set("Secret", "value\r\nX-Injected: 1");
  auto result = (*created)->send(request);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kInvalidArgument);
  CHECK(contains(result.error().message, "Secret"));
  CHECK_FALSE(contains(result.error().message, "Injected"));
}

TEST_CASE("a missing CA file makes create fail with the path in the message") {
  BeastTransportOptions options;
  options.ca_file = "/nonexistent/autotask_sync/ca.pem";
  auto created = BeastTransport::create(options);
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().code == ErrorCode::kInvalidArgument);
  CHECK(contains(created.error().message, "/nonexistent/autotask_sync/ca.pem"));
}

TEST_CASE("a CA file without a certificate makes create fail with the path in the message") {
  TempFile not_a_certificate("this is not a PEM certificate\n");
  BeastTransportOptions options;
  options.ca_file = not_a_certificate.path();
  auto created = BeastTransport::create(options);
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().code == ErrorCode::kInvalidArgument);
  CHECK(contains(created.error().message, not_a_certificate.path()));
}

TEST_CASE("a zero timeout makes create fail") {
  BeastTransportOptions options;
  options.request_timeout = 0ms;
  auto created = BeastTransport::create(options);
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("a body over the limit is a protocol error") {
  Fixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.body = std::string(4096, 'x');
    return reply;
  });
  auto options = fixture.options();
  options.max_response_body_bytes = 1024;
  auto transport = fixture.transport(options);

  auto result = transport->send(get(fixture.server.url("/big")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kProtocol);
  CHECK(result.error().request_sent);
  CHECK(contains(result.error().message, "1024"));

  options.max_response_body_bytes = 4096;
  auto exact = fixture.transport(options)->send(get(fixture.server.url("/big")));
  INFO(outcome(exact));
  REQUIRE(exact.ok());
  CHECK(exact->body.size() == 4096);
}

TEST_CASE("headers over the limit are a protocol error") {
  Fixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.headers = {{"X-Large", std::string(2048, 'h')}};
    return reply;
  });
  auto options = fixture.options();
  options.max_response_header_bytes = 1024;
  auto result = fixture.transport(options)->send(get(fixture.server.url("/")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kProtocol);
}

TEST_CASE("with pooling disabled every request opens a connection") {
  Fixture fixture;
  auto options = fixture.options();
  options.max_connections_per_host = 0;
  auto transport = fixture.transport(options);
  for (int i = 0; i < 2; ++i) REQUIRE(transport->send(get(fixture.server.url("/"))).ok());
  CHECK(transport->connections_opened() == 2);
}
