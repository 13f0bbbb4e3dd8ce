// Shared pieces of the fuzz targets: the bytes as text, and a Client over a MockTransport whose
// every answer is the fuzz input, so that a harness drives the library's real decoding path.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/http/mock_transport.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace autotask_fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A finding that is not a sanitizer report: a broken invariant of the library.
[[noreturn]] inline void invariant_broken() {
  std::abort();
}

// Points OpenSSL's default trust store at nothing (SSL_CERT_FILE, SSL_CERT_DIR). Creating a
// BeastTransport loads the system CA bundle, which takes seconds under the sanitizers on a busy
// machine and would be reported as a timeout; no harness verifies a certificate. Harnesses that
// create transports call it from a static initializer.
inline bool skip_system_ca_store() {
  ::setenv("SSL_CERT_FILE", "/nonexistent/autotask-sync-fuzz/ca.pem", 1);
  ::setenv("SSL_CERT_DIR", "/nonexistent/autotask-sync-fuzz", 1);
  return true;
}

// ClientOptions that never wait, never poll the budget, and stop a listing after a few pages.
inline autotask_sync::ClientOptions quick_options() {
  autotask_sync::ClientOptions options;
  options.credentials = {"fuzz-user@example.com", "fuzz-secret", "FUZZ-INTEGRATION"};
  options.base_url = "https://webservices5.autotask.net/ATServicesRest/";
  options.max_pages = 4;
  options.limits.watch_budget = false;
  options.retry.max_attempts = 2;
  options.environment.sleep = [](std::chrono::milliseconds) {};
  options.environment.random = [] { return 0.5; };
  options.environment.now = [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'750'000'000));
  };
  return options;
}

// A client whose transport answers every request with `status` and `body` as JSON.
struct MockClient {
  explicit MockClient(std::string body, autotask_sync::ClientOptions options = quick_options(),
                      int status = 200)
      : transport(std::make_shared<autotask_sync::http::MockTransport>()) {
    transport->route([](const autotask_sync::http::Request&) { return true; },
                     [body = std::move(body), status](const autotask_sync::http::Request&) {
                       autotask_sync::http::Response response;
                       response.status = status;
                       response.headers.set("Content-Type", "application/json; charset=utf-8");
                       response.body = body;
                       return autotask_sync::Result<autotask_sync::http::Response>(response);
                     });
    auto created = autotask_sync::Client::create(std::move(options), transport);
    if (!created) invariant_broken();
    client = std::move(*created);
  }

  std::shared_ptr<autotask_sync::http::MockTransport> transport;
  std::shared_ptr<autotask_sync::Client> client;
};

}  // namespace autotask_fuzz
