// A scripted, recording Transport for unit tests of code that talks to Autotask, the library's own
// and the host application's.
//
// Script responses in the order they should be returned, or route them by method and URL; every
// request sent is recorded so a test can assert what went out (count, URL, headers, body).
#pragma once

#include <autotask_sync/http/transport.hpp>

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace autotask_sync::http {

class MockTransport final : public Transport {
 public:
  // Decides the answer to one request. Return a Response, or an Error to simulate a transport
  // failure (kTransport / kTimeout, with request_sent as the test wants).
  using Handler = std::function<Result<Response>(const Request&)>;

  // Queue one answer; queued answers are used first, in order, before any route.
  void enqueue(Response response);
  void enqueue(Error transport_error);
  // Convenience: a JSON response with Content-Type application/json.
  void enqueue_json(int status, std::string body);

  // A handler consulted for requests when the queue is empty, in the order added: the first whose
  // predicate matches answers. With no match the request fails with a kInternal error that names
  // the method and URL, so an unexpected request is visible in the test output.
  void route(std::function<bool(const Request&)> matches, Handler handler);
  // Matches method and the URL's path (the part after the host, before '?', see url_path()),
  // ASCII case-insensitive.
  void route(Method method, std::string path, Handler handler);

  Result<Response> send(const Request& request) override;

  std::vector<Request> requests() const;  // every request sent, in order (a copy)
  std::size_t request_count() const;
  std::size_t pending() const;  // queued answers not used yet
  void clear_requests();

 private:
  struct Route {
    std::function<bool(const Request&)> matches;
    Handler handler;
  };
  mutable std::mutex mutex_;
  std::vector<Result<Response>> queue_;
  std::size_t next_ = 0;
  std::vector<Route> routes_;
  std::vector<Request> requests_;
};

// Path part of an absolute URL ("/ATServicesRest/V1.0/Companies/query"), still percent-encoded;
// "/" when the URL has a host but no path; empty on a bad URL.
std::string url_path(std::string_view url);

}  // namespace autotask_sync::http
