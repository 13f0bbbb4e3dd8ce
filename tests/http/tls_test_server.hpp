// A loopback HTTPS server for transport tests: Beast over TLS on its own thread, listening on an
// ephemeral port of 127.0.0.1, answering each request as a test-supplied handler decides and
// recording what arrived.
#pragma once

#include "sim/tls_certificate.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autotask_test {

struct RecordedRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as received
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::size_t connection = 0;     // index of the accepted connection it arrived on, from 0
  std::size_t on_connection = 0;  // index of the request on that connection, from 0

  // The first header of that name (ASCII case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
  std::size_t header_count(std::string_view name) const;
};

struct Reply {
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  // hold the response this long, to make a client time out
  bool close_after = false;            // close the connection after the response, unannounced
  bool drop = false;                   // close the connection instead of answering
  // Hand-framed replies: when set, these bytes are sent as they are instead of a response built
  // from status, headers and body (for malformed, chunked or truncated responses)...
  std::optional<std::string> raw;
  // ...followed, when not empty, by this text again and again until the client stops reading
  // and closes: an endless header or chunked body. The connection then ends.
  std::string repeat;
};

class TlsTestServer {
 public:
  // Decides the reply to one request; runs on the server's thread.
  using Handler = std::function<Reply(const RecordedRequest&)>;

  // Starts listening at once. Throws when the certificate or the socket cannot be set up, which
  // fails the test that created the server.
  explicit TlsTestServer(const autotask_sim::CertificatePair& identity, Handler handler = {});
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  std::uint16_t port() const;
  // "https://127.0.0.1:<port><path>", or with another host name that resolves to loopback.
  std::string url(std::string_view path, std::string_view host = "127.0.0.1") const;

  std::size_t connections_accepted() const;
  // Bytes of Reply::repeat written so far, over every connection.
  std::size_t repeated_bytes_written() const;
  std::vector<RecordedRequest> requests() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace autotask_test
