#include <autotask_sync/http/beast_transport.hpp>

#include "http/beast_transport_detail.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <climits>
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
constexpr std::uint16_t kDefaultHttpPort = 80;

// A host and port to connect to, either an origin server or a proxy.
struct HostPort {
  std::string host;         // host name (lower case) or IP literal without brackets
  bool host_is_ip = false;  // IP literals get no SNI and are verified against IP SANs
  std::uint16_t port = kDefaultHttpsPort;
  std::string authority;  // host:port ("[::1]:8443" for IPv6), the only part error messages show
};

// Where one request goes, taken apart once so that no later step re-parses the caller's URL.
struct Target : HostPort {
  std::string host_header;  // "example.com", "127.0.0.1:8443", "[::1]:8443"
  std::string resource;     // path and query, as sent in the request line
  std::string pool_key;     // scheme, host, port and proxy: connections are shared within a key
};

// The proxy every connection of a transport goes through, from the proxy_url option.
struct Proxy {
  HostPort server;
  // "Basic <base64 of user:password>", or empty without credentials. A credential: it goes into
  // the CONNECT request and nowhere else.
  std::string authorization;
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

// Takes the host and port of a URL apart into `out`; `what` names the URL in error messages.
Result<void> parse_host_port(const boost::urls::url_view& view, std::uint16_t default_port,
                             const std::string& what, HostPort& out) {
  switch (view.host_type()) {
    case boost::urls::host_type::name: {
      auto encoded = view.encoded_host();
      if (encoded.empty() || !std::all_of(encoded.begin(), encoded.end(), is_host_name_char)) {
        return Error(ErrorCode::kInvalidArgument, "the " + what + " has an invalid host name");
      }
      out.host.reserve(encoded.size());
      std::transform(encoded.begin(), encoded.end(), std::back_inserter(out.host), ascii_lower);
      break;
    }
    case boost::urls::host_type::ipv4:
      out.host = std::string(view.encoded_host());
      out.host_is_ip = true;
      break;
    case boost::urls::host_type::ipv6:
      out.host = view.host_ipv6_address().to_string();
      out.host_is_ip = true;
      break;
    default:
      return Error(ErrorCode::kInvalidArgument, "the " + what + " has no usable host");
  }

  out.port = default_port;
  if (view.has_port() && !view.port().empty()) {
    // Parsed here rather than with port_number(), which wraps values above 65535 around.
    const auto text = view.port();
    unsigned long port = 0;
    const auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (parse_error != std::errc() || end != text.data() + text.size() || port == 0 ||
        port > 65535) {
      return Error(ErrorCode::kInvalidArgument, "the " + what + " has an invalid port");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  const bool ipv6 = view.host_type() == boost::urls::host_type::ipv6;
  out.authority = (ipv6 ? "[" + out.host + "]" : out.host) + ":" + std::to_string(out.port);
  return {};
}

std::string base64(std::string_view data) {
  std::string encoded(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int length = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                       reinterpret_cast<const unsigned char*>(data.data()),
                                       static_cast<int>(data.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return encoded;
}

// No message here quotes the proxy URL or any part of its user information: the URL may carry the
// proxy password, and a mistyped one is still a password.
Result<Proxy> parse_proxy(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return Error(ErrorCode::kInvalidArgument,
                 "the proxy URL is not a valid absolute URL (reserved characters in the user or "
                 "password must be percent-encoded)");
  }
  const auto& view = *parsed;
  if (view.scheme_id() == boost::urls::scheme::https) {
    return Error(ErrorCode::kUnsupported,
                 "the proxy URL must use http: TLS to the proxy itself is not supported (the "
                 "tunnel through it still carries TLS to the server)");
  }
  if (view.scheme_id() != boost::urls::scheme::http) {
    return Error(ErrorCode::kUnsupported,
                 "the proxy URL must start with http://: other proxy kinds are not supported");
  }
  const auto path = view.encoded_path();
  if ((!path.empty() && path != "/") || view.has_query() || view.has_fragment()) {
    return Error(ErrorCode::kInvalidArgument,
                 "the proxy URL must be http://host[:port] without a path, query or fragment");
  }

  Proxy proxy;
  auto host_port = parse_host_port(view, kDefaultHttpPort, "proxy URL", proxy.server);
  if (!host_port) return std::move(host_port).error();
  if (view.has_userinfo()) {
    const std::string user = view.user();
    // RFC 7617: the user-id of Basic credentials cannot hold a colon, the password can.
    if (user.find(':') != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument,
                   "the user name in the proxy URL must not contain a colon");
    }
    proxy.authorization = "Basic " + base64(user + ":" + view.password());
  }
  return proxy;
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
  auto host_port = parse_host_port(view, kDefaultHttpsPort, "request URL", target);
  if (!host_port) return std::move(host_port).error();
  const bool ipv6 = view.host_type() == boost::urls::host_type::ipv6;
  target.host_header = ipv6 ? "[" + target.host + "]" : target.host;
  if (target.port != kDefaultHttpsPort) target.host_header += ":" + std::to_string(target.port);
  target.pool_key = "https://" + target.authority;

  auto path = view.encoded_path();
  target.resource = path.empty() ? std::string("/") : std::string(path);
  if (view.has_query()) target.resource += "?" + std::string(view.encoded_query());
  return target;
}

bhttp::verb to_verb(Method method) {
  switch (method) {
    case Method::kGet:
      return bhttp::verb::get;
    case Method::kPost:
      return bhttp::verb::post;
    case Method::kPatch:
      return bhttp::verb::patch;
    case Method::kPut:
      return bhttp::verb::put;
    case Method::kDelete:
      return bhttp::verb::delete_;
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

// Adds every PEM certificate in `pem` to the context's trust store; `what` names the source in
// error messages ("the CA file /etc/x.pem").
Result<void> add_trusted_pem(SSL_CTX* context, const std::string& pem, const std::string& what) {
  // BIO_new_mem_buf takes an int, and a negative one would mean "up to the first NUL".
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error(ErrorCode::kInvalidArgument, what + " is too large to be a CA bundle");
  }
  BIO* bio = ::BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Error(ErrorCode::kInternal, "out of memory reading " + what);
  X509_STORE* store = ::SSL_CTX_get_cert_store(context);
  std::size_t certificates = 0;
  while (X509* certificate = ::PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (::X509_STORE_add_cert(store, certificate) == 1) ++certificates;
    ::X509_free(certificate);
  }
  ::BIO_free(bio);
  // The loop ends on "no start line" at the end of the input; that is not an error to keep around.
  ::ERR_clear_error();
  if (certificates == 0) {
    return Error(ErrorCode::kInvalidArgument, what + " holds no PEM certificate");
  }
  return {};
}

Result<void> load_ca_file(SSL_CTX* context, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  if (file) contents << file.rdbuf();
  if (!file || file.bad()) {
    return Error(ErrorCode::kInvalidArgument, "cannot read the CA file " + path);
  }
  return add_trusted_pem(context, contents.str(), "the CA file " + path);
}

}  // namespace

namespace detail {

Result<void> configure_tls_context(SSL_CTX* context, const BeastTransportOptions& options) {
  if (::SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) {
    return Error(ErrorCode::kInternal, "could not require TLS 1.2 or later");
  }
  ::SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  if (options.allow_legacy_tls_renegotiation) {
    // OpenSSL 3 dropped this from the defaults; see the option's documentation for the cost.
    ::SSL_CTX_set_options(context, SSL_OP_LEGACY_SERVER_CONNECT);
  }
  if (!options.ca_file && !options.ca_pem) {
    if (::SSL_CTX_set_default_verify_paths(context) != 1) {
      const char* reason = ::ERR_reason_error_string(::ERR_get_error());
      ::ERR_clear_error();
      return Error(ErrorCode::kInvalidArgument,
                   std::string("could not load the system CA store: ") +
                       (reason != nullptr ? reason : "unknown error"));
    }
    return {};
  }
  if (options.ca_file) {
    auto loaded = load_ca_file(context, *options.ca_file);
    if (!loaded) return loaded;
  }
  if (options.ca_pem) return add_trusted_pem(context, *options.ca_pem, "ca_pem");
  return {};
}

std::size_t read_buffer_limit(const BeastTransportOptions& options) {
  constexpr std::size_t kOneRead =
      std::size_t{64} * 1024;  // what Beast asks the stream for at most at once
  return std::max<std::size_t>(options.max_response_header_bytes, 1) + kOneRead;
}

void limit_response_parser(ResponseParser& parser, const BeastTransportOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_response_header_bytes, UINT32_MAX)));
  parser.body_limit(options.max_response_body_bytes);
}

Result<Response> finish_response(ResponseParser& parser, const error_code& ec, std::size_t leftover,
                                 const std::string& authority, const BeastTransportOptions& options,
                                 bool& stale, bool& reusable) {
  stale = false;
  reusable = false;
  if (ec == bhttp::error::body_limit) {
    return make_error(ErrorCode::kProtocol,
                      "the response body from " + authority + " is larger than the " +
                          std::to_string(options.max_response_body_bytes) +
                          "-byte limit (max_response_body_bytes)",
                      true);
  }
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    return make_error(ErrorCode::kProtocol,
                      "the response headers from " + authority + " exceed the " +
                          std::to_string(options.max_response_header_bytes) +
                          "-byte limit (max_response_header_bytes)",
                      true);
  }
  if (ec) {
    const bool nothing_received = !parser.got_some() && leftover == 0;
    stale = nothing_received && is_disconnect(ec);
    const auto& http_category = bhttp::make_error_code(bhttp::error::end_of_stream).category();
    const bool malformed = ec.category() == http_category && ec != bhttp::error::end_of_stream &&
                           ec != bhttp::error::partial_message;
    if (malformed) {
      return make_error(ErrorCode::kProtocol,
                        "the response from " + authority + " is not valid HTTP: " + describe(ec),
                        true);
    }
    if (is_disconnect(ec) || ec == bhttp::error::partial_message) {
      return make_error(
          ErrorCode::kTransport,
          authority + (nothing_received ? " closed the connection before responding"
                                        : " closed the connection during the response"),
          true);
    }
    return make_error(ErrorCode::kTransport,
                      "reading the response from " + authority + " failed: " + describe(ec), true);
  }

