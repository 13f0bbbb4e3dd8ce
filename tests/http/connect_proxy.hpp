// A loopback HTTP CONNECT proxy for transport tests: plain TCP on an ephemeral port of 127.0.0.1,
// on its own thread. It records every CONNECT request line and Proxy-Authorization header, then
// either answers with the refusal it was told to give or connects to the requested port and relays
// bytes both ways until one side closes. It only ever connects to loopback addresses: anything
// else gets a 502, so a test can never reach outside the machine through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autotask_test {

struct ConnectRecord {
  std::string request_line;  // as received, without the CRLF: "CONNECT 127.0.0.1:1234 HTTP/1.1"
  std::optional<std::string> host;
  std::optional<std::string> proxy_authorization;  // the header's value, if it was sent
};

class ConnectProxy {
 public:
  // Starts listening at once; throws when the socket cannot be set up, which fails the test.
  ConnectProxy();
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>", or "http://<userinfo>@127.0.0.1:<port>" with user information.
  std::string url(std::string_view userinfo = {}) const;

  // 200 (the default) opens tunnels; any other status (407, 502, ...) is sent to every later
  // CONNECT with Connection: close and a short body, and the connection is closed.
  void answer_with(int status);

  // CONNECT requests received, answered or not.
  std::size_t connects() const;
  std::vector<ConnectRecord> records() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace autotask_test
