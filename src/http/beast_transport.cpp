#include <autotask_sync/http/beast_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace autotask_sync::http {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::uint16_t kDefaultHttpsPort = 443;

// Where one request goes, taken apart once so that no later step re-parses the caller's URL.
struct Target {
  std::string host;         // host name (lower case) or IP literal without brackets
  bool host_is_ip = false;  // IP literals get no SNI and are verified against IP SANs
  std::uint16_t port = kDefaultHttpsPort;
  std::string host_header;  // "example.com", "127.0.0.1:8443", "[::1]:8443"
  std::string authority;    // host:port, the only part of the URL error messages show
  std::string resource;     // path and query, as sent in the request line
  std::string pool_key;     // scheme, host and port: connections are shared only within a key
};

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_host_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// RFC 9110 token characters, the only ones allowed in a header name.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_valid_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool is_valid_header_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_token_char);
}

// Error messages name the URL by scheme and authority only: the query string of an Autotask URL
// can hold a user name, and the path adds nothing a person needs to act on a connection failure.
Result<Target> parse_target(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument, "the request URL is not a valid absolute URL");
  }
  const auto& view = *parsed;
  if (view.scheme_id() == boost::urls::scheme::http) {
    return Error(ErrorCode::kSecurity,
                 "refusing to send a request over plain http: only https URLs are allowed");
  }
  if (view.scheme_id() != boost::urls::scheme::https) {
    return Error(ErrorCode::kUnsupported, "the URL scheme '" + std::string(view.scheme()) +
                                              "' is not supported: only https URLs are allowed");
  }
  if (view.has_userinfo()) {
    // Credentials in a URL end up in logs and proxies; Autotask takes them in headers.
    return Error(ErrorCode::kSecurity, "refusing a request URL that carries user information");
  }

  Target target;
  switch (view.host_type()) {
    case boost::urls::host_type::name: {
      auto encoded = view.encoded_host();
      if (encoded.empty() ||
          !std::all_of(encoded.begin(), encoded.end(), is_host_name_char)) {
        return Error(ErrorCode::kInvalidArgument, "the request URL has an invalid host name");
      }
      target.host.reserve(encoded.size());
      std::transform(encoded.begin(), encoded.end(), std::back_inserter(target.host), ascii_lower);
      target.host_header = target.host;
      break;
    }
    case boost::urls::host_type::ipv4:
      target.host = std::string(view.encoded_host());
      target.host_is_ip = true;
      target.host_header = target.host;
      break;
    case boost::urls::host_type::ipv6:
      target.host = view.host_ipv6_address().to_string();
      target.host_is_ip = true;
      target.host_header = "[" + target.host + "]";
      break;
    default:
      return Error(ErrorCode::kInvalidArgument, "the request URL has no usable host");
  }

  if (view.has_port() && !view.port().empty()) {
    // Parsed here rather than with port_number(), which wraps values above 65535 around.
    const auto text = view.port();
    unsigned long port = 0;
    const auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (parse_error != std::errc() || end != text.data() + text.size() || port == 0 ||
        port > 65535) {
      return Error(ErrorCode::kInvalidArgument, "the request URL has an invalid port");
    }
    target.port = static_cast<std::uint16_t>(port);
  }
  const std::string port_text = std::to_string(target.port);
  if (target.port != kDefaultHttpsPort) target.host_header += ":" + port_text;
  const std::string bracketed = view.host_type() == boost::urls::host_type::ipv6
                                    ? "[" + target.host + "]"
                                    : target.host;
  target.authority = bracketed + ":" + port_text;
  target.pool_key = "https://" + target.authority;

  auto path = view.encoded_path();
  target.resource = path.empty() ? std::string("/") : std::string(path);
  if (view.has_query()) target.resource += "?" + std::string(view.encoded_query());
  return target;
}

