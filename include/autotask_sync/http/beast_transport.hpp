// HTTPS transport over Boost.Beast and OpenSSL.
//
// Certificate and host-name verification are always on (IP literals are verified against the
// certificate's IP addresses and get no SNI); SNI is sent; the trust store is the system's CA store
// unless a CA file is configured; TLS 1.2 is the minimum. Every resolve, connect, handshake, write
// and read has a deadline. Connections are kept alive and reused per (host, port); an idle
// connection that shows it was closed is dropped before use, and a pooled connection that fails
// with EOF or a reset before any byte of the response arrives is replaced and the request sent
// once more on a fresh connection (never after a response started, never on a new connection).
// The transport is safe to share between threads: each request uses a connection no other request
// is using.
//
// Errors: kTransport (resolve, connect, TLS, I/O) and kTimeout (a deadline passed), with
// request_sent set once any byte of the request may have reached the server; kProtocol for a
// response over the size limits or not valid HTTP; kSecurity for a plain http URL or one with user
// information; kUnsupported for other schemes; kInvalidArgument for a malformed URL or a header
// with a line break. Messages name the host:port and the phase, never the path, query, a header
// value or a body.
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
  std::size_t max_connections_per_host = 8;             // idle connections kept for reuse; 0: none
  std::size_t max_response_body_bytes = 64 * 1024 * 1024;
  std::size_t max_response_header_bytes = 64 * 1024;   // status line and header fields together
  // An idle connection older than this is closed instead of reused: servers commonly drop idle
  // connections after about a minute, and reusing one just before that only costs a retry.
  std::chrono::milliseconds idle_timeout{50'000};
  std::string user_agent = "autotask_sync";  // sent unless the request has its own User-Agent
};

class BeastTransport final : public Transport {
 public:
  // Fails with kInvalidArgument when the CA file cannot be read or holds no certificate (the
  // message names the path), when a timeout is not positive, or the user agent has a line break.
  static Result<std::shared_ptr<BeastTransport>> create(BeastTransportOptions options);

  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  // Sends Host, User-Agent and Content-Length (when there is a body or the method expects one)
  // and the caller's headers; Host, Content-Length and Transfer-Encoding from the caller are
  // replaced by the transport's own. Content-Type application/json is added to a non-empty body
  // unless the caller gave a Content-Type. Name resolution for host names runs on a short-lived
  // thread so that the connect deadline can stop the wait; the destructor waits for any such
  // thread still inside the system resolver.
  Result<Response> send(const Request& request) override;

  // TCP connections opened since creation (a reused connection is not counted again).
  std::size_t connections_opened() const noexcept;

  struct Impl;

 private:
  explicit BeastTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotask_sync::http
