// Error values and Result<T>: how every fallible call of autotask_sync reports failure.
//
// The C++ API does not throw across its surface. A call that can fail returns Result<T>, which
// holds either the value or an Error. An Error carries a stable code, a message a person can act
// on, and, when the failure came from Autotask, the HTTP status and the server's `errors[]`
// texts. No Error ever contains a credential: the layers that build them redact first.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace autotask_sync {

// Stable error codes. The numeric values are part of the C API (atsync_status) and never change.
enum class ErrorCode : int {
  kInvalidArgument = 1,  // bad input from the caller: config, mapping, usage, a malformed value
  kTransport = 2,        // resolve, connect, TLS, I/O failure: no HTTP response was received
  kTimeout = 3,          // a connect, handshake, write or read deadline passed
  kAuthentication = 4,   // wrong secret, unknown username, invalid integration code
  kPermission = 5,       // the API user's security level does not allow the call (403)
  kNotFound = 6,         // the entity or route does not exist (404)
  kValidation = 7,       // Autotask refused the request's content (500 with errors[])
  kRateLimited = 8,      // the tenant's hourly request budget is spent (429)
  kThreadLimit = 9,      // more concurrent requests per endpoint than Autotask allows
  kOutage = 10,          // Autotask answered with a maintenance page, 502/503/504 or HTML
  kSecurity = 11,        // a URL would have carried credentials to a host that is not the zone
  kProtocol = 12,        // a response that does not have the shape Autotask documents
  kConflict = 13,        // the state in Autotask is not what the operation expected
  kUnsupported = 14,     // the operation or setting is not supported by this library
  kInternal = 15,        // a defect in autotask_sync; please report it
};

// The stable lower-case name of a code ("authentication", "rate_limited", ...), used in reports.
const char* to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;                     // one sentence; never contains a credential
  int http_status = 0;                     // 0 when no HTTP response was received
  std::vector<std::string> server_errors;  // Autotask's `errors[]` texts, credentials redacted
  bool request_sent = false;  // the request may have reached the server (matters for creates)
  // For kRateLimited and kThreadLimit: how long the server (or the budget) suggests waiting.
  std::optional<std::chrono::milliseconds> retry_after;

  Error() = default;
  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}

  // "validation: HTTP 500: dueDateTime is required." -- code, status and every server text.
  std::string describe() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Precondition: ok(). Calling value() on an error is a defect of the caller.
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }

  // Precondition: !ok().
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace autotask_sync