bhttp::verb to_verb(Method method) {
  switch (method) {
    case Method::kGet: return bhttp::verb::get;
    case Method::kPost: return bhttp::verb::post;
    case Method::kPatch: return bhttp::verb::patch;
    case Method::kPut: return bhttp::verb::put;
    case Method::kDelete: return bhttp::verb::delete_;
  }
  return bhttp::verb::get;
}

std::string milliseconds_text(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

// The reason text of an error. OpenSSL codes get their reason only ("certificate verify failed"),
// without Asio's library suffix; a failed verification adds why it failed ("self-signed
// certificate", "hostname mismatch").
std::string describe(const error_code& ec, SSL* verified = nullptr) {
  std::string text;
  if (ec.category() == net::error::get_ssl_category()) {
    const char* reason = ::ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    text = reason != nullptr ? reason : ec.message();
  } else {
    text = ec.message();
  }
  if (verified != nullptr) {
    const long verify_result = ::SSL_get_verify_result(verified);
    if (verify_result != X509_V_OK) {
      text += " (";
      text += ::X509_verify_cert_error_string(verify_result);
      text += ")";
    }
  }
  return text;
}

// The errors a connection shows when the server closed it: on a pooled connection they mean it
// went stale while idle.
bool is_disconnect(const error_code& ec) {
  return ec == net::error::eof || ec == bhttp::error::end_of_stream ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == ssl::error::stream_truncated;
}

Error make_error(ErrorCode code, std::string message, bool request_sent) {
  Error error(code, std::move(message));
  error.request_sent = request_sent;
  return error;
}

// A connection owns its io_context: the thread that holds the connection runs it, so requests on
// different connections never contend for an event loop and a deadline only ever has one stream to
// cancel. Members are declared so that the stream is destroyed before the context it uses.
struct Connection {
  explicit Connection(ssl::context& tls) : io(1), stream(io, tls) {}

  net::io_context io;
  beast::ssl_stream<beast::tcp_stream> stream;
  Clock::time_point idle_since{};
};

// Starts one asynchronous operation through `start` and runs the connection's event loop until it
// has completed. The deadline set on the tcp_stream before the call bounds how long this takes.
template <class Start>
error_code run_to_completion(Connection& connection, Start&& start) {
  bool done = false;
  error_code result;
  start([&done, &result](const error_code& ec, auto&&...) {
    result = ec;
    done = true;
  });
  connection.io.restart();
  while (!done && connection.io.run_one() != 0) {
  }
  // The pending operation is outstanding work, so the loop only ends early if the context was
  // stopped, which nothing does.
  if (!done) return net::error::operation_aborted;
  return result;
}

// True when an idle connection shows no sign of having been closed by the server. An idle HTTP/1.1
// connection has nothing to read, so readability means EOF, a reset or a TLS close_notify.
bool looks_alive(Connection& connection) {
  auto& socket = beast::get_lowest_layer(connection.stream).socket();
  if (!socket.is_open()) return false;
  pollfd descriptor{};
  descriptor.fd = socket.native_handle();
  descriptor.events = POLLIN;
  return ::poll(&descriptor, 1, 0) == 0;
}

// A name resolution that runs on its own thread so that the caller can stop waiting at the
// connect deadline: getaddrinfo cannot be cancelled, and Asio's asynchronous resolver only wraps
// it in a thread of its own that the caller would have to join.
struct PendingResolve {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
};

}  // namespace

struct BeastTransport::Impl {
  explicit Impl(BeastTransportOptions opts)
      : options(std::move(opts)), tls(ssl::context::tls_client) {}

  ~Impl() {
    // A resolution abandoned at its deadline still owns a thread; wait for getaddrinfo to return
    // so that no thread outlives the transport.
    std::lock_guard lock(resolver_mutex);
    for (auto& [state, thread] : abandoned_resolves) thread.join();
  }

  Result<void> configure_tls();
  Result<void> load_ca_file(const std::string& path);

