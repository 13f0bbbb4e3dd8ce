// The options a corporate host needs: an HTTP CONNECT proxy, in-memory CA certificates and the
// legacy renegotiation opt-in.
#include "http/beast_transport_detail.hpp"
#include "http/connect_proxy.hpp"
#include "http/test_support.hpp"
#include "http/tls_test_server.hpp"
#include "sim/tls_certificate.hpp"

#include <autotask_sync/http/beast_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using autotask_sync::ErrorCode;
using autotask_sync::http::BeastTransport;
using autotask_sync::http::BeastTransportOptions;
using autotask_sync::http::Method;
using autotask_sync::http::Request;
using autotask_test::ConnectProxy;
using autotask_test::RecordedRequest;
using autotask_test::Reply;
using autotask_test::TlsTestServer;

using http_test::contains;
using http_test::make_certificate;
using http_test::TempFile;

namespace {

using namespace std::chrono_literals;

// A TCP port on 127.0.0.1 that nothing listens on: bound, then closed again.
std::uint16_t closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

Request get(std::string url) {
  Request request;
  request.method = Method::kGet;
  request.url = std::move(url);
  return request;
}

std::string outcome(const autotask_sync::Result<autotask_sync::http::Response>& result) {
  if (result.ok()) return "HTTP " + std::to_string(result->status);
  return result.error().describe();
}

Reply echo(const RecordedRequest& request) {
  Reply reply;
  reply.body = request.method + " " + request.target;
  return reply;
}

// A TLS server, a proxy in front of it, and options that trust the server's certificate from
// memory and route through the proxy.
struct ProxiedFixture {
  explicit ProxiedFixture(TlsTestServer::Handler handler = echo,
                          const autotask_sim::CertificatePair& identity = make_certificate())
      : certificate(identity), server(identity, std::move(handler)) {}

  BeastTransportOptions options(std::string_view userinfo = {}) const {
    BeastTransportOptions result;
    result.ca_pem = certificate.certificate_pem;
    result.proxy_url = proxy.url(userinfo);
    result.connect_timeout = 2000ms;
    result.handshake_timeout = 2000ms;
    result.request_timeout = 2000ms;
    return result;
  }

  static std::shared_ptr<BeastTransport> transport(BeastTransportOptions with) {
    auto created = BeastTransport::create(std::move(with));
    INFO((created.ok() ? std::string("created") : created.error().describe()));
    REQUIRE(created.ok());
    return *created;
  }

  std::string origin() const { return "127.0.0.1:" + std::to_string(server.port()); }
  std::string proxy_authority() const { return "127.0.0.1:" + std::to_string(proxy.port()); }

  autotask_sim::CertificatePair certificate;
  TlsTestServer server;
  ConnectProxy proxy;
};

}  // namespace

TEST_CASE("a request through the proxy reaches the server over a CONNECT tunnel") {
  ProxiedFixture fixture;
  auto transport = ProxiedFixture::transport(fixture.options());

  auto result = transport->send(get(fixture.server.url("/ATServicesRest/V1.0/Companies/1")));
  INFO(outcome(result));
  REQUIRE(result.ok());
  CHECK(result->status == 200);
  CHECK(result->body == "GET /ATServicesRest/V1.0/Companies/1");

  auto connects = fixture.proxy.records();
  REQUIRE(connects.size() == 1);
  CHECK(connects[0].request_line == "CONNECT " + fixture.origin() + " HTTP/1.1");
  CHECK(connects[0].host == fixture.origin());
  CHECK_FALSE(connects[0].proxy_authorization.has_value());

  // The request itself goes to the origin as it would without a proxy: origin-form target and
  // the origin's Host.
  auto received = fixture.server.requests();
  REQUIRE(received.size() == 1);
  CHECK(received[0].target == "/ATServicesRest/V1.0/Companies/1");
  CHECK(received[0].header("Host") == fixture.origin());
  CHECK_FALSE(received[0].header("Proxy-Authorization").has_value());
  CHECK(transport->connections_opened() == 1);
}

