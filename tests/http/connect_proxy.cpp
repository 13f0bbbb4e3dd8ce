#include "http/connect_proxy.hpp"

#include <autotask_sync/http/transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace autotask_test {

namespace {

namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

constexpr auto kAwait = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxHeadBytes = std::size_t{64} * 1024;

std::string_view reason_for(int status) {
  switch (status) {
    case 403:
      return "Forbidden";
    case 407:
      return "Proxy Authentication Required";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Refused";
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Splits the head of a request (everything before the blank line) into its request line and the
// headers the tests look at.
ConnectRecord parse_head(std::string_view head) {
  ConnectRecord record;
  auto line_end = head.find("\r\n");
  record.request_line = std::string(head.substr(0, line_end));
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    const auto line = head.substr(0, line_end);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = line.substr(0, colon);
    const auto value = std::string(trim(line.substr(colon + 1)));
    if (autotask_sync::http::iequals(name, "Proxy-Authorization")) {
      record.proxy_authorization = value;
    } else if (autotask_sync::http::iequals(name, "Host")) {
      record.host = value;
    }
  }
  return record;
}

// Copies bytes from one socket to the other until the source ends, then passes the end on.
net::awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
  std::array<char, std::size_t{16} * 1024> data{};
  for (;;) {
    auto [read_error, read] = co_await from->async_read_some(net::buffer(data), kAwait);
    if (read_error) break;
    auto [write_error, written] =
        co_await net::async_write(*to, net::buffer(data.data(), read), kAwait);
    if (write_error) break;
  }
  boost::system::error_code ignored;
  to->shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

// Declaration order matters: coroutine frames still suspended at shutdown are destroyed with the
// io_context, and the records must outlive them.
struct ConnectProxy::State {
  State() : acceptor(io) {}

  net::awaitable<void> accept_loop();
  net::awaitable<void> session(tcp::socket client);
  // Connects to the host:port of a CONNECT request line; nothing when the line is not one, the
  // host is not loopback or the connection fails.
  net::awaitable<std::optional<tcp::socket>> connect_upstream(std::string_view request_line);
  net::awaitable<void> open_tunnel(tcp::socket client, tcp::socket upstream,
                                   std::string early_bytes);
  net::awaitable<void> refuse(tcp::socket& client, int status, const ConnectRecord& record);

  mutable std::mutex mutex;
  std::vector<ConnectRecord> records;
  std::atomic<int> status{200};
  std::uint16_t port = 0;  // read once before the thread starts: the acceptor is not thread-safe
  net::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

net::awaitable<void> ConnectProxy::State::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwait);
    if (ec) co_return;
    net::co_spawn(io, session(std::move(socket)), net::detached);
  }
}

// The body quotes the request's credentials, as some proxies' error pages quote request headers:
// a client that showed a refusal's body would leak them.
net::awaitable<void> ConnectProxy::State::refuse(tcp::socket& client, int refusal,
                                                 const ConnectRecord& record) {
  const std::string body =
      "refused by the test proxy; Proxy-Authorization: " + record.proxy_authorization.value_or("");
  std::string answer =
      "HTTP/1.1 " + std::to_string(refusal) + " " + std::string(reason_for(refusal)) + "\r\n";
  if (refusal == 407) answer += "Proxy-Authenticate: Basic realm=\"test proxy\"\r\n";
  answer += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
  co_await net::async_write(client, net::buffer(answer), kAwait);
  boost::system::error_code ignored;
  client.shutdown(tcp::socket::shutdown_both, ignored);
}

net::awaitable<void> ConnectProxy::State::session(tcp::socket client) {
  std::string head;
  auto [read_error, head_size] = co_await net::async_read_until(
      client, net::dynamic_buffer(head, kMaxHeadBytes), "\r\n\r\n", kAwait);
  if (read_error) co_return;
  const ConnectRecord record = parse_head(std::string_view(head).substr(0, head_size));
  {
    std::lock_guard lock(mutex);
    records.push_back(record);
  }
  const int answer = status.load();
  if (answer != 200) {
    co_await refuse(client, answer, record);
    co_return;
  }
  std::optional<tcp::socket> upstream = co_await connect_upstream(record.request_line);
  if (!upstream) {
    co_await refuse(client, 502, record);
    co_return;
  }
  // Whatever the client sent after the head already belongs to the tunnel.
  co_await open_tunnel(std::move(client), std::move(*upstream), head.substr(head_size));
}

net::awaitable<std::optional<tcp::socket>> ConnectProxy::State::connect_upstream(
    std::string_view request_line) {
  // "CONNECT host:port HTTP/1.1"; the host may be a bracketed IPv6 literal.
  const auto first_space = request_line.find(' ');
  const auto second_space = request_line.find(' ', first_space + 1);
  if (request_line.substr(0, first_space) != "CONNECT" || second_space == std::string_view::npos) {
    co_return std::nullopt;
  }
  const auto authority = request_line.substr(first_space + 1, second_space - first_space - 1);
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) co_return std::nullopt;
  std::string host(authority.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text(authority.substr(colon + 1));

  tcp::resolver resolver(io);
  auto [resolve_error, results] = co_await resolver.async_resolve(host, port_text, kAwait);
  bool loopback_only = !resolve_error && !results.empty();
  for (const auto& entry : results) {
    loopback_only = loopback_only && entry.endpoint().address().is_loopback();
  }
  if (!loopback_only) co_return std::nullopt;
  tcp::socket upstream(io);
  auto [connect_error, connected] = co_await net::async_connect(upstream, results, kAwait);
  if (connect_error) co_return std::nullopt;
  co_return std::optional<tcp::socket>(std::move(upstream));
}

net::awaitable<void> ConnectProxy::State::open_tunnel(tcp::socket client, tcp::socket upstream,
                                                      std::string early_bytes) {
  const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
  auto [write_error, written] = co_await net::async_write(client, net::buffer(established), kAwait);
  if (write_error) co_return;
  if (!early_bytes.empty()) {
    auto [early_error, early] =
        co_await net::async_write(upstream, net::buffer(early_bytes), kAwait);
    if (early_error) co_return;
  }
  auto client_side = std::make_shared<tcp::socket>(std::move(client));
  auto server_side = std::make_shared<tcp::socket>(std::move(upstream));
  net::co_spawn(io, relay(client_side, server_side), net::detached);
  net::co_spawn(io, relay(server_side, client_side), net::detached);
}

ConnectProxy::ConnectProxy() : state_(std::make_unique<State>()) {
  const tcp::endpoint loopback(net::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(loopback.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(loopback);
  state_->acceptor.listen();
  state_->port = state_->acceptor.local_endpoint().port();
  net::co_spawn(state_->io, state_->accept_loop(), net::detached);
  state_->thread = std::thread([state = state_.get()] { state->io.run(); });
}

ConnectProxy::~ConnectProxy() {
  state_->io.stop();
  state_->thread.join();
}

std::uint16_t ConnectProxy::port() const {
  return state_->port;
}

std::string ConnectProxy::url(std::string_view userinfo) const {
  std::string result = "http://";
  if (!userinfo.empty()) result += std::string(userinfo) + "@";
  return result + "127.0.0.1:" + std::to_string(port());
}

void ConnectProxy::answer_with(int status) {
  state_->status.store(status);
}

std::size_t ConnectProxy::connects() const {
  std::lock_guard lock(state_->mutex);
  return state_->records.size();
}

std::vector<ConnectRecord> ConnectProxy::records() const {
  std::lock_guard lock(state_->mutex);
  return state_->records;
}

}  // namespace autotask_test
