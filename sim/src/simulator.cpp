// The HTTPS server: Beast over Asio SSL, one coroutine per connection on its own strand, a few
// io_context threads, and the Api handling each request whole under the state lock. The thread
// limit lives here, since it counts requests from when they are read to when they are answered,
// which the Api never sees.
#include <autotask_sim/simulator.hpp>

#include "api.hpp"
#include "schema.hpp"
#include "text.hpp"
#include "tls_certificate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace autotask_sim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using autotask_sync::Error;
using autotask_sync::ErrorCode;
using autotask_sync::Result;

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr auto kShutdownTimeout = std::chrono::seconds(2);
constexpr std::uint32_t kHeaderLimit = 1024 * 1024;  // long GET search URLs must get through

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string host_for_url(const net::ip::address& address) {
  return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
}

}  // namespace

Fault Fault::respond(int status, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers) {
  Fault f;
  f.kind = Kind::kRespond;
  f.status = status;
  f.body = std::move(body);
  f.headers = std::move(headers);
  return f;
}

Fault Fault::close_before_response() {
  Fault f;
  f.kind = Kind::kCloseBeforeResponse;
  return f;
}

Fault Fault::close_after_commit() {
  Fault f;
  f.kind = Kind::kCloseAfterCommit;
  return f;
}

namespace {

struct Limits {
  std::size_t max_body_bytes = 0;
  std::size_t max_threads_per_endpoint = 0;
  int thread_limit_status = 429;
  std::chrono::milliseconds request_latency{0};
};

// Ends a request's place in the in-flight count exactly once, however its connection ends.
class InFlight {
 public:
  InFlight() = default;
  explicit InFlight(std::function<void()> leave) : leave_(std::move(leave)) {}
  ~InFlight() { release(); }
  InFlight(InFlight&& other) noexcept : leave_(std::exchange(other.leave_, nullptr)) {}
  InFlight& operator=(InFlight&& other) noexcept {
    release();
    leave_ = std::exchange(other.leave_, nullptr);
    return *this;
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

  void release() {
    if (auto leave = std::exchange(leave_, nullptr)) leave();
  }

 private:
  std::function<void()> leave_;
};

// What begin() decided for a request.
struct Admission {
  std::size_t index = 0;
  bool refused = false;  // over the thread limit: answer at once, do not handle
  Fault fault;
  InFlight in_flight;  // holds the request's place in the thread limit's count
};

// What the connections share: the tenant behind its lock, the request log, the fault hook and
// the requests in flight.
class Core : public std::enable_shared_from_this<Core> {
 public:
  Core(detail::ApiConfig config, Tenant tenant, Limits limits)
      : api_(std::move(config), std::move(tenant)), limits_(limits) {}
  Core(detail::ApiConfig config, Tenant tenant, Limits limits, std::size_t requests_this_hour)
      : Core(std::move(config), std::move(tenant), limits) {
    if (requests_this_hour > 0) api_.set_requests_this_hour(requests_this_hour);
  }

  const Limits& limits() const noexcept { return limits_; }

  // Logs the request, admits it under the thread limit or refuses it, and asks the fault hook
  // what to do with an admitted one.
  Admission begin(const detail::ApiRequest& request) {
    LoggedRequest logged = detail::describe(request.method, request.target);
    const std::optional<std::string> endpoint = detail::thread_limit_endpoint(request.target);
    Admission a;
    FaultHook hook;
    {
      const std::lock_guard lock(mutex_);
      a.index = log_.size();
      if (endpoint) {
        // Autotask keys the limit by tracking identifier, whoever the user is.
        auto key = std::pair{request.integration_code.value_or(std::string()), *endpoint};
        std::size_t& count = in_flight_[key];
        if (limits_.max_threads_per_endpoint != 0 && count >= limits_.max_threads_per_endpoint) {
          a.refused = true;
          ++thread_limit_refusals_;
          logged.status = limits_.thread_limit_status;
        } else {
          ++count;
          std::size_t& peak = peaks_[*endpoint];
          peak = std::max(peak, count);
          a.in_flight = InFlight([self = shared_from_this(), key = std::move(key)] {
            const std::lock_guard guard(self->mutex_);
            --self->in_flight_[key];
          });
        }
      }
      log_.push_back(logged);
      hook = fault_;
    }
    if (a.refused || !hook) return a;
    try {
      a.fault = hook(a.index, logged);
    } catch (...) {
      a.fault = Fault::none();  // a throwing hook must not take the server down
    }
    return a;
  }

