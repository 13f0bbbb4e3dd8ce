// The Autotask REST client: zone discovery, authentication headers, queries with paging, reads
// and writes, metadata, retries and Autotask's request limits, and the mapping of Autotask's
// answers to typed errors.
//
// A Client is safe to share between threads. It sends the three credential headers only to URLs
// whose scheme, host and port equal the resolved zone base; credentials never appear in a log
// line or an error message.
//
// Limits: every request first passes the per-endpoint gate (at most
// LimitPolicy::max_in_flight_per_endpoint in flight for this tenant and integration code across
// the process) and the hourly budget check (ThresholdInformation, polled sparingly); past
// LimitPolicy::stop_share of the budget a call fails with kRateLimited before anything is sent.
//
// Retries: reads and updates are retried on rate limits, thread limits, outages, timeouts and
// connection failures with BackoffPolicy's waits; a create only when Autotask certainly did not
// act on it. A 401 drops the zone, looks it up again and retries the call once.
#pragma once

#include <autotask_sync/client/metadata.hpp>
#include <autotask_sync/client/policies.hpp>
#include <autotask_sync/client/query.hpp>
#include <autotask_sync/core/logger.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/transport.hpp>
#include <autotask_sync/model/entities.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autotask_sync {

struct Credentials {
  std::string username;          // the API user's key ("...@example.com")
  std::string secret;            // the API user's secret
  std::string integration_code;  // the API tracking identifier
};

// Where Autotask's zoneInformation lookup lives when the config names none.
inline constexpr std::string_view kDefaultZoneLookupUrl =
    "https://webservices2.autotask.net/ATServicesRest/V1.0/zoneInformation";

struct ClientOptions {
  Credentials credentials;
  // A zone base such as https://webservices5.autotask.net/ATServicesRest/ : skips discovery.
  std::optional<std::string> base_url;
  std::string zone_lookup_url = std::string(kDefaultZoneLookupUrl);
  Logger logger;
  std::size_t max_pages = 1000;  // a listing longer than this fails instead of looping forever
  std::chrono::milliseconds zone_ttl{std::chrono::hours(24)};  // how long a looked-up zone is kept
  RetryPolicy retry;
  BackoffPolicy backoff;
  LimitPolicy limits;
  std::chrono::milliseconds metadata_ttl{std::chrono::hours(6)};
  Environment environment;  // clock, sleep and randomness
};

// How a listing walks through the pages of a result.
enum class Paging {
  kNextPageUrl,  // POST pageDetails.nextPageUrl with the original body (Autotask's own paging)
  kIdCursor,     // re-query with `id gt <last id>`: survives records added during the listing
};

// What the client knows of the tenant's hourly request budget.
struct BudgetStatus {
  std::int64_t threshold = 0;  // externalRequestThreshold
  std::int64_t used = 0;       // currentTimeframeRequestCount plus what this process sent since
  double share() const {
    return threshold > 0 ? static_cast<double>(used) / static_cast<double>(threshold) : 0.0;
  }
};

struct Zone {
  std::string zone_name;
  std::string url;  // normalised to end in "/": https://webservices5.autotask.net/ATServicesRest/
  std::string web_url;  // the UI host, for deep links
  std::int64_t ci = 0;  // the tenant database's identifier
};

class Client {
 public:
  // Fails with kInvalidArgument when a credential is empty or a URL is not an https URL.
  static Result<std::shared_ptr<Client>> create(ClientOptions options,
                                                std::shared_ptr<http::Transport> transport);

  // The zone, discovered on first use (zoneInformation, no credentials sent) and then kept.
  // Errors: kAuthentication for an unknown username, kTransport/kTimeout, kProtocol, kSecurity
  // for a zone URL that is not https.
  Result<Zone> zone();

  // Every item matching the query, following pageDetails.nextPageUrl by POSTing the same body
  // (or an id cursor). A failure on any page fails the whole listing: a partial list is never
  // returned. A top-level `in` list or or-group of more than 500 values is split into several
  // queries whose results are merged; a `notIn` list of more than 500 values likewise, keeping
  // the items every part returned. Results are in id order.
  Result<std::vector<boost::json::object>> query(std::string_view entity, const Query& query,
                                                 Paging paging = Paging::kNextPageUrl);

  // POST {entity}/query/count: the number of matching items.
  Result<std::int64_t> count(std::string_view entity, const Query& query);

  // query() for `field in ids`, split into chunks of at most 500 ids, results merged in id order
  // with duplicates dropped. An empty id list costs no request.
  Result<std::vector<boost::json::object>> query_in(std::string_view entity,
                                                    const std::string& field,
                                                    const std::vector<std::int64_t>& ids,
                                                    const Query& extra = {});

