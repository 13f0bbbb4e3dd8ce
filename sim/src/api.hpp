// The Autotask REST API over the tenant state, without any networking: one request in, one
// response out. The server holds the simulator's lock around handle().
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

class Api {
 public:
  Api(ApiConfig config, Tenant tenant);

  ApiResponse handle(const ApiRequest& request);

  const Store& store() const noexcept { return store_; }

 private:
  ApiResponse respond(const ApiRequest& request);

  ApiConfig config_;
  Store store_;
  std::deque<std::chrono::steady_clock::time_point> recent_requests_;  // authenticated, last hour
};

}  // namespace autotask_sim::detail