  std::string thread_limit_body() const {
    return R"({"errors":["Thread Threshold Exceeded - The Autotask API thread threshold of )" +
           std::to_string(limits_.max_threads_per_endpoint) +
           R"( threads has been exceeded. Itgenatr005"]})";
  }

  std::size_t peak_in_flight(std::string_view endpoint) const {
    const auto key = detail::thread_limit_endpoint("/ATServicesRest/V1.0/" + std::string(endpoint));
    if (!key) return 0;
    const std::lock_guard lock(mutex_);
    auto it = peaks_.find(*key);
    return it == peaks_.end() ? 0 : it->second;
  }

  std::size_t thread_limit_refusals() const {
    const std::lock_guard lock(mutex_);
    return thread_limit_refusals_;
  }

  std::size_t request_count_this_hour() {
    const std::lock_guard lock(mutex_);
    return api_.requests_this_hour();
  }

  void set_request_count_this_hour(std::size_t count) {
    const std::lock_guard lock(mutex_);
    api_.set_requests_this_hour(count);
  }

  detail::ApiResponse handle(std::size_t index, const detail::ApiRequest& request) {
    const std::lock_guard lock(mutex_);
    detail::ApiResponse response = api_.handle(request);
    log_[index].status = response.status;
    if (response.wrote) ++writes_;
    return response;
  }

  void finish(std::size_t index, int status, bool sent) {
    const std::lock_guard lock(mutex_);
    if (status != 0) log_[index].status = status;
    log_[index].response_sent = sent;
  }

  boost::json::array entities(std::string_view entity) const {
    const detail::EntitySchema* schema = detail::find_entity(entity);
    if (schema == nullptr) return {};
    const std::lock_guard lock(mutex_);
    return api_.store().rows(schema->name);
  }

  std::size_t request_count() const {
    const std::lock_guard lock(mutex_);
    return log_.size();
  }

  std::size_t write_count() const {
    const std::lock_guard lock(mutex_);
    return writes_;
  }

  std::vector<LoggedRequest> requests() const {
    const std::lock_guard lock(mutex_);
    return log_;
  }

  void set_fault(FaultHook hook) {
    const std::lock_guard lock(mutex_);
    fault_ = std::move(hook);
  }

 private:
  mutable std::mutex mutex_;
  detail::Api api_;
  std::vector<LoggedRequest> log_;
  std::size_t writes_ = 0;
  FaultHook fault_;
  const Limits limits_;
  std::map<std::pair<std::string, std::string>, std::size_t> in_flight_;  // (code, endpoint)
  std::map<std::string, std::size_t, std::less<>> peaks_;                 // endpoint
  std::size_t thread_limit_refusals_ = 0;
};

using Stream = beast::ssl_stream<beast::tcp_stream>;

// Drops the connection with a TCP reset and no TLS close_notify, like a failing front end.
void reset(Stream& stream) {
  beast::error_code ec;
  auto& socket = beast::get_lowest_layer(stream).socket();
  socket.set_option(net::socket_base::linger(true, 0), ec);
  socket.close(ec);
}

detail::ApiRequest to_api_request(const http::request<http::string_body>& req) {
  detail::ApiRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  auto header = [&](std::string_view name) -> std::optional<std::string> {
    auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string(it->value());
  };
  out.username = header("UserName");
  out.secret = header("Secret");
  out.integration_code = header("ApiIntegrationCode");
  out.content_type = header("Content-Type");
  out.body = req.body();
  return out;
}

http::response<http::string_body> make_response(
    unsigned version, int status, std::string body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::content_type, "application/json; charset=utf-8");
  for (const auto& [name, value] : headers) res.set(name, value);
  res.body() = std::move(body);
  return res;
}

