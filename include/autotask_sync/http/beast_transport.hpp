// HTTPS transport over Boost.Beast and OpenSSL.
//
// Certificate and host-name verification are always on; SNI is sent; the trust store is the
// system's CA store unless a CA file is configured. Every connect, handshake, write and read has a
// deadline. Connections are kept alive and reused per (host, port); a connection the server closed
// is replaced transparently when the request was certainly not sent on it. The transport is safe
// to share between threads: each request uses a connection no other request is using.
//
// Not supported: plain http (refused with kSecurity), redirects (a 3xx is returned as a response),
// HTTP/2, client certificates.
#pragma once

#include <autotask_sync/http/transport.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace autotask_sync::http {

struct BeastTransportOptions {
  std::optional<std::string> ca_file;  // PEM bundle; when absent the system CA store is used
  std::chrono::milliseconds connect_timeout{10'000};    // resolve + TCP connect
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
  std::chrono::milliseconds request_timeout{120'000};   // write the request and read the response
  std::size_t max_connections_per_host = 8;             // idle connections kept for reuse
  std::size_t max_response_body_bytes = 64 * 1024 * 1024;
  std::string user_agent = "autotask_sync";
};

class BeastTransport final : public Transport {
 public:
  // Fails with kInvalidArgument when the CA file cannot be read or holds no certificate.
  static Result<std::shared_ptr<BeastTransport>> create(BeastTransportOptions options);

  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  Result<Response> send(const Request& request) override;

  // Connections opened since creation (a reused connection is not counted again).
  std::size_t connections_opened() const noexcept;

  struct Impl;

 private:
  explicit BeastTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotask_sync::http
