// HTTPS transport over Boost.Beast and OpenSSL.
//
// Certificate and host-name verification are always on (IP literals are verified against the
// certificate's IP addresses and get no SNI); SNI is sent; the trust store is the system's CA store
// unless a CA file or in-memory CA certificates are configured; TLS 1.2 is the minimum. Every
// resolve, connect, proxy tunnel set-up, handshake, write and read has a deadline. Connections are
// kept alive and reused per (host, port, proxy); an idle connection that shows it was closed is
// dropped before use, and a pooled connection that fails with EOF or a reset before any byte of
// the response arrives is replaced and the request sent once more on a fresh connection (never
// after a response started, never on a new connection). The transport is safe to share between
// threads: each request uses a connection no other request is using.
//
// Through an HTTP proxy (BeastTransportOptions::proxy_url) each connection is a CONNECT tunnel:
// TLS runs end to end with the origin server, so SNI, certificate and host-name verification are
// exactly as without a proxy, and the proxy sees only the origin's host:port.
//
// Errors: kTransport (resolve, connect, proxy refusal, TLS, I/O) and kTimeout (a deadline passed),
// with request_sent set once any byte of the request may have reached the server; kProtocol for a
// response over the size limits, not valid HTTP, or a redirect; kSecurity for a plain http URL or
// one with user information; kUnsupported for other schemes; kInvalidArgument for a malformed URL
// or a header with a line break. Messages name the host:port (and the proxy's) and the phase,
// never the path, query, a header value, a body or proxy credentials.
//
// Redirects are never followed: a 3xx response fails with kProtocol (http_status set, Location not
// quoted), because following one would carry the credential headers to a URL the caller did not
// choose.
//
// Not supported: plain http (refused with kSecurity), following redirects, HTTP/2, client
// certificates; SOCKS proxies, TLS to the proxy itself (https:// proxy URLs), and proxy
// authentication other than Basic (an NTLM or Kerberos proxy needs a local relay that
// authenticates for the host).
#pragma once

#include <autotask_sync/http/transport.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace autotask_sync::http {

struct BeastTransportOptions {
  // The certificates trusted for server verification. When neither ca_file nor ca_pem is given the
  // system CA store is used; otherwise exactly the certificates of the ones given (both, when both
  // are), so that a host can pin its trust to its own bundle without the system store widening it.
  std::optional<std::string> ca_file;  // path of a PEM bundle, read once by create()
  // PEM certificates held in memory, for hosts that keep their CA bundle in a secret store or
  // configuration rather than in a file. It must hold at least one certificate.
  std::optional<std::string> ca_pem;

  // An HTTP proxy to reach every server through, as "http://proxy.example:3128" or, for Basic
  // proxy authentication, "http://user:password@proxy.example:3128" (reserved characters in the
  // user or password percent-encoded; the port defaults to 80, as for any http URL). Each
  // connection then opens TCP to the proxy, which alone is resolved here (the proxy resolves the
  // origin), sends "CONNECT host:port HTTP/1.1" with Host, User-Agent and, with credentials,
  // Proxy-Authorization, and needs a 2xx answer before TLS with the origin starts through the
  // tunnel. A refusal is a kTransport error naming the proxy and the status; the credentials are
  // never part of an error. Basic credentials reach the proxy unencrypted (base64 is an encoding),
  // as with any http proxy, so they should be ones that open nothing but the proxy.
  // Absent: direct connections. Not read from HTTPS_PROXY or any other environment variable: a
  // library whose route changed with its environment would surprise the host, so a host that
  // honours those variables (and NO_PROXY) reads them itself and passes the URL here, or creates
  // one transport per route. create() fails for a URL other than http://host[:port] with at most
  // a "/" path (kUnsupported for other schemes, kInvalidArgument otherwise).
  std::optional<std::string> proxy_url;

  // Lets the TLS handshake succeed with a server that lacks RFC 5746 secure renegotiation, which
  // OpenSSL 3 otherwise refuses with "unsafe legacy renegotiation disabled" (error 0A000152); some
  // Autotask front ends were reported in 2023 to answer that way over TLS 1.2. This sets
  // SSL_OP_LEGACY_SERVER_CONNECT and weakens the connection: with such a server an active attacker
  // can splice data of its own in front of the session (CVE-2009-3555). Off by default; turn it on
  // only for a server that fails with that error, never as a general setting. TLS 1.3 servers are
  // not affected either way.
  bool allow_legacy_tls_renegotiation = false;

  // Resolve + TCP connect; through a proxy, the proxy's answer to CONNECT has a period as long
  // again, since the proxy resolves and connects to the origin in that time.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS handshake
  std::chrono::milliseconds request_timeout{120'000};   // write the request and read the response
  std::size_t max_connections_per_host = 8;             // idle connections kept for reuse; 0: none
  // Limits on a response, so that an oversized or endless one is an error rather than an
  // allocation. The body limit counts the decoded body (chunked or not): an Autotask page of 500
  // records is under 5 MB, so 32 MiB leaves room without letting a broken server exhaust memory.
  // The header limit covers the status line and header fields together, and also bounds each
  // chunk-size line and the trailer of a chunked body. Exceeding either fails the request with
  // kProtocol and a message that names the limit and its option; the connection is closed.
  std::size_t max_response_body_bytes = std::size_t{32} * 1024 * 1024;
  std::size_t max_response_header_bytes = std::size_t{64} * 1024;
  // An idle connection older than this is closed instead of reused: servers commonly drop idle
  // connections after about a minute, and reusing one just before that only costs a retry.
  std::chrono::milliseconds idle_timeout{50'000};
  // Sent unless the request has its own User-Agent, and on every CONNECT to a proxy (corporate
  // proxies often log or filter by it).
  std::string user_agent = "autotask_sync";
};

class BeastTransport final : public Transport {
 public:
  // Fails with kInvalidArgument when the CA file cannot be read or holds no certificate (the
  // message names the path), when ca_pem holds no certificate, when a timeout is not positive, the
  // user agent has a line break or the proxy URL is malformed; with kUnsupported for a proxy URL
  // that is not http.
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

  // TCP connections opened since creation, to the server or through a proxy to the proxy (a
  // reused connection is not counted again).
  std::size_t connections_opened() const noexcept;

  struct Impl;

 private:
  explicit BeastTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotask_sync::http
