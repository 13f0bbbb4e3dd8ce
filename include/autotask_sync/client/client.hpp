// The Autotask REST client: zone discovery, authentication headers, queries with paging, reads
// and writes, and the mapping of Autotask's answers to typed errors.
//
// A Client is safe to share between threads. It sends the three credential headers only to URLs
// whose scheme, host and port equal the resolved zone base; credentials never appear in a log
// line or an error message.
#pragma once

#include <autotask_sync/client/query.hpp>
#include <autotask_sync/core/logger.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/transport.hpp>
#include <autotask_sync/model/entities.hpp>

#include <boost/json/object.hpp>

#include <atomic>
#include <cstdint>
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
};

struct Zone {
  std::string zone_name;
  std::string url;      // normalised to end in "/": https://webservices5.autotask.net/ATServicesRest/
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

  // Every item matching the query, following pageDetails.nextPageUrl by POSTing the same body.
  // A failure on any page fails the whole listing: a partial list is never returned.
  Result<std::vector<boost::json::object>> query(std::string_view entity, const Query& query);

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
  // new item's id. The error's request_sent tells whether Autotask may have acted on it.
  Result<Id> create(std::string_view path, const boost::json::object& body);

  // Requests this client has sent (every attempt, zone lookups included).
  std::uint64_t request_count() const noexcept { return requests_.load(); }

  const Logger& logger() const noexcept { return options_.logger; }

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

  Result<http::Response> send(http::Method method, const std::string& url, std::string body);
  Result<std::string> entity_url(std::string_view path);

  ClientOptions options_;
  std::shared_ptr<http::Transport> transport_;
  std::mutex zone_mutex_;
  std::optional<Zone> zone_;
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace autotask_sync
