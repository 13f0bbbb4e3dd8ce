// The Autotask REST API over the tenant state, without any networking: one request in, one
// response out. The server holds the simulator's lock around handle() and the other members; the
// thread limit, which depends on requests in flight rather than on the state, is the server's.
#pragma once

#include "store.hpp"

#include <autotask_sim/simulator.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace autotask_sim::detail {

struct ApiConfig {
  std::string zone_url;  // ends in "/ATServicesRest/"; paging URLs are built on it
  std::size_t max_page_size = 500;
  bool next_page_requires_body = true;
  bool missing_item_is_404 = false;
  std::size_t max_target_length = 0;
  EffectiveDateRule effective_date_rule = EffectiveDateRule::kDatePart;
  std::chrono::minutes database_utc_offset{0};
  SameDateAdjustments same_date_adjustments = SameDateAdjustments::kAccumulate;
  std::optional<autotask_sync::Date> today;
  std::size_t hourly_request_threshold = 10'000;
  std::function<std::chrono::steady_clock::time_point()> clock;  // empty: steady_clock::now
};

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin form: "/ATServicesRest/V1.0/Companies/query?search=..."
  std::optional<std::string> username;
  std::optional<std::string> secret;
  std::optional<std::string> integration_code;
  std::optional<std::string> content_type;
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
  bool wrote = false;  // a create or update was committed
};

// The path (no query string) and canonical entity of a request, for the request log. Never fails:
// an unparseable target is logged as given.
LoggedRequest describe(std::string_view method, std::string_view target);

// The endpoint Autotask's thread limit counts a request under: the first path segment after
// V1.0/, lower-cased ("companies" for .../V1.0/Companies/query/next). None for zoneInformation,
// which Autotask exempts, and for paths outside V1.0/.
std::optional<std::string> thread_limit_endpoint(std::string_view target);

class Api {
 public:
  Api(ApiConfig config, Tenant tenant);

  ApiResponse handle(const ApiRequest& request);

  const Store& store() const noexcept { return store_; }

  // The authenticated requests of the last hour, as ThresholdInformation reports them.
  std::size_t requests_this_hour();
  // Replaces that count with `count` requests made now, which leave the window an hour later.
  void set_requests_this_hour(std::size_t count);

 private:
  ApiResponse respond(const ApiRequest& request);
  std::chrono::steady_clock::time_point now() const;
  void expire_requests(std::chrono::steady_clock::time_point now);

  ApiConfig config_;
  Store store_;
  // The hourly window: (when, how many) in arrival order, and their sum.
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::size_t>> recent_requests_;
  std::size_t requests_this_hour_ = 0;
};

}  // namespace autotask_sim::detail
