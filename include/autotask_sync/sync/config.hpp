// The configuration document shared by the CLI and the C API: Autotask settings, billing options,
// mappings and usage, in one JSON object. Every key is documented in the README. Unknown keys are
// an error that names the key, so a typo never silently falls back to a default.
#pragma once

#include <autotask_sync/client/client.hpp>
#include <autotask_sync/core/logger.hpp>
#include <autotask_sync/core/result.hpp>
#include <autotask_sync/sync/billing.hpp>
#include <autotask_sync/sync/suggest.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace autotask_sync {

// What the config file may set of the HTTPS transport (http::BeastTransportOptions); an absent
// value keeps the transport's default.
struct TransportSettings {
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::chrono::milliseconds> handshake_timeout;
  std::optional<std::chrono::milliseconds> request_timeout;
  std::optional<std::size_t> max_response_body_bytes;
  std::optional<std::size_t> max_response_header_bytes;
};

struct AutotaskSettings {
  Credentials credentials;
  std::optional<std::string> base_url;
  std::optional<std::string> zone_lookup_url;
  std::optional<std::string> ca_file;
  std::optional<std::string> secret_env;  // where the secret came from, for messages
  std::optional<std::string> proxy_url;   // http://[user:password@]host:port, for CONNECT
  bool allow_legacy_tls_renegotiation = false;
  LimitPolicy limits;
  TransportSettings transport;
};

// What the portal says about itself: the orgs it has now and the name of its product.
struct PortalSettings {
  // Every org the portal has now. When given, the readiness check reports mappings of orgs it
  // no longer has, and `suggest` proposes mappings for the orgs without one.
  std::optional<std::vector<PortalOrg>> orgs;
  // The name of the service standing for the portal's product in the MSP's Autotask catalogue;
  // `suggest` ranks contract services by it.
  std::string product_name;
};

struct Config {
  std::optional<AutotaskSettings> autotask;  // absent: the CLI's embedded simulator
  BillingOptions billing;
  PortalSettings portal;
  std::vector<Mapping> mappings;
  std::vector<Usage> usage;
};

// Looks up an environment variable; std::getenv when empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Parses and validates a config document. Errors are kInvalidArgument and name the key or the
// entry (with its org id) that is wrong. The secret is read from the variable named by
// autotask.secret_env, or from autotask.secret.
Result<Config> parse_config(std::string_view json_text, const EnvLookup& env = {});

// A client over a BeastTransport for these settings.
Result<std::shared_ptr<Client>> make_client(const AutotaskSettings& settings, Logger logger);

}  // namespace autotask_sync
