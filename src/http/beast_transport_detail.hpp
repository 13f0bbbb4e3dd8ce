// Internals of the HTTPS transport that its tests reach directly. Not installed and not part of
// the public API: the TLS context is an implementation detail of BeastTransport.
#pragma once

#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/beast_transport.hpp>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/types.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace autotask_sync::http::detail {

using ResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

// The most bytes the transport buffers while it looks for the end of a header or chunk line: the
// header limit plus one read. A longer line is an error, never a larger buffer.
std::size_t read_buffer_limit(const BeastTransportOptions& options);

// Sets the header and body limits of `options` on a parser about to read one response.
void limit_response_parser(ResponseParser& parser, const BeastTransportOptions& options);

// What reading one response produced, as the transport reports it: a typed error for a read that
// failed (a limit, malformed HTTP, a closed connection) or for a 3xx redirect, otherwise the
// Response. `leftover` is how many bytes were read beyond the message, `authority` names the
// server in messages. `stale` is set when the failure shows a connection that was closed before
// any byte of the response arrived; `reusable` when the connection can carry another request.
Result<Response> finish_response(ResponseParser& parser, const boost::system::error_code& ec,
                                 std::size_t leftover, const std::string& authority,
                                 const BeastTransportOptions& options, bool& stale, bool& reusable);

// Parses `bytes` as the response to one request with exactly the parser set-up, limits and error
// mapping send() uses on a connection, delivered `piece` bytes per read (0: one read) and followed
// by the end of the connection. For the fuzzer and the tests; the error messages name
// "test.invalid:443" as the server.
Result<Response> parse_response(std::string_view bytes, const BeastTransportOptions& options,
                                std::size_t piece = 0);

// Applies the TLS settings of `options` to a client context: TLS 1.2 minimum, peer verification,
// the trust store (CA file, in-memory PEM, or the system store) and the legacy renegotiation
// opt-in. BeastTransport::create() configures its own context with exactly this function, so a
// test of the context it returns tests the transport's. Fails as create() documents for the CA
// options.
Result<void> configure_tls_context(SSL_CTX* context, const BeastTransportOptions& options);

}  // namespace autotask_sync::http::detail