  Result<Response> send(const Request& request);
  Result<std::unique_ptr<Connection>> open(const Target& target);
  Result<std::vector<tcp::endpoint>> resolve(const Target& target, Clock::time_point deadline);
  void reap_finished_resolves();
  std::unique_ptr<Connection> take_idle(const std::string& key);
  void give_back(std::unique_ptr<Connection> connection, const std::string& key);
  // Writes the request and reads the response on an open connection. `stale` tells whether the
  // failure shows a connection the server had closed before any byte of the response arrived.
  Result<Response> exchange(Connection& connection, const Target& target,
                            const bhttp::request<bhttp::string_body>& message, bool& request_sent,
                            bool& stale);

  BeastTransportOptions options;
  ssl::context tls;
  std::atomic<std::size_t> opened{0};

  std::mutex pool_mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::mutex resolver_mutex;
  std::vector<std::pair<std::shared_ptr<PendingResolve>, std::thread>> abandoned_resolves;
};

Result<void> BeastTransport::Impl::configure_tls() {
  SSL_CTX* context = tls.native_handle();
  if (::SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) {
    return Error(ErrorCode::kInternal, "could not require TLS 1.2 or later");
  }
  tls.set_verify_mode(ssl::verify_peer);
  if (options.ca_file) return load_ca_file(*options.ca_file);
  error_code ec;
  tls.set_default_verify_paths(ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 "could not load the system CA store: " + describe(ec));
  }
  return {};
}

Result<void> BeastTransport::Impl::load_ca_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (file) contents << file.rdbuf();
  if (!file || file.bad()) {
    return Error(ErrorCode::kInvalidArgument, "cannot read the CA file " + path);
  }
  const std::string pem = contents.str();

  BIO* bio = ::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Error(ErrorCode::kInternal, "out of memory reading the CA file");
  X509_STORE* store = ::SSL_CTX_get_cert_store(tls.native_handle());
  std::size_t certificates = 0;
  while (X509* certificate = ::PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (::X509_STORE_add_cert(store, certificate) == 1) ++certificates;
    ::X509_free(certificate);
  }
  ::BIO_free(bio);
  // The loop ends on "no start line" at the end of the file; that is not an error to keep around.
  ::ERR_clear_error();
  if (certificates == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "the CA file " + path + " holds no PEM certificate");
  }
  return {};
}

void BeastTransport::Impl::reap_finished_resolves() {
  std::lock_guard lock(resolver_mutex);
  auto finished = std::partition(abandoned_resolves.begin(), abandoned_resolves.end(),
                                 [](const auto& entry) {
                                   std::lock_guard state_lock(entry.first->mutex);
                                   return !entry.first->done;
                                 });
  for (auto it = finished; it != abandoned_resolves.end(); ++it) it->second.join();
  abandoned_resolves.erase(finished, abandoned_resolves.end());
}

Result<std::vector<tcp::endpoint>> BeastTransport::Impl::resolve(const Target& target,
                                                                 Clock::time_point deadline) {
  reap_finished_resolves();
  auto state = std::make_shared<PendingResolve>();
  std::thread worker([state, host = target.host, port = std::to_string(target.port)] {
    error_code ec;
    std::vector<tcp::endpoint> endpoints;
    try {
      net::io_context io(1);
      tcp::resolver resolver(io);
      auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    } catch (const std::exception&) {
      ec = net::error::no_memory;
    }
    {
      std::lock_guard lock(state->mutex);
      state->ec = ec;
      state->endpoints = std::move(endpoints);
      state->done = true;
    }
    state->finished.notify_all();
  });

  std::unique_lock lock(state->mutex);
  if (!state->finished.wait_until(lock, deadline, [&state] { return state->done; })) {
    lock.unlock();
    std::lock_guard resolver_lock(resolver_mutex);
    abandoned_resolves.emplace_back(state, std::move(worker));
    return make_error(ErrorCode::kTimeout,
                      "resolving " + target.host + " timed out after " +
                          milliseconds_text(options.connect_timeout),
                      false);
  }
  auto ec = state->ec;
  auto endpoints = std::move(state->endpoints);
  lock.unlock();
  worker.join();
  if (ec) {
    return make_error(ErrorCode::kTransport,
                      "resolving " + target.host + " failed: " + describe(ec), false);
  }
  if (endpoints.empty()) {
    return make_error(ErrorCode::kTransport, "resolving " + target.host + " found no address",
                      false);
  }
  return endpoints;
}

