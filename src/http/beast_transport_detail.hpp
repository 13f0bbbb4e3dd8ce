// Internals of the HTTPS transport that its tests reach directly. Not installed and not part of
// the public API: the TLS context is an implementation detail of BeastTransport.
#pragma once

#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/beast_transport.hpp>

#include <openssl/types.h>

namespace autotask_sync::http::detail {

// Applies the TLS settings of `options` to a client context: TLS 1.2 minimum, peer verification,
// the trust store (CA file, in-memory PEM, or the system store) and the legacy renegotiation
// opt-in. BeastTransport::create() configures its own context with exactly this function, so a
// test of the context it returns tests the transport's. Fails as create() documents for the CA
// options.
Result<void> configure_tls_context(SSL_CTX* context, const BeastTransportOptions& options);

}  // namespace autotask_sync::http::detail