TEST_CASE("two requests through the proxy share one tunnel") {
  ProxiedFixture fixture;
  auto transport = ProxiedFixture::transport(fixture.options());
  for (int i = 0; i < 2; ++i) {
    auto result = transport->send(get(fixture.server.url("/item/" + std::to_string(i))));
    INFO(outcome(result));
    REQUIRE(result.ok());
  }
  CHECK(fixture.proxy.connects() == 1);
  CHECK(transport->connections_opened() == 1);
  CHECK(fixture.server.connections_accepted() == 1);
  auto received = fixture.server.requests();
  REQUIRE(received.size() == 2);
  CHECK(received[1].on_connection == 1);
}

TEST_CASE("a server that closes after every response gets a new tunnel for each request") {
  ProxiedFixture fixture([](const RecordedRequest&) {
    Reply reply;
    reply.close_after = true;
    return reply;
  });
  auto transport = ProxiedFixture::transport(fixture.options());
  for (int i = 0; i < 3; ++i) {
    auto result = transport->send(get(fixture.server.url("/again")));
    INFO(outcome(result));
    REQUIRE(result.ok());
    CHECK(result->body == "ok");
  }
  CHECK(fixture.proxy.connects() == 3);
  CHECK(transport->connections_opened() == 3);
}

TEST_CASE("proxy credentials arrive as Basic and a 407 names the status, never the password") {
  ProxiedFixture fixture;
  // Percent-encoded in the URL, decoded before encoding: "proxy-user:s3cr@t pass".
  auto transport = ProxiedFixture::transport(fixture.options("proxy-user:s3cr%40t%20pass"));
  const std::string encoded = "cHJveHktdXNlcjpzM2NyQHQgcGFzcw==";

  auto accepted = transport->send(get(fixture.server.url("/with-credentials")));
  INFO(outcome(accepted));
  REQUIRE(accepted.ok());
  auto connects = fixture.proxy.records();
  REQUIRE(connects.size() == 1);
  CHECK(connects[0].proxy_authorization == "Basic " + encoded);

  // A fresh transport, so that the pooled tunnel is not reused.
  fixture.proxy.answer_with(407);
  auto refused_transport = ProxiedFixture::transport(fixture.options("proxy-user:s3cr%40t%20pass"));
  auto refused = refused_transport->send(get(fixture.server.url("/refused?user=someone")));
  REQUIRE_FALSE(refused.ok());
  const auto& error = refused.error();
  CHECK(error.code == ErrorCode::kTransport);
  CHECK_FALSE(error.request_sent);
  CHECK(contains(error.message, "407"));
  CHECK(contains(error.message, "proxy " + fixture.proxy_authority()));
  CHECK(contains(error.message, fixture.origin()));
  for (const std::string& secret :
       std::vector<std::string>{"s3cr", "s3cr%40t", encoded, "pass", "someone"}) {
    INFO(secret);
    CHECK_FALSE(contains(error.message, secret));
    CHECK_FALSE(contains(error.describe(), secret));
  }
  CHECK(fixture.proxy.connects() == 2);
  // Nothing reached the server through the refused tunnel.
  CHECK(fixture.server.requests().size() == 1);
}

