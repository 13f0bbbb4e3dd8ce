// An Autotask PSA REST API simulator: an HTTPS server on a local address that answers the
// endpoints autotask_sync uses with Autotask's JSON shapes and status codes, backed by an
// in-memory tenant.
//
// What it serves (paths case-insensitive, under /ATServicesRest/V1.0/; see sim/README.md):
//   GET  zoneInformation?user=U                       no authentication
//   POST {Entity}/query, GET {Entity}/query?search=   filters, paging, IncludeFields
//   POST {Entity}/query/next?paging=...               the next page (GET gives 405)
//   POST {Entity}/query/count                         {"queryCount": n}
//   GET  {Entity}/{id}                                {"item": {...}} or {"item": null}
//   GET  Contracts/{id}/Services|ServiceUnits[/{id}]  a contract's children
//   POST Contracts/{id}/ServiceAdjustments, POST ContractServiceAdjustments
//   GET  {Entity}/entityInformation[/fields]          capabilities; fields with picklists
//   GET  ThresholdInformation, GET /ATServicesRest/versionInformation
// Entities: Companies, Contracts, Services, ContractServices, ContractServiceUnits,
// ContractServiceAdjustments (create only), Tickets and TicketNotes (query and get only).
//
// Autotask's limits are enforced: at most max_threads_per_endpoint requests in flight per
// (integration code, endpoint), and hourly_request_threshold authenticated requests per rolling
// hour. A tenant may restrict what its API user can do (Tenant::permissions) and hide costs from
// it (ApiUser::can_read_costs).
//
// Not simulated: creating or updating anything other than service adjustments (501), webhooks,
// UDF definitions, attachments, impersonation, usage-based latency near the hourly threshold
// (request_latency is fixed), HTTP/2.
//
// Thread safety: every member function may be called from any thread while the server runs. The
// tenant state sits behind one mutex; each request is handled whole under it, but the wait of
// request_latency and of a fault's delay is spent outside it, so requests overlap as they do
// in Autotask.
#pragma once

#include <autotask_sim/tenant.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>

#include <boost/json/array.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autotask_sim {

// How an adjustment's effectiveDate becomes the civil date it applies from. Autotask documents
// that it drops the time, but its own example suggests it converts to the database's zone first.
enum class EffectiveDateRule {
  kDatePart,        // the date written in effectiveDate; the time is ignored
  kDatabaseOffset,  // the UTC instant shifted by database_utc_offset, then its date
};

// What a second adjustment of one contract service with the same effective date does.
enum class SameDateAdjustments {
  kAccumulate,    // the unit changes add up
  kLastReplaces,  // the later adjustment replaces the earlier one's unit change
};

struct SimulatorOptions {
  std::string address = "127.0.0.1";  // a literal IPv4 or IPv6 address
  std::uint16_t port = 0;             // 0: an ephemeral port, see Simulator::port()
  // PEM files to serve; when absent a self-signed certificate for localhost, 127.0.0.1, ::1 (and
  // `address`) is generated at start.
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  // The url zoneInformation hands out and paging URLs are built on. Default: base_url().
  std::optional<std::string> zone_url;
  std::size_t threads = 2;
  std::size_t max_page_size = 500;  // pages hold min(MaxRecords or 500, max_page_size) items
  // POST query/next must carry the original filter (Autotask's behaviour); when false the
  // paging cursor carries the query and any body is ignored, as some clients assume.
  bool next_page_requires_body = true;
  // GET {Entity}/{id} for a missing id answers 404 instead of 200 {"item": null}.
  bool missing_item_is_404 = false;
  // The simulator's today, used to stamp lastModifiedDateTime on written contracts.
  std::optional<autotask_sync::Date> today;  // else the system clock's UTC date
  EffectiveDateRule effective_date_rule = EffectiveDateRule::kDatePart;
  std::chrono::minutes database_utc_offset{0};  // for EffectiveDateRule::kDatabaseOffset
  SameDateAdjustments same_date_adjustments = SameDateAdjustments::kAccumulate;
  std::size_t max_body_bytes = std::size_t{8} * 1024 * 1024;  // larger request bodies get 413
  // When non-zero, a request target (path and query) longer than this gets 404, as Autotask's
  // front end does with over-long GET query URLs.
  std::size_t max_target_length = 0;