  // Typed forms: decode each item with T::from_json.
  template <class T>
  Result<std::vector<T>> query_as(const Query& q) {
    return decode_all<T>(query(T::kEntity, q));
  }
  template <class T>
  Result<std::vector<T>> query_in_as(const std::string& field, const std::vector<std::int64_t>& ids,
                                     const Query& extra = {}) {
    return decode_all<T>(query_in(T::kEntity, field, ids, extra));
  }

  // GET {entity}/{id}. A 404 and a 200 with "item": null both give std::nullopt.
  Result<std::optional<boost::json::object>> get(std::string_view entity, Id id);

  // POST to a path under the zone's V1.0/ ("Contracts/300/ServiceAdjustments") and return the
  // new item's id. The error's request_sent tells whether Autotask may have acted on it; such a
  // create is not retried: re-read and decide.
  Result<Id> create(std::string_view path, const boost::json::object& body);

  // Where an entity is created and updated: "Companies", or for a child entity its parent path
  // ("Contracts/300/ServiceAdjustments").
  template <class T>
  static std::string write_path(std::optional<Id> parent_id = std::nullopt) {
    if constexpr (requires { T::kParent; }) {
      return std::string(T::kParent) + "/" + std::to_string(parent_id.value_or(0)) + "/" +
             std::string(T::kChildPath);
    } else {
      return std::string(T::kEntity);
    }
  }

  // PATCH `path` with the id and only the fields of `after` that differ from `before` (compared
  // as JSON, field names ignoring case). No request when nothing changed; returns whether one
  // was sent.
  Result<bool> update_changed(std::string_view path, Id id, const boost::json::object& before,
                              const boost::json::object& after);
  // PATCH `path` with {"id": id, ...fields}.
  Result<void> update(std::string_view path, Id id, const boost::json::object& fields);

  // entityInformation and entityInformation/fields, cached for ClientOptions::metadata_ttl.
  Result<EntityInfo> entity_info(std::string_view entity);
  Result<std::vector<FieldInfo>> fields(std::string_view entity);
  // The picklist value of `field` whose label (case-insensitive) or value is `label_or_value`.
  // A miss refreshes the cached fields once before failing; an inactive value is refused. The
  // error lists the active labels.
  Result<std::int64_t> picklist_value(std::string_view entity, std::string_view field,
                                      std::string_view label_or_value);

  // The hourly budget as last polled, if it has been.
  std::optional<BudgetStatus> budget() const;
  // Polls ThresholdInformation now.
  Result<BudgetStatus> refresh_budget();

  // Requests this client has sent (every attempt, zone lookups included).
  std::uint64_t request_count() const noexcept { return requests_.load(); }

  const Logger& logger() const noexcept { return options_.logger; }
  const LimitPolicy& limits() const noexcept { return options_.limits; }

 private:
  Client(ClientOptions options, std::shared_ptr<http::Transport> transport);

  template <class T>
  static Result<std::vector<T>> decode_all(Result<std::vector<boost::json::object>> items) {
    if (!items) return std::move(items).error();
    std::vector<T> out;
    out.reserve(items->size());
    for (const auto& o : *items) {
      auto t = T::from_json(o);
      if (!t) return std::move(t).error();
      out.push_back(std::move(*t));
    }
    return out;
  }

  struct Call;
  // One logical call with gates, budget, retries and the 401 re-lookup; only a usable 2xx JSON
  // response is returned, everything else as a typed error.
  Result<http::Response> call(Call& c);
  // One request; the credential headers are added only with `with_credentials` and only for
  // the zone's own origin.
  Result<http::Response> send_once(http::Method method, const std::string& url,
                                   const std::string& body, int attempt, bool with_credentials);
  Result<std::string> entity_url(std::string_view path);
  Result<Zone> lookup_zone();
  void forget_zone(const std::string& url);
  std::string tenant_key() const;
  Result<void> check_budget();
  Result<std::vector<boost::json::object>> query_pages(std::string_view entity, const Query& q,
                                                       Paging paging);
  Result<std::vector<FieldInfo>> load_fields(std::string_view entity, bool force);
  Result<boost::json::value> get_metadata(std::string path);
  std::vector<std::string> secrets() const;

  ClientOptions options_;
  std::shared_ptr<http::Transport> transport_;
  mutable std::mutex zone_mutex_;
  std::mutex lookup_mutex_;  // held by the one zone lookup in progress; taken before zone_mutex_
  std::optional<Zone> zone_;
  std::chrono::system_clock::time_point zone_expires_{};
  std::atomic<std::uint64_t> requests_{0};
  mutable std::mutex metadata_mutex_;
  struct CachedFields {
    std::vector<FieldInfo> fields;
    std::chrono::system_clock::time_point expires;
  };
  struct CachedInfo {
    EntityInfo info;
    std::chrono::system_clock::time_point expires;
  };
  std::map<std::string, CachedFields, std::less<>> fields_cache_;
  std::map<std::string, CachedInfo, std::less<>> info_cache_;
};

}  // namespace autotask_sync