TEST_CASE("a 502 from the proxy is a transport error with the status") {
  ProxiedFixture fixture;
  fixture.proxy.answer_with(502);
  auto transport = ProxiedFixture::transport(fixture.options());
  auto result = transport->send(get(fixture.server.url("/")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK_FALSE(result.error().request_sent);
  CHECK(result.error().message == "the proxy " + fixture.proxy_authority() +
                                      " refused the tunnel to " + fixture.origin() +
                                      ": HTTP 502 (Bad Gateway)");
  CHECK(fixture.server.connections_accepted() == 0);
}

TEST_CASE("a proxy that refuses the TCP connection is a transport error before sending") {
  const auto port = closed_port();
  BeastTransportOptions options;
  options.ca_pem = make_certificate().certificate_pem;
  options.proxy_url = "http://proxy-user:hunter2@127.0.0.1:" + std::to_string(port);
  auto transport = ProxiedFixture::transport(options);

  auto result = transport->send(get("https://autotask.example.test/ATServicesRest/V1.0/Zone"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTransport);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message,
                 "connecting to the proxy 127.0.0.1:" + std::to_string(port) + " failed"));
  CHECK_FALSE(contains(result.error().message, "hunter2"));
  // Only the proxy is connected to; the origin's name is left to the proxy to resolve.
  CHECK_FALSE(contains(result.error().message, "resolving"));
  CHECK(transport->connections_opened() == 0);
}

TEST_CASE("a proxy that never answers CONNECT is a timeout before sending") {
  // Listening but never accepting: the kernel completes the TCP handshake, nothing answers.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = silent.local_endpoint().port();
  BeastTransportOptions options;
  options.ca_pem = make_certificate().certificate_pem;
  options.proxy_url = "http://127.0.0.1:" + std::to_string(port);
  options.connect_timeout = 300ms;
  auto transport = ProxiedFixture::transport(options);

  auto result = transport->send(get("https://127.0.0.1:9/"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::kTimeout);
  CHECK_FALSE(result.error().request_sent);
  CHECK(contains(result.error().message, "the proxy 127.0.0.1:" + std::to_string(port) +
                                             " did not answer CONNECT to 127.0.0.1:9"));
}

TEST_CASE("certificate verification still applies through the tunnel") {
  SUBCASE("a certificate that is not trusted") {
    ProxiedFixture fixture;
    auto options = fixture.options();
    options.ca_pem = make_certificate().certificate_pem;
    auto result = ProxiedFixture::transport(options)->send(get(fixture.server.url("/")));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == ErrorCode::kTransport);
    CHECK_FALSE(result.error().request_sent);
    CHECK(contains(result.error().message, "TLS handshake with " + fixture.origin() +
                                               " through the proxy " + fixture.proxy_authority() +
                                               " failed"));
    CHECK(contains(result.error().message, "certificate"));
    CHECK(fixture.proxy.connects() == 1);
    CHECK(fixture.server.requests().empty());
  }
  SUBCASE("a certificate for another host name") {
    ProxiedFixture fixture(echo, make_certificate({"portal.example.test"}, {}));
    auto transport = ProxiedFixture::transport(fixture.options());
    auto result = transport->send(get(fixture.server.url("/", "localhost")));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == ErrorCode::kTransport);
    CHECK(contains(result.error().message, "hostname mismatch"));
    auto connects = fixture.proxy.records();
    REQUIRE(connects.size() == 1);
    CHECK(connects[0].request_line ==
          "CONNECT localhost:" + std::to_string(fixture.server.port()) + " HTTP/1.1");
    CHECK(fixture.server.requests().empty());
  }
  SUBCASE("the origin's host name is what is verified, not the proxy's address") {
    ProxiedFixture fixture(echo, make_certificate({"localhost"}, {}));
    auto transport = ProxiedFixture::transport(fixture.options());
    auto result = transport->send(get(fixture.server.url("/by-name", "localhost")));
    INFO(outcome(result));
    REQUIRE(result.ok());
    CHECK(result->body == "GET /by-name");
  }
}

TEST_CASE("a malformed or unsupported proxy URL makes create fail without showing credentials") {
  struct Case {
    std::string url;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {"https://user:hunter2@proxy.example:3128", ErrorCode::kUnsupported},
      {"socks5://user:hunter2@proxy.example:1080", ErrorCode::kUnsupported},
      {"http://user:hunter2@proxy.example:3128/path", ErrorCode::kInvalidArgument},
      {"http://user:hunter2@proxy.example:3128/?q=1", ErrorCode::kInvalidArgument},
      {"http://user:hunter2@proxy.example:70000", ErrorCode::kInvalidArgument},
      {"http://us%3Aer:hunter2@proxy.example:3128", ErrorCode::kInvalidArgument},
      {"http://user:hunter2@", ErrorCode::kInvalidArgument},
      {"user:hunter2@proxy.example:3128", ErrorCode::kUnsupported},
      {"http://user:hun@ter2@proxy.example:3128", ErrorCode::kInvalidArgument},
      {"", ErrorCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    const std::string& url = c.url;
    const ErrorCode code = c.code;
    INFO(url);
    BeastTransportOptions options;
    options.proxy_url = url;
    auto created = BeastTransport::create(options);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().code == code);
    CHECK(contains(created.error().message, "proxy URL"));
    CHECK_FALSE(contains(created.error().message, "hunter2"));
    CHECK_FALSE(contains(created.error().message, "ter2"));
  }

  BeastTransportOptions valid;
  valid.proxy_url = "http://Proxy.Example/";  // port 80, trailing slash allowed
  CHECK(BeastTransport::create(valid).ok());
}

