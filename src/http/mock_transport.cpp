#include <autotask_sync/http/mock_transport.hpp>

#include <boost/url/parse.hpp>

#include <utility>

namespace autotask_sync::http {

void MockTransport::enqueue(Response response) {
  std::lock_guard lock(mutex_);
  queue_.emplace_back(std::move(response));
}

void MockTransport::enqueue(Error transport_error) {
  std::lock_guard lock(mutex_);
  queue_.emplace_back(std::move(transport_error));
}

void MockTransport::enqueue_json(int status, std::string body) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.body = std::move(body);
  enqueue(std::move(response));
}

void MockTransport::route(std::function<bool(const Request&)> matches, Handler handler) {
  std::lock_guard lock(mutex_);
  routes_.push_back(Route{std::move(matches), std::move(handler)});
}

void MockTransport::route(Method method, std::string path, Handler handler) {
  route(
      [method, path = std::move(path)](const Request& request) {
        return request.method == method && iequals(url_path(request.url), path);
      },
      std::move(handler));
}

Result<Response> MockTransport::send(const Request& request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (next_ < queue_.size()) return std::move(queue_[next_++]);
    for (const auto& candidate : routes_) {
      if (candidate.matches(request)) {
        handler = candidate.handler;
        break;
      }
    }
  }
  // The handler runs without the lock so that it may inspect or script this mock itself.
  if (handler) return handler(request);
  return Error(ErrorCode::kInternal, std::string("MockTransport: unexpected request ") +
                                         to_string(request.method) + " " + request.url);
}

std::vector<Request> MockTransport::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t MockTransport::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::size_t MockTransport::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() - next_;
}

void MockTransport::clear_requests() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

std::string url_path(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_authority()) return {};
  auto path = parsed->encoded_path();
  if (path.empty()) return "/";
  return std::string(path.data(), path.size());
}

}  // namespace autotask_sync::http