net::awaitable<void> serve_connection(std::shared_ptr<Core> core, ssl::context& tls,
                                      tcp::socket socket) {
  Stream stream(std::move(socket), tls);
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(kHandshakeTimeout);
  if (auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple); ec) {
    co_return;
  }

  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(core->limits().max_body_bytes);
    tcp_layer.expires_after(kIdleTimeout);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, kTuple);
    if (read_ec == http::error::body_limit) {
      auto res = make_response(11, 413, R"({"errors":["The request body is too large."]})", {});
      res.keep_alive(false);
      res.prepare_payload();
      tcp_layer.expires_after(kWriteTimeout);
      co_await http::async_write(stream, res, kTuple);
      break;
    }
    if (read_ec) break;  // closed by the client, idle timeout, or not HTTP

    const http::request<http::string_body> req = parser.release();
    const detail::ApiRequest request = to_api_request(req);
    Admission admission = core->begin(request);
    const std::size_t index = admission.index;
    Fault& fault = admission.fault;
    const auto wait = admission.refused ? std::chrono::milliseconds(0)
                                        : core->limits().request_latency + fault.delay;
    if (wait > std::chrono::milliseconds(0)) {
      net::steady_timer timer(co_await net::this_coro::executor);
      timer.expires_after(wait);
      co_await timer.async_wait(kTuple);
    }

    http::response<http::string_body> res;
    if (admission.refused) fault = Fault::respond(core->limits().thread_limit_status, {});
    switch (fault.kind) {
      case Fault::Kind::kCloseBeforeResponse:
        core->finish(index, 0, false);
        reset(stream);
        co_return;
      case Fault::Kind::kRespond:
        if (admission.refused) fault.body = core->thread_limit_body();
        res = make_response(req.version(), fault.status, std::move(fault.body), fault.headers);
        core->finish(index, fault.status, true);
        break;
      case Fault::Kind::kCloseAfterCommit:
        core->handle(index, request);
        core->finish(index, 0, false);
        reset(stream);
        co_return;
      case Fault::Kind::kNone: {
        detail::ApiResponse answer = core->handle(index, request);
        res = make_response(req.version(), answer.status, std::move(answer.body), answer.headers);
        break;
      }
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    // The request stops counting once its answer is ready, before the write: a client may read
    // the answer and send its next request before this write's completion is seen here, and a
    // client that waits for its answers must never be refused for a request already answered.
    admission.in_flight.release();
    tcp_layer.expires_after(kWriteTimeout);
    if (auto [write_ec, write_n] = co_await http::async_write(stream, res, kTuple); write_ec) {
      co_return;
    }
    if (!res.keep_alive()) break;
  }

  tcp_layer.expires_after(kShutdownTimeout);
  co_await stream.async_shutdown(kTuple);
}

net::awaitable<void> accept_connections(std::shared_ptr<Core> core, ssl::context& tls,
                                        tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] =
        co_await acceptor.async_accept(net::make_strand(acceptor.get_executor()), kTuple);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // a connection that failed while queued; keep listening
    auto executor = socket.get_executor();
    net::co_spawn(executor, serve_connection(core, tls, std::move(socket)), net::detached);
  }
}

Result<void> configure_tls(ssl::context& tls, const std::string& certificate_pem,
                           const std::string& key_pem) {
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::single_dh_use);
  beast::error_code ec;
  tls.use_certificate_chain(net::buffer(certificate_pem), ec);
  if (ec) return invalid("the certificate is not a usable PEM certificate: " + ec.message());
  tls.use_private_key(net::buffer(key_pem), ssl::context::pem, ec);
  if (ec) return invalid("the private key is not a usable PEM key: " + ec.message());
  if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
    return invalid("the private key does not belong to the certificate");
  }
  return {};
}

}  // namespace

struct Simulator::Impl {
  std::string certificate_pem;
  std::string base_url;
  std::uint16_t port = 0;
  // Destroyed in reverse order: the io_context (and with it every connection) before the TLS
  // context the connections use.
  ssl::context tls{ssl::context::tls_server};
  std::unique_ptr<net::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::shared_ptr<Core> core;
  std::mutex stop_mutex;
};