  auto& message = parser.get();
  const unsigned status = message.result_int();
  // Keep the connection only when the server meant to and sent nothing beyond the response.
  reusable = message.keep_alive() && !parser.need_eof() && leftover == 0;
  if (status >= 300 && status <= 399) {
    // Never followed: the request carries Autotask credentials, and a redirect would send them to
    // a URL the caller did not choose. Location is not quoted: it is the server's text.
    auto error = make_error(ErrorCode::kProtocol,
                            "the response from " + authority + " is a redirect (HTTP " +
                                std::to_string(status) +
                                "); redirects are refused so that credentials go nowhere else",
                            true);
    error.http_status = static_cast<int>(status);
    return error;
  }
  Response response;
  response.status = static_cast<int>(status);
  for (const auto& field : message) {
    response.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

namespace {

// A connection that has already received `bytes`, handed out `piece` bytes per read, then closed.
class BytesStream {
 public:
  using executor_type = net::any_io_executor;

  BytesStream(std::string_view bytes, std::size_t piece) : bytes_(bytes), piece_(piece) {}

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    if (bytes_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    ec = {};
    std::size_t limit = net::buffer_size(buffers);
    if (piece_ != 0) limit = std::min(limit, piece_);
    const std::size_t copied =
        net::buffer_copy(buffers, net::buffer(bytes_.data(), std::min(limit, bytes_.size())));
    bytes_.remove_prefix(copied);
    return copied;
  }

  template <class MutableBuffers>
  std::size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string_view bytes_;
  std::size_t piece_;
};

}  // namespace

Result<Response> parse_response(std::string_view bytes, const BeastTransportOptions& options,
                                std::size_t piece) {
  try {
    BytesStream stream(bytes, piece);
    beast::flat_buffer buffer(read_buffer_limit(options));
    ResponseParser parser;
    limit_response_parser(parser, options);
    error_code ec;
    bhttp::read(stream, buffer, parser, ec);
    bool stale = false;
    bool reusable = false;
    return finish_response(parser, ec, buffer.size(), "test.invalid:443", options, stale, reusable);
  } catch (const std::exception& e) {
    // What send() reports for anything Beast throws.
    return Error(ErrorCode::kInternal,
                 std::string("unexpected failure in the HTTPS transport: ") + e.what());
  }
}

}  // namespace detail

struct BeastTransport::Impl {
  explicit Impl(BeastTransportOptions opts)
      : options(std::move(opts)), tls(ssl::context::tls_client) {}

