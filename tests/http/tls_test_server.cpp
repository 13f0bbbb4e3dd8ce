#include "http/tls_test_server.hpp"

#include <autotask_sync/http/transport.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace autotask_test {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr auto kAwait = net::as_tuple(net::use_awaitable);

}  // namespace

std::optional<std::string> RecordedRequest::header(std::string_view name) const {
  for (const auto& [entry_name, value] : headers) {
    if (autotask_sync::http::iequals(entry_name, name)) return value;
  }
  return std::nullopt;
}

std::size_t RecordedRequest::header_count(std::string_view name) const {
  std::size_t count = 0;
  for (const auto& entry : headers) {
    if (autotask_sync::http::iequals(entry.first, name)) ++count;
  }
  return count;
}

// Declaration order matters: coroutine frames still suspended at shutdown are destroyed with the
// io_context, and they refer to the TLS context and the records, so those must outlive it.
struct TlsTestServer::State {
  explicit State(Handler h) : tls(ssl::context::tls_server), handler(std::move(h)), acceptor(io) {}

  net::awaitable<void> accept_loop();
  net::awaitable<void> session(tcp::socket socket, std::size_t connection);

  ssl::context tls;
  Handler handler;
  mutable std::mutex mutex;
  std::vector<RecordedRequest> requests;
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> repeated{0};
  std::uint16_t port = 0;  // read once before the thread starts: the acceptor is not thread-safe
  net::io_context io;
  tcp::acceptor acceptor;
  std::thread thread;
};

net::awaitable<void> TlsTestServer::State::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwait);
    if (ec) co_return;
    const std::size_t connection = accepted.fetch_add(1);
    net::co_spawn(io, session(std::move(socket), connection), net::detached);
  }
}

net::awaitable<void> TlsTestServer::State::session(tcp::socket socket, std::size_t connection) {
  beast::ssl_stream<tcp::socket> stream(std::move(socket), tls);
  auto [handshake_error] = co_await stream.async_handshake(ssl::stream_base::server, kAwait);
  if (handshake_error) co_return;

  beast::flat_buffer buffer;
  for (std::size_t on_connection = 0;; ++on_connection) {
    bhttp::request<bhttp::string_body> request;
    auto [read_error, read_bytes] = co_await bhttp::async_read(stream, buffer, request, kAwait);
    if (read_error) co_return;

    RecordedRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    for (const auto& field : request) {
      recorded.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    recorded.body = request.body();
    recorded.connection = connection;
    recorded.on_connection = on_connection;
    {
      std::lock_guard lock(mutex);
      requests.push_back(recorded);
    }

    Reply reply = handler ? handler(recorded) : Reply{};
    if (reply.drop) co_return;  // the stream goes out of scope: TCP close, no close_notify
    if (reply.delay.count() > 0) {
      net::steady_timer timer(co_await net::this_coro::executor, reply.delay);
      co_await timer.async_wait(kAwait);
    }

    if (reply.raw) {
      auto [raw_error, raw_written] =
          co_await net::async_write(stream, net::buffer(*reply.raw), kAwait);
      if (raw_error) co_return;
      while (!reply.repeat.empty()) {
        auto [repeat_error, repeat_written] =
            co_await net::async_write(stream, net::buffer(reply.repeat), kAwait);
        repeated.fetch_add(repeat_written);
        if (repeat_error) co_return;
      }
      if (reply.close_after) co_return;
      continue;
    }

    bhttp::response<bhttp::string_body> response(static_cast<bhttp::status>(reply.status),
                                                 request.version());
    for (const auto& [name, value] : reply.headers) response.insert(name, value);
    response.body() = reply.body;
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [write_error, written] = co_await bhttp::async_write(stream, response, kAwait);
    if (write_error || reply.close_after || !request.keep_alive()) co_return;
  }
}

TlsTestServer::TlsTestServer(const autotask_sim::CertificatePair& identity, Handler handler)
    : state_(std::make_unique<State>(std::move(handler))) {
  state_->tls.use_certificate_chain(
      net::buffer(identity.certificate_pem.data(), identity.certificate_pem.size()));
  state_->tls.use_private_key(
      net::buffer(identity.private_key_pem.data(), identity.private_key_pem.size()),
      ssl::context::pem);

  const tcp::endpoint loopback(net::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(loopback.protocol());
  state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  state_->acceptor.bind(loopback);
  state_->acceptor.listen();
  state_->port = state_->acceptor.local_endpoint().port();
  net::co_spawn(state_->io, state_->accept_loop(), net::detached);
  state_->thread = std::thread([state = state_.get()] { state->io.run(); });
}

TlsTestServer::~TlsTestServer() {
  state_->io.stop();
  state_->thread.join();
}

std::uint16_t TlsTestServer::port() const {
  return state_->port;
}

std::string TlsTestServer::url(std::string_view path, std::string_view host) const {
  return "https://" + std::string(host) + ":" + std::to_string(port()) + std::string(path);
}

std::size_t TlsTestServer::connections_accepted() const {
  return state_->accepted.load();
}

std::size_t TlsTestServer::repeated_bytes_written() const {
  return state_->repeated.load();
}

std::vector<RecordedRequest> TlsTestServer::requests() const {
  std::lock_guard lock(state_->mutex);
  return state_->requests;
}

}  // namespace autotask_test