Result<std::unique_ptr<Connection>> BeastTransport::Impl::open(const Target& target) {
  const auto deadline = Clock::now() + options.connect_timeout;
  std::vector<tcp::endpoint> endpoints;
  if (target.host_is_ip) {
    endpoints.emplace_back(net::ip::make_address(target.host), target.port);
  } else {
    auto resolved = resolve(target, deadline);
    if (!resolved) return std::move(resolved).error();
    endpoints = std::move(resolved).value();
  }

  auto connection = std::make_unique<Connection>(tls);
  SSL* session = connection->stream.native_handle();
  // Verification is configured on the SSL object, so OpenSSL itself rejects a certificate for
  // another host during the handshake and reports why ("hostname mismatch").
  X509_VERIFY_PARAM* verify = ::SSL_get0_param(session);
  if (target.host_is_ip) {
    // SNI must not carry an IP address (RFC 6066), but the address is still verified.
    if (::X509_VERIFY_PARAM_set1_ip_asc(verify, target.host.c_str()) != 1) {
      return Error(ErrorCode::kInternal, "could not set up IP verification for " + target.host);
    }
  } else {
    ::X509_VERIFY_PARAM_set_hostflags(verify, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (::SSL_set1_host(session, target.host.c_str()) != 1 ||
        ::SSL_set_tlsext_host_name(session, target.host.c_str()) != 1) {
      return Error(ErrorCode::kInternal,
                   "could not set up host name verification for " + target.host);
    }
  }

  auto& tcp_layer = beast::get_lowest_layer(connection->stream);
  tcp_layer.expires_at(deadline);
  auto ec = run_to_completion(*connection, [&](auto handler) {
    tcp_layer.async_connect(endpoints, std::move(handler));
  });
  if (ec == beast::error::timeout) {
    return make_error(ErrorCode::kTimeout,
                      "connecting to " + target.authority + " timed out after " +
                          milliseconds_text(options.connect_timeout),
                      false);
  }
  if (ec) {
    return make_error(ErrorCode::kTransport,
                      "connecting to " + target.authority + " failed: " + describe(ec), false);
  }
  opened.fetch_add(1, std::memory_order_relaxed);
  error_code ignored;
  // Requests and responses are single messages; Nagle would only add a round trip of delay.
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);

  tcp_layer.expires_after(options.handshake_timeout);
  ec = run_to_completion(*connection, [&](auto handler) {
    connection->stream.async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (ec == beast::error::timeout) {
    return make_error(ErrorCode::kTimeout,
                      "TLS handshake with " + target.authority + " timed out after " +
                          milliseconds_text(options.handshake_timeout),
                      false);
  }
  if (ec) {
    return make_error(ErrorCode::kTransport,
                      "TLS handshake with " + target.authority + " failed: " +
                          describe(ec, session),
                      false);
  }
  tcp_layer.expires_never();
  return connection;
}

std::unique_ptr<Connection> BeastTransport::Impl::take_idle(const std::string& key) {
  // Declared before the lock so that discarded connections are closed after it is released.
  std::vector<std::unique_ptr<Connection>> discarded;
  std::lock_guard lock(pool_mutex);
  auto found = idle.find(key);
  if (found == idle.end()) return nullptr;
  auto& connections = found->second;
  const auto now = Clock::now();
  // Most recently used first: it is the least likely to have been closed by the server.
  while (!connections.empty()) {
    auto connection = std::move(connections.back());
    connections.pop_back();
    if (now - connection->idle_since <= options.idle_timeout && looks_alive(*connection)) {
      return connection;
    }
    discarded.push_back(std::move(connection));
  }
  return nullptr;
}

void BeastTransport::Impl::give_back(std::unique_ptr<Connection> connection,
                                     const std::string& key) {
  if (options.max_connections_per_host == 0) return;
  beast::get_lowest_layer(connection->stream).expires_never();
  connection->idle_since = Clock::now();
  std::lock_guard lock(pool_mutex);
  auto& connections = idle[key];
  if (connections.size() < options.max_connections_per_host) {
    connections.push_back(std::move(connection));
  }
}

Result<Response> BeastTransport::Impl::exchange(Connection& connection, const Target& target,
                                                const bhttp::request<bhttp::string_body>& message,
                                                bool& request_sent, bool& stale) {
  stale = false;
  auto& tcp_layer = beast::get_lowest_layer(connection.stream);
  // One deadline covers writing the request and reading the whole response.
  tcp_layer.expires_after(options.request_timeout);
  const auto timed_out = [&] {
    return make_error(ErrorCode::kTimeout,
                      "the request to " + target.authority + " timed out after " +
                          milliseconds_text(options.request_timeout),
                      true);
  };

  request_sent = true;
  auto ec = run_to_completion(connection, [&](auto handler) {
    bhttp::async_write(connection.stream, message, std::move(handler));
  });
  if (ec == beast::error::timeout) return timed_out();
  if (ec) {
    stale = is_disconnect(ec);
    return make_error(ErrorCode::kTransport,
                      "sending the request to " + target.authority + " failed: " + describe(ec),
                      true);
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_response_header_bytes, UINT32_MAX)));
  parser.body_limit(options.max_response_body_bytes);
  ec = run_to_completion(connection, [&](auto handler) {
    bhttp::async_read(connection.stream, buffer, parser, std::move(handler));
  });
  if (ec == beast::error::timeout) return timed_out();
  if (ec == bhttp::error::body_limit) {
    return make_error(ErrorCode::kProtocol,
                      "the response from " + target.authority + " is larger than the " +
                          std::to_string(options.max_response_body_bytes) + "-byte body limit",
                      true);
  }
  if (ec == bhttp::error::header_limit) {
    return make_error(ErrorCode::kProtocol,
                      "the response headers from " + target.authority + " exceed the " +
                          std::to_string(options.max_response_header_bytes) + "-byte limit",
                      true);
  }
  if (ec) {
    const bool nothing_received = !parser.got_some() && buffer.size() == 0;
    stale = nothing_received && is_disconnect(ec);
    const auto& http_category = bhttp::make_error_code(bhttp::error::end_of_stream).category();
    const bool malformed = ec.category() == http_category && ec != bhttp::error::end_of_stream &&
                           ec != bhttp::error::partial_message;
    if (malformed) {
      return make_error(ErrorCode::kProtocol,
                        "the response from " + target.authority + " is not valid HTTP: " +
                            describe(ec),
                        true);
    }
    if (is_disconnect(ec) || ec == bhttp::error::partial_message) {
      return make_error(ErrorCode::kTransport,
                        target.authority +
                            (nothing_received ? " closed the connection before responding"
                                              : " closed the connection during the response"),
                        true);
    }
    return make_error(ErrorCode::kTransport,
                      "reading the response from " + target.authority + " failed: " +
                          describe(ec),
                      true);
  }

  auto& message_in = parser.get();
  Response response;
  response.status = static_cast<int>(message_in.result_int());
  for (const auto& field : message_in) {
    response.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  // Keep the connection only when the server meant to and sent nothing beyond the response.
  const bool reusable = message_in.keep_alive() && !parser.need_eof() && buffer.size() == 0;
  response.body = std::move(message_in.body());
  if (!reusable) beast::get_lowest_layer(connection.stream).close();
  return response;
}

Result<Response> BeastTransport::Impl::send(const Request& request) {
  auto parsed = parse_target(request.url);
  if (!parsed) return std::move(parsed).error();
  const Target& target = *parsed;

  bhttp::request<bhttp::string_body> message(to_verb(request.method), target.resource, 11);
  message.set(bhttp::field::host, target.host_header);
  bool has_user_agent = false;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers.entries()) {
    if (!is_valid_header_name(name)) {
      return Error(ErrorCode::kInvalidArgument, "a request header has an invalid name");
    }
    if (!is_valid_header_value(value)) {
      return Error(ErrorCode::kInvalidArgument,
                   "the value of request header " + name + " contains a line break");
    }
    // The transport owns the message framing and the Host header; a caller's copy of them could
    // only disagree with what is actually sent.
    if (iequals(name, "Host") || iequals(name, "Content-Length") ||
        iequals(name, "Transfer-Encoding")) {
      continue;
    }
    has_user_agent = has_user_agent || iequals(name, "User-Agent");
    has_content_type = has_content_type || iequals(name, "Content-Type");
    message.insert(name, value);
  }
  if (!has_user_agent) message.set(bhttp::field::user_agent, options.user_agent);
  if (!has_content_type && !request.body.empty()) {
    message.set(bhttp::field::content_type, "application/json");
  }
  message.body() = request.body;
  message.prepare_payload();

  bool request_sent = false;
  bool retried = false;
  for (;;) {
    auto connection = take_idle(target.pool_key);
    const bool reused = connection != nullptr;
    if (!reused) {
      auto opened_connection = open(target);
      if (!opened_connection) {
        auto error = std::move(opened_connection).error();
        // A request written to a stale connection before this one may have reached the server.
        error.request_sent = error.request_sent || request_sent;
        return error;
      }
      connection = std::move(opened_connection).value();
    }
    bool stale = false;
    auto result = exchange(*connection, target, message, request_sent, stale);
    if (result.ok()) {
      if (beast::get_lowest_layer(connection->stream).socket().is_open()) {
        give_back(std::move(connection), target.pool_key);
      }
      return result;
    }
    // Servers close idle keep-alive connections whenever they like; the first request on one
    // then fails before any response byte. That, and only that, is worth one more try.
    if (reused && stale && !retried) {
      retried = true;
      continue;
    }
    return result;
  }
}