  ~Impl() {
    // A resolution abandoned at its deadline still owns a thread; wait for getaddrinfo to return
    // so that no thread outlives the transport.
    std::lock_guard lock(resolver_mutex);
    for (auto& [state, thread] : abandoned_resolves) thread.join();
  }

  Result<Response> send(const Request& request);
  Result<std::unique_ptr<Connection>> open(const Target& target);
  // Asks the proxy for a tunnel to the target on a connection open to the proxy.
  Result<void> open_tunnel(Connection& connection, const Target& target);
  // `what` says what the host is in error messages: "" for the server, "the proxy host ".
  Result<std::vector<tcp::endpoint>> resolve(const HostPort& peer, const std::string& what,
                                             Clock::time_point deadline);
  void reap_finished_resolves();
  std::unique_ptr<Connection> take_idle(const std::string& key);
  void give_back(std::unique_ptr<Connection> connection, const std::string& key);
  // Writes the request and reads the response on an open connection. `stale` tells whether the
  // failure shows a connection the server had closed before any byte of the response arrived.
  Result<Response> exchange(Connection& connection, const Target& target,
                            const bhttp::request<bhttp::string_body>& message, bool& request_sent,
                            bool& stale);

  BeastTransportOptions options;
  std::optional<Proxy> proxy;
  ssl::context tls;
  std::atomic<std::size_t> opened{0};

