// The HTTP seam. A Transport takes one Request and returns either the Response the server sent
// (whatever its status: a 401 or a 500 is a successful transport result) or a transport Error
// when no complete response arrived (resolve, connect, TLS, timeout, I/O).
#pragma once

#include <autotask_sync/core/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autotask_sync::http {

enum class Method { kGet, kPost, kPatch, kPut, kDelete };

const char* to_string(Method method) noexcept;

// Header names compare case-insensitively; order is kept as given.
class Headers {
 public:
  void set(std::string name, std::string value);  // replaces every header of that name
  void add(std::string name, std::string value);  // appends
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  void remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

struct Request {
  Method method = Method::kGet;
  std::string url;  // absolute: https://host[:port]/path?query
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// Which failure a transport error was; recorded in Error::message context and used by retry
// policies. `request_sent` on the Error tells whether the server may have seen the request.
class Transport {
 public:
  virtual ~Transport() = default;

  // Sends one request and waits for its response. Errors have code kTransport or kTimeout; a
  // request the transport refuses or cannot frame fails before sending (request_sent false) with
  // kInvalidArgument, kSecurity or kUnsupported, and a response over the transport's limits fails
  // with kProtocol. Must be safe to call from several threads at once.
  virtual Result<Response> send(const Request& request) = 0;
};

// Returns true for host names equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace autotask_sync::http