Result<std::shared_ptr<BeastTransport>> BeastTransport::create(BeastTransportOptions options) {
  using std::chrono::milliseconds;
  if (options.connect_timeout <= milliseconds::zero() ||
      options.handshake_timeout <= milliseconds::zero() ||
      options.request_timeout <= milliseconds::zero()) {
    return Error(ErrorCode::kInvalidArgument, "transport timeouts must be positive");
  }
  if (!is_valid_header_value(options.user_agent)) {
    return Error(ErrorCode::kInvalidArgument, "the user agent contains a line break");
  }
  try {
    auto impl = std::make_unique<Impl>(std::move(options));
    auto configured = impl->configure_tls();
    if (!configured) return std::move(configured).error();
    return std::shared_ptr<BeastTransport>(new BeastTransport(std::move(impl)));
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal,
                 std::string("could not set up the HTTPS transport: ") + e.what());
  }
}

BeastTransport::BeastTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BeastTransport::~BeastTransport() = default;

Result<Response> BeastTransport::send(const Request& request) {
  try {
    return impl_->send(request);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal,
                 std::string("unexpected failure in the HTTPS transport: ") + e.what());
  }
}

std::size_t BeastTransport::connections_opened() const noexcept {
  return impl_->opened.load(std::memory_order_relaxed);
}

}  // namespace autotask_sync::http