  std::mutex pool_mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::mutex resolver_mutex;
  std::vector<std::pair<std::shared_ptr<PendingResolve>, std::thread>> abandoned_resolves;
};

void BeastTransport::Impl::reap_finished_resolves() {
  std::lock_guard lock(resolver_mutex);
  auto finished =
      std::partition(abandoned_resolves.begin(), abandoned_resolves.end(), [](const auto& entry) {
        std::lock_guard state_lock(entry.first->mutex);
        return !entry.first->done;
      });
  for (auto it = finished; it != abandoned_resolves.end(); ++it) it->second.join();
  abandoned_resolves.erase(finished, abandoned_resolves.end());
}

Result<std::vector<tcp::endpoint>> BeastTransport::Impl::resolve(const HostPort& peer,
                                                                 const std::string& what,
                                                                 Clock::time_point deadline) {
  reap_finished_resolves();
  auto state = std::make_shared<PendingResolve>();
  std::thread worker([state, host = peer.host, port = std::to_string(peer.port)] {
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
                      "resolving " + what + peer.host + " timed out after " +
                          milliseconds_text(options.connect_timeout),
                      false);
  }
  auto ec = state->ec;
  auto endpoints = std::move(state->endpoints);
  lock.unlock();
  worker.join();
  if (ec) {
    return make_error(ErrorCode::kTransport,
                      "resolving " + what + peer.host + " failed: " + describe(ec), false);
  }
  if (endpoints.empty()) {
    return make_error(ErrorCode::kTransport, "resolving " + what + peer.host + " found no address",
                      false);
  }
  return endpoints;
}

Result<std::unique_ptr<Connection>> BeastTransport::Impl::open(const Target& target) {
  const auto deadline = Clock::now() + options.connect_timeout;
  // Through a proxy only the proxy is resolved and connected to: a corporate host often cannot
  // resolve outside names at all, and the proxy reaches the origin by the name in CONNECT.
  const HostPort& first_hop = proxy ? proxy->server : static_cast<const HostPort&>(target);
  const std::string hop_name = proxy ? "the proxy " + first_hop.authority : first_hop.authority;
  std::vector<tcp::endpoint> endpoints;
  if (first_hop.host_is_ip) {
    endpoints.emplace_back(net::ip::make_address(first_hop.host), first_hop.port);
  } else {
    auto resolved = resolve(first_hop, proxy ? "the proxy host " : "", deadline);
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
  auto ec = run_to_completion(
      *connection, [&](auto handler) { tcp_layer.async_connect(endpoints, std::move(handler)); });
  if (ec == beast::error::timeout) {
    return make_error(ErrorCode::kTimeout,
                      "connecting to " + hop_name + " timed out after " +
                          milliseconds_text(options.connect_timeout),
                      false);
  }
  if (ec) {
    return make_error(ErrorCode::kTransport,
                      "connecting to " + hop_name + " failed: " + describe(ec), false);
  }
  opened.fetch_add(1, std::memory_order_relaxed);
  error_code ignored;
  // Requests and responses are single messages; Nagle would only add a round trip of delay.
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);

  // A failed TLS handshake through a proxy is often the proxy intercepting TLS with a certificate
  // of its own; saying which proxy was in the path points there.
  std::string via;
  if (proxy) {
    auto tunnel = open_tunnel(*connection, target);
    if (!tunnel) return std::move(tunnel).error();
    via = " through the proxy " + proxy->server.authority;
  }

  tcp_layer.expires_after(options.handshake_timeout);
  ec = run_to_completion(*connection, [&](auto handler) {
    connection->stream.async_handshake(ssl::stream_base::client, std::move(handler));
  });
  if (ec == beast::error::timeout) {
    return make_error(ErrorCode::kTimeout,
                      "TLS handshake with " + target.authority + via + " timed out after " +
                          milliseconds_text(options.handshake_timeout),
                      false);
  }
  if (ec) {
    return make_error(
        ErrorCode::kTransport,
        "TLS handshake with " + target.authority + via + " failed: " + describe(ec, session),
        false);
  }
  tcp_layer.expires_never();
  return connection;
}

// The proxy's reason phrase and body are never shown: they are the proxy's text, and a proxy that
// echoes the request back would put the Proxy-Authorization value into an error message. The
// status code and its standard reason are enough to act on.
Result<void> BeastTransport::Impl::open_tunnel(Connection& connection, const Target& target) {
  const std::string proxy_name = "the proxy " + proxy->server.authority;
  // CONNECT takes the authority form, host:port, always with the port (RFC 9110, 9.3.6).
  bhttp::request<bhttp::empty_body> connect(bhttp::verb::connect, target.authority, 11);
  connect.set(bhttp::field::host, target.authority);
  connect.set(bhttp::field::user_agent, options.user_agent);
  if (!proxy->authorization.empty()) {
    connect.set(bhttp::field::proxy_authorization, proxy->authorization);
  }

  auto& tcp_layer = beast::get_lowest_layer(connection.stream);
  // Its own period: the proxy resolves and connects to the origin before it answers.
  tcp_layer.expires_after(options.connect_timeout);
  const auto timed_out = [&] {
    return make_error(ErrorCode::kTimeout,
                      proxy_name + " did not answer CONNECT to " + target.authority + " within " +
                          milliseconds_text(options.connect_timeout),
                      false);
  };
  auto ec = run_to_completion(connection, [&](auto handler) {
    bhttp::async_write(tcp_layer, connect, std::move(handler));
  });
  if (ec == beast::error::timeout) return timed_out();
  if (ec) {
    return make_error(ErrorCode::kTransport,
                      "sending CONNECT to " + proxy_name + " failed: " + describe(ec), false);
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  // A 2xx answer to CONNECT has no body whatever its headers say, and any other answer ends the
  // connection unread, so the parser stops after the header either way.
  parser.skip(true);
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.max_response_header_bytes, UINT32_MAX)));
  ec = run_to_completion(connection, [&](auto handler) {
    bhttp::async_read(tcp_layer, buffer, parser, std::move(handler));
  });
  if (ec == beast::error::timeout) return timed_out();
  if (ec == bhttp::error::header_limit) {
    return make_error(ErrorCode::kProtocol,
                      "the answer of " + proxy_name + " to CONNECT exceeds the " +
                          std::to_string(options.max_response_header_bytes) + "-byte header limit",
                      false);
  }
  if (ec) {
    if (is_disconnect(ec) || ec == bhttp::error::partial_message) {
      return make_error(
          ErrorCode::kTransport,
          proxy_name + " closed the connection before answering CONNECT to " + target.authority,
          false);
    }
    const auto& http_category = bhttp::make_error_code(bhttp::error::end_of_stream).category();
    if (ec.category() == http_category) {
      return make_error(
          ErrorCode::kProtocol,
          "the answer of " + proxy_name + " to CONNECT is not valid HTTP: " + describe(ec), false);
    }
    return make_error(ErrorCode::kTransport,
                      "reading the answer of " + proxy_name + " to CONNECT failed: " + describe(ec),
                      false);
  }

  const unsigned status = parser.get().result_int();
  if (status < 200 || status > 299) {
    std::string message = proxy_name + " refused the tunnel to " + target.authority + ": HTTP " +
                          std::to_string(status);
    const auto known = bhttp::int_to_status(status);
    if (known != bhttp::status::unknown) {
      message += " (" + std::string(bhttp::obsolete_reason(known)) + ")";
    }
    if (status == 407) {
      message += proxy->authorization.empty()
                     ? "; the proxy wants credentials and the proxy URL has none"
                     : "; the proxy did not accept the credentials of the proxy URL";
    }
    return make_error(ErrorCode::kTransport, std::move(message), false);
  }
  // The server speaks only after the ClientHello, so bytes here are the proxy's and would corrupt
  // the TLS stream.
  if (buffer.size() != 0) {
    return make_error(ErrorCode::kProtocol,
                      proxy_name + " sent data after accepting CONNECT to " + target.authority,
                      false);
  }
  return {};
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

  beast::flat_buffer buffer(detail::read_buffer_limit(options));
  detail::ResponseParser parser;
  detail::limit_response_parser(parser, options);
  ec = run_to_completion(connection, [&](auto handler) {
    bhttp::async_read(connection.stream, buffer, parser, std::move(handler));
  });
  if (ec == beast::error::timeout) return timed_out();
  bool reusable = false;
  auto response = detail::finish_response(parser, ec, buffer.size(), target.authority, options,
                                          stale, reusable);
  if (!reusable) beast::get_lowest_layer(connection.stream).close();
  return response;
}

Result<Response> BeastTransport::Impl::send(const Request& request) {
  auto parsed = parse_target(request.url);
  if (!parsed) return std::move(parsed).error();
  Target& target = *parsed;
  // A tunnel leads to the origin it was opened for; the proxy is part of the key so that a
  // connection made through one route is never taken for another.
  if (proxy) target.pool_key += " via http://" + proxy->server.authority;

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
    std::optional<Proxy> proxy;
    if (options.proxy_url) {
      auto parsed = parse_proxy(*options.proxy_url);
      if (!parsed) return std::move(parsed).error();
      proxy = std::move(parsed).value();
    }
    auto impl = std::make_unique<Impl>(std::move(options));
    impl->proxy = std::move(proxy);
    auto configured = detail::configure_tls_context(impl->tls.native_handle(), impl->options);
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