  // Autotask's thread limit: requests in flight at once per (ApiIntegrationCode header,
  // endpoint), the endpoint being the first path segment after V1.0/ ignoring case, so that
  // Companies/query, Companies/query/next and Companies/entityInformation share one count.
  // zoneInformation is exempt; ThresholdInformation is not. A request is in flight from when it
  // has been read until its response is handed to the connection, request_latency and any fault
  // delay included. The request beyond the limit is answered at once with thread_limit_status
  // and {"errors":["Thread Threshold Exceeded - The Autotask API thread threshold of 3 threads
  // has been exceeded. Itgenatr005"]} (the number being the limit), is not handled, not counted
  // in the hourly budget and not shown to the fault hook. 0 turns the limit off (the peaks are
  // still recorded).
  std::size_t max_threads_per_endpoint = 3;
  int thread_limit_status = 429;  // Autotask has been seen to answer the thread limit otherwise
  // Waited by every request after it is admitted, outside the state lock, so that concurrent
  // requests overlap for as long as a real server takes to answer.
  std::chrono::milliseconds request_latency{0};

  // Autotask's hourly budget, per database: authenticated requests of the last 60 minutes
  // (ThresholdInformation and requests that fail after authentication included; zoneInformation,
  // versionInformation and requests refused for authentication or routing not). Once the count
  // reaches the threshold every authenticated request, ThresholdInformation too, answers 429
  // {"errors":["Request Threshold Exceeded - ..."]} and is not counted. Must be at least 1.
  std::size_t hourly_request_threshold = 10'000;
  // The clock the rolling hour runs on; empty: std::chrono::steady_clock::now. Tests inject one
  // to let the window pass.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

// One request as the simulator saw it. Never holds a header or a body.
struct LoggedRequest {
  std::string method;         // "GET", "POST", ...
  std::string path;           // the request path without the query string
  int status = 0;             // the status answered; 0 while being handled or when none was sent
  std::string entity;         // canonical entity name ("Companies"), empty for other routes
  bool response_sent = true;  // false when a fault closed the connection instead
};

// What to do with one request, decided by the fault hook before the request is handled.
struct Fault {
  enum class Kind {
    kNone,                 // handle and answer normally
    kRespond,              // answer `status` with `body` without handling the request
    kCloseBeforeResponse,  // reset the connection without handling the request
    kCloseAfterCommit,     // handle the request (committing any write), then reset unanswered
  };
  Kind kind = Kind::kNone;
  int status = 0;
  std::string body;                                          // sent as application/json
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Retry-After", "30"}
  std::chrono::milliseconds delay{0};                        // waited before acting, for any kind

  static Fault none() { return {}; }
  static Fault respond(int status, std::string body,
                       std::vector<std::pair<std::string, std::string>> headers = {});
  static Fault close_before_response();
  static Fault close_after_commit();
  // Fault::respond(429, body).after(std::chrono::seconds(1))
  Fault after(std::chrono::milliseconds wait) && {
    delay = wait;
    return std::move(*this);
  }
};

// request_index counts every request the server has read, from 0, in arrival order (requests
// refused by the thread limit included, though the hook is not called for them).
using FaultHook = std::function<Fault(std::size_t request_index, const LoggedRequest& request)>;

class Simulator {
 public:
  // Normalises the tenant, sets up TLS and starts listening. Fails with kInvalidArgument for a bad
  // tenant, option, address or certificate file, kTransport when the address cannot be bound.
  static autotask_sync::Result<std::unique_ptr<Simulator>> start(SimulatorOptions options,
                                                                 Tenant tenant);

  ~Simulator();  // stops the server
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  std::uint16_t port() const noexcept;
  // "https://127.0.0.1:PORT/ATServicesRest/" (IPv6 addresses in brackets).
  std::string base_url() const;
  // "https://127.0.0.1:PORT/ATServicesRest/V1.0/zoneInformation": where clients look the zone up.
  std::string zone_lookup_url() const;

  // The PEM certificate the server presents; trust it as a CA file.
  const std::string& certificate_pem() const noexcept;
  autotask_sync::Result<void> write_certificate(const std::string& path) const;

  // Closes the listener and every connection and joins the threads. Idempotent.
  void stop();

  // A copy of an entity's current rows, sorted by id; empty for an unknown entity.
  boost::json::array entities(std::string_view entity) const;
  std::size_t request_count() const;
  std::size_t write_count() const;  // successful creates and updates
  std::vector<LoggedRequest> requests() const;

  // Replaces the fault hook; an empty function removes it. Called outside the state lock, from
  // the server's threads, once per request the thread limit admits.
  void set_fault(FaultHook hook);

  // The most requests that were in flight at once for `endpoint` (ignoring case: "Companies")
  // under any one integration code; 0 for an endpoint never called or exempt from the limit.
  std::size_t peak_in_flight(std::string_view endpoint) const;
  // Requests answered with the thread-limit error.
  std::size_t thread_limit_refusals() const;
  // The hourly budget's count, as ThresholdInformation reports it (without counting a request).
  std::size_t request_count_this_hour() const;
  // Sets that count as if `count` requests had just been made: they leave the window an hour
  // later by the simulator's clock. For testing a client near its budget.
  void set_request_count_this_hour(std::size_t count);

  struct Impl;

 private:
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotask_sim