TEST_CASE("ca_pem trusts the certificates it holds, alone or with a CA file") {
  auto identity = make_certificate();
  TlsTestServer server(identity, echo);
  const auto other = make_certificate();
  TempFile server_file(identity.certificate_pem);
  TempFile other_file(other.certificate_pem);
  const auto send_with = [&](const BeastTransportOptions& options) {
    return ProxiedFixture::transport(options)->send(get(server.url("/trusted")));
  };
  BeastTransportOptions options;

  SUBCASE("ca_pem alone") {
    options.ca_pem = identity.certificate_pem;
    auto result = send_with(options);
    INFO(outcome(result));
    CHECK(result.ok());
  }
  SUBCASE("a bundle of several certificates") {
    options.ca_pem = other.certificate_pem + identity.certificate_pem;
    auto result = send_with(options);
    INFO(outcome(result));
    CHECK(result.ok());
  }
  SUBCASE("the server's certificate in ca_pem, another in the CA file") {
    options.ca_file = other_file.path();
    options.ca_pem = identity.certificate_pem;
    auto result = send_with(options);
    INFO(outcome(result));
    CHECK(result.ok());
  }
  SUBCASE("the server's certificate in the CA file, another in ca_pem") {
    options.ca_file = server_file.path();
    options.ca_pem = other.certificate_pem;
    auto result = send_with(options);
    INFO(outcome(result));
    CHECK(result.ok());
  }
  SUBCASE("neither holds the server's certificate") {
    options.ca_file = other_file.path();
    options.ca_pem = other.certificate_pem;
    auto result = send_with(options);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == ErrorCode::kTransport);
    CHECK(contains(result.error().message, "certificate"));
  }
}

TEST_CASE("a ca_pem without a certificate makes create fail") {
  for (const std::string pem : {"", "not a certificate\n",
                                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}) {
    INFO(pem);
    BeastTransportOptions options;
    options.ca_pem = pem;
    auto created = BeastTransport::create(options);
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().code == ErrorCode::kInvalidArgument);
    CHECK(contains(created.error().message, "ca_pem"));
  }
}

TEST_CASE("legacy renegotiation is refused by default and allowed only when asked for") {
  const auto identity = make_certificate();
  const auto legacy_flag = SSL_OP_LEGACY_SERVER_CONNECT;
  std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> defaults(::SSL_CTX_new(TLS_client_method()),
                                                               &::SSL_CTX_free);
  std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> legacy(::SSL_CTX_new(TLS_client_method()),
                                                             &::SSL_CTX_free);
  REQUIRE(defaults != nullptr);
  REQUIRE(legacy != nullptr);
  // OpenSSL 3 leaves it clear in a new context; the transport must not set it on its own.
  ::SSL_CTX_clear_options(defaults.get(), legacy_flag);
  ::SSL_CTX_clear_options(legacy.get(), legacy_flag);

  BeastTransportOptions options;
  options.ca_pem = identity.certificate_pem;
  REQUIRE(autotask_sync::http::detail::configure_tls_context(defaults.get(), options).ok());
  CHECK((::SSL_CTX_get_options(defaults.get()) & legacy_flag) == 0);

  options.allow_legacy_tls_renegotiation = true;
  REQUIRE(autotask_sync::http::detail::configure_tls_context(legacy.get(), options).ok());
  CHECK((::SSL_CTX_get_options(legacy.get()) & legacy_flag) != 0);

  // The setting changes nothing for a server that does support secure renegotiation.
  TlsTestServer server(identity, echo);
  auto result = ProxiedFixture::transport(options)->send(get(server.url("/legacy")));
  INFO(outcome(result));
  CHECK(result.ok());
}
