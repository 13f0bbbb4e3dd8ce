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
//   GET  ThresholdInformation, GET /ATServicesRest/versionInformation
// Entities: Companies, Contracts, Services, ContractServices, ContractServiceUnits,
// ContractServiceAdjustments (create only), Tickets and TicketNotes (query and get only).
//
// Not simulated: creating or updating anything other than service adjustments (501), webhooks,
// entityInformation metadata, attachments, impersonation, thread and hourly limits (inject them
// with set_fault), HTTP/2.
//
// Thread safety: every member function may be called from any thread while the server runs. The
// tenant state sits behind one mutex; each request is handled whole under it.
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
  std::size_t max_body_bytes = 8 * 1024 * 1024;  // larger request bodies get 413
  // When non-zero, a request target (path and query) longer than this gets 404, as Autotask's
  // front end does with over-long GET query URLs.
  std::size_t max_target_length = 0;
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

// request_index counts every request the server has read, from 0, in arrival order.
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
  // the server's threads, once per request.
  void set_fault(FaultHook hook);

  struct Impl;

 private:
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotask_sim