Result<std::unique_ptr<Simulator>> Simulator::start(SimulatorOptions options, Tenant tenant) {
  if (options.threads == 0) return invalid("SimulatorOptions::threads must be at least 1");
  if (options.max_page_size == 0 || options.max_page_size > 500) {
    return invalid("SimulatorOptions::max_page_size must be between 1 and 500");
  }
  if (options.thread_limit_status < 100 || options.thread_limit_status > 599) {
    return invalid("SimulatorOptions::thread_limit_status must be an HTTP status (100 to 599)");
  }
  if (options.hourly_request_threshold == 0) {
    return invalid("SimulatorOptions::hourly_request_threshold must be at least 1");
  }
  if (options.request_latency < std::chrono::milliseconds(0)) {
    return invalid("SimulatorOptions::request_latency must not be negative");
  }
  if (options.cert_file.has_value() != options.key_file.has_value()) {
    return invalid("give both a certificate file and a key file, or neither");
  }
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(options.address, ec);
  if (ec) return invalid("'" + options.address + "' is not an IPv4 or IPv6 address");

  auto normalized = normalize_tenant(std::move(tenant));
  if (!normalized) return std::move(normalized).error();

  auto impl = std::make_unique<Impl>();
  std::string key_pem;
  if (options.cert_file) {
    auto cert = detail::read_text_file(*options.cert_file, "certificate file");
    if (!cert) return std::move(cert).error();
    auto key = detail::read_text_file(*options.key_file, "key file");
    if (!key) return std::move(key).error();
    impl->certificate_pem = std::move(*cert);
    key_pem = std::move(*key);
  } else {
    std::vector<std::string> ips{"127.0.0.1", "::1"};
    if (address.to_string() != "127.0.0.1" && address.to_string() != "::1" &&
        !address.is_unspecified()) {
      ips.push_back(address.to_string());
    }
    auto pair = make_self_signed_certificate({"localhost"}, ips);
    if (!pair) return std::move(pair).error();
    impl->certificate_pem = std::move(pair->certificate_pem);
    key_pem = std::move(pair->private_key_pem);
  }
  if (auto r = configure_tls(impl->tls, impl->certificate_pem, key_pem); !r) {
    return std::move(r).error();
  }

  impl->io = std::make_unique<net::io_context>(static_cast<int>(options.threads));
  impl->acceptor = std::make_unique<tcp::acceptor>(*impl->io);
  const tcp::endpoint endpoint(address, options.port);
  auto& acceptor = *impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
    acceptor.bind(endpoint, ec);
  }
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::kTransport, "cannot listen on " + host_for_url(address) + ":" +
                                            std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = acceptor.local_endpoint().port();
  impl->base_url =
      "https://" + host_for_url(address) + ":" + std::to_string(impl->port) + "/ATServicesRest/";

  detail::ApiConfig config;
  config.zone_url = options.zone_url.value_or(impl->base_url);
  config.max_page_size = options.max_page_size;
  config.next_page_requires_body = options.next_page_requires_body;
  config.missing_item_is_404 = options.missing_item_is_404;
  config.max_target_length = options.max_target_length;
  config.effective_date_rule = options.effective_date_rule;
  config.database_utc_offset = options.database_utc_offset;
  config.same_date_adjustments = options.same_date_adjustments;
  config.today = options.today;
  config.hourly_request_threshold = options.hourly_request_threshold;
  config.clock = options.clock;
  Limits limits;
  limits.max_body_bytes = options.max_body_bytes;
  limits.max_threads_per_endpoint = options.max_threads_per_endpoint;
  limits.thread_limit_status = options.thread_limit_status;
  limits.request_latency = options.request_latency;
  const std::size_t seeded = normalized->requests_this_hour;
  impl->core = std::make_shared<Core>(std::move(config), std::move(*normalized), limits, seeded);

  net::co_spawn(*impl->io, accept_connections(impl->core, impl->tls, acceptor), net::detached);
  for (std::size_t i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([io = impl->io.get()] { io->run(); });
  }
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Simulator::~Simulator() {
  stop();
}

void Simulator::stop() {
  const std::lock_guard lock(impl_->stop_mutex);
  if (!impl_->io) return;
  impl_->io->stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
  // With no thread running, the acceptor can be closed directly; destroying the io_context then
  // destroys every suspended connection, closing its socket.
  impl_->acceptor.reset();
  impl_->io.reset();
}

std::uint16_t Simulator::port() const noexcept {
  return impl_->port;
}

std::string Simulator::base_url() const {
  return impl_->base_url;
}

std::string Simulator::zone_lookup_url() const {
  return impl_->base_url + "V1.0/zoneInformation";
}

const std::string& Simulator::certificate_pem() const noexcept {
  return impl_->certificate_pem;
}

Result<void> Simulator::write_certificate(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << impl_->certificate_pem;
  out.close();
  if (!out)
    return Error(ErrorCode::kInvalidArgument, "cannot write the certificate to '" + path + "'");
  return {};
}

boost::json::array Simulator::entities(std::string_view entity) const {
  return impl_->core->entities(entity);
}

std::size_t Simulator::request_count() const {
  return impl_->core->request_count();
}

std::size_t Simulator::write_count() const {
  return impl_->core->write_count();
}

std::vector<LoggedRequest> Simulator::requests() const {
  return impl_->core->requests();
}

void Simulator::set_fault(FaultHook hook) {
  impl_->core->set_fault(std::move(hook));
}

std::size_t Simulator::peak_in_flight(std::string_view endpoint) const {
  return impl_->core->peak_in_flight(endpoint);
}

std::size_t Simulator::thread_limit_refusals() const {
  return impl_->core->thread_limit_refusals();
}

std::size_t Simulator::request_count_this_hour() const {
  return impl_->core->request_count_this_hour();
}

void Simulator::set_request_count_this_hour(std::size_t count) {
  impl_->core->set_request_count_this_hour(count);
}

}  // namespace autotask_sim
