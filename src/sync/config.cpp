#include <autotask_sync/http/beast_transport.hpp>
#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/config.hpp>

#include <cstdint>
#include <cstdlib>
#include <set>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

Error config_error(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "config: " + std::move(message));
}

std::optional<Error> check_keys(const bj::object& o, std::string_view where,
                                const std::set<std::string_view>& allowed) {
  for (const auto& kv : o) {
    if (!allowed.count(kv.key())) {
      return config_error("unknown key '" + std::string(where) + std::string(kv.key()) + "'");
    }
  }
  return std::nullopt;
}

// A string member: nullopt when absent or null; an error when present with another type.
Result<std::optional<std::string>> string_member(const bj::object& o, std::string_view key,
                                                 std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) {
    return config_error("'" + std::string(where) + std::string(key) + "' must be a string");
  }
  return std::optional<std::string>(std::string(it->value().get_string()));
}

Result<void> parse_limits(const bj::value& v, LimitPolicy& limits) {
  if (!v.is_object()) return config_error("'autotask.limits' must be an object");
  const bj::object& o = v.get_object();
  if (auto e = check_keys(
          o, "autotask.limits.",
          {"max_in_flight_per_endpoint", "watch_budget", "slow_down_share", "stop_share"})) {
    return std::move(*e);
  }
  if (auto it = o.find("max_in_flight_per_endpoint"); it != o.end()) {
    if (!it->value().is_int64() || it->value().get_int64() < 1 || it->value().get_int64() > 3) {
      return config_error(
          "'autotask.limits.max_in_flight_per_endpoint' must be 1, 2 or 3 "
          "(Autotask allows 3 per endpoint)");
    }
    limits.max_in_flight_per_endpoint = static_cast<int>(it->value().get_int64());
  }
  if (auto it = o.find("watch_budget"); it != o.end()) {
    if (!it->value().is_bool()) {
      return config_error("'autotask.limits.watch_budget' must be true or false");
    }
    limits.watch_budget = it->value().get_bool();
  }
  for (auto [key, out] :
       {std::pair<std::string_view, double*>{"slow_down_share", &limits.slow_down_share},
        std::pair<std::string_view, double*>{"stop_share", &limits.stop_share}}) {
    auto it = o.find(key);
    if (it == o.end()) continue;
    if (!it->value().is_number() || it->value().to_number<double>() <= 0 ||
        it->value().to_number<double>() > 1) {
      return config_error("'autotask.limits." + std::string(key) +
                          "' must be a share between 0 and 1");
    }
    *out = it->value().to_number<double>();
  }
  if (limits.slow_down_share > limits.stop_share) {
    return config_error("'autotask.limits.slow_down_share' must not exceed 'stop_share'");
  }
  return {};
}

// An integer member within [low, high]; the message gives the unit and the range.
Result<std::optional<std::int64_t>> bounded_member(const bj::object& o, std::string_view key,
                                                   std::string_view where, std::int64_t low,
                                                   std::int64_t high, std::string_view unit) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::int64_t>();
  const bj::value& v = it->value();
  if (!(v.is_int64() || v.is_uint64()) ||
      (v.is_uint64() && v.get_uint64() > static_cast<std::uint64_t>(high)) ||
      (v.is_int64() && (v.get_int64() < low || v.get_int64() > high))) {
    return config_error("'" + std::string(where) + std::string(key) +
                        "' must be a whole number of " + std::string(unit) + " from " +
                        std::to_string(low) + " to " + std::to_string(high));
  }
  return std::optional<std::int64_t>(v.is_int64() ? v.get_int64()
                                                  : static_cast<std::int64_t>(v.get_uint64()));
}

Result<void> parse_transport(const bj::value& v, TransportSettings& t) {
  constexpr std::string_view where = "autotask.transport.";
  if (!v.is_object()) return config_error("'autotask.transport' must be an object");
  const bj::object& o = v.get_object();
  if (auto e = check_keys(o, where,
                          {"connect_timeout_ms", "handshake_timeout_ms", "request_timeout_ms",
                           "max_response_body_bytes", "max_response_header_bytes"})) {
    return std::move(*e);
  }
  struct Period {
    std::string_view key;
    std::optional<std::chrono::milliseconds>* out;
  };
  // A second at the least, an hour at the most: shorter fails every request on a slow link, longer
  // leaves a nightly run hanging on a server that stopped answering.
  for (Period p : {Period{"connect_timeout_ms", &t.connect_timeout},
                   Period{"handshake_timeout_ms", &t.handshake_timeout},
                   Period{"request_timeout_ms", &t.request_timeout}}) {
    auto r = bounded_member(o, p.key, where, 1'000, 3'600'000, "milliseconds");
    if (!r) return std::move(r).error();
    if (*r) *p.out = std::chrono::milliseconds(**r);
  }
  struct Size {
    std::string_view key;
    std::optional<std::size_t>* out;
    std::int64_t low, high;
  };
  // The body limit must hold a full page of 500 records (up to a few MB with every field); the
  // header limit must hold an ordinary header block.
  for (Size z :
       {Size{"max_response_body_bytes", &t.max_response_body_bytes, 4 << 20, std::int64_t{1} << 30},
        Size{"max_response_header_bytes", &t.max_response_header_bytes, 8 << 10, 16 << 20}}) {
    auto r = bounded_member(o, z.key, where, z.low, z.high, "bytes");
    if (!r) return std::move(r).error();
    if (*r) *z.out = static_cast<std::size_t>(**r);
  }
  return {};
}

Result<AutotaskSettings> parse_autotask(const bj::value& v, const EnvLookup& env) {
  if (!v.is_object()) return config_error("'autotask' must be an object");
  const bj::object& o = v.get_object();
  if (auto e = check_keys(
          o, "autotask.",
          {"username", "secret", "secret_env", "integration_code", "base_url", "zone_lookup_url",
           "ca_file", "proxy_url", "allow_legacy_tls_renegotiation", "limits", "transport"})) {
    return std::move(*e);
  }
  AutotaskSettings s;
  std::optional<std::string> secret;
  struct Member {
    std::string_view key;
    std::optional<std::string>* out;
  };
  std::optional<std::string> username, code;
  for (Member m : {Member{"username", &username}, Member{"secret", &secret},
                   Member{"secret_env", &s.secret_env}, Member{"integration_code", &code},
                   Member{"base_url", &s.base_url}, Member{"zone_lookup_url", &s.zone_lookup_url},
                   Member{"ca_file", &s.ca_file}, Member{"proxy_url", &s.proxy_url}}) {
    auto r = string_member(o, m.key, "autotask.");
    if (!r) return std::move(r).error();
    *m.out = std::move(*r);
  }
  if (auto it = o.find("allow_legacy_tls_renegotiation"); it != o.end()) {
    if (!it->value().is_bool()) {
      return config_error("'autotask.allow_legacy_tls_renegotiation' must be true or false");
    }
    s.allow_legacy_tls_renegotiation = it->value().get_bool();
  }
  if (auto it = o.find("limits"); it != o.end()) {
    if (auto l = parse_limits(it->value(), s.limits); !l) return std::move(l).error();
  }
  if (auto it = o.find("transport"); it != o.end()) {
    if (auto t = parse_transport(it->value(), s.transport); !t) return std::move(t).error();
  }
  if (!username || username->empty()) return config_error("'autotask.username' is required");
  if (!code || code->empty()) return config_error("'autotask.integration_code' is required");
  if (secret && s.secret_env) {
    return config_error("give either 'autotask.secret' or 'autotask.secret_env', not both");
  }
  if (s.secret_env) {
    auto value = env(*s.secret_env);
    if (!value || value->empty()) {
      return config_error("the environment variable " + *s.secret_env +
                          " named by 'autotask.secret_env' is not set or empty");
    }
    secret = std::move(value);
  }
  if (!secret || secret->empty()) {
    return config_error("'autotask.secret_env' (or 'autotask.secret') is required");
  }
  s.credentials = Credentials{std::move(*username), std::move(*secret), std::move(*code)};
  return s;
}

Result<void> parse_billing(const bj::value& v, BillingOptions& b) {
  if (!v.is_object()) return config_error("'billing' must be an object");
  const bj::object& o = v.get_object();
  if (auto e = check_keys(o, "billing.",
                          {"time_zone", "effective_date", "effective_time",
                           "active_contract_status", "allowed_company_types", "decrease",
                           "jump_guard", "set_unit_price", "offboarding", "contract_notes"})) {
    return std::move(*e);
  }
  auto tz = string_member(o, "time_zone", "billing.");
  if (!tz) return std::move(tz).error();
  if (*tz) {
    if (auto check = civil_date_in_zone(std::chrono::system_clock::now(), **tz); !check) {
      return config_error(check.error().message);
    }
    b.time_zone = **tz;
  }
  auto policy = string_member(o, "effective_date", "billing.");
  if (!policy) return std::move(policy).error();
  if (*policy) {
    auto p = parse_effective_date_policy(**policy);
    if (!p) return config_error(p.error().message);
    b.effective_date = *p;
  }
  auto time = string_member(o, "effective_time", "billing.");
  if (!time) return std::move(time).error();
  if (*time) {
    if (!parse_date_time("2000-01-01T" + **time) || (*time)->size() != 8) {
      return config_error("'billing.effective_time' must be a time of day like 12:00:00");
    }
    b.effective_time = **time;
  }
  if (auto it = o.find("active_contract_status"); it != o.end()) {
    if (!it->value().is_int64()) {
      return config_error("'billing.active_contract_status' must be an integer");
    }
    b.active_contract_status = it->value().get_int64();
  }
  if (auto it = o.find("allowed_company_types"); it != o.end()) {
    const char* kWhat =
        "'billing.allowed_company_types' must be an array of Companies.companyType values "
        "(integers), e.g. [1] for Customer";
    if (!it->value().is_array()) return config_error(kWhat);
    b.allowed_company_types.clear();
    for (const auto& t : it->value().get_array()) {
      if (!t.is_int64()) return config_error(kWhat);
      b.allowed_company_types.push_back(t.get_int64());
    }
  }
  auto decrease = string_member(o, "decrease", "billing.");
  if (!decrease) return std::move(decrease).error();
  if (*decrease) {
    auto d = parse_decrease_policy(**decrease);
    if (!d) return config_error(d.error().message);
    b.decrease = *d;
  }
  auto offboarding = string_member(o, "offboarding", "billing.");
  if (!offboarding) return std::move(offboarding).error();
  if (*offboarding) {
    auto d = parse_offboarding_policy(**offboarding);
    if (!d) return config_error(d.error().message);
    b.offboarding = *d;
  }
  for (auto [key, out] :
       {std::pair<std::string_view, bool*>{"set_unit_price", &b.set_unit_price},
        std::pair<std::string_view, bool*>{"contract_notes", &b.contract_notes}}) {
    auto it = o.find(key);
    if (it == o.end()) continue;
    if (!it->value().is_bool()) {
      return config_error("'billing." + std::string(key) + "' must be true or false");
    }
    *out = it->value().get_bool();
  }
  if (auto it = o.find("jump_guard"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return config_error(
          "'billing.jump_guard' must be an object with max_increase_units "
          "and/or max_increase_ratio");
    }
    const bj::object& g = it->value().get_object();
    if (auto e =
            check_keys(g, "billing.jump_guard.", {"max_increase_units", "max_increase_ratio"})) {
      return std::move(*e);
    }
    JumpGuard guard;
    if (auto u = g.find("max_increase_units"); u != g.end()) {
      if (!u->value().is_int64() || u->value().get_int64() < 0) {
        return config_error("'billing.jump_guard.max_increase_units' must be a whole number >= 0");
      }
      guard.max_increase_units = u->value().get_int64();
    }
    if (auto r = g.find("max_increase_ratio"); r != g.end()) {
      if (!r->value().is_number() || !(r->value().to_number<double>() >= 1.0)) {
        return config_error("'billing.jump_guard.max_increase_ratio' must be a number >= 1");
      }
      guard.max_increase_ratio = r->value().to_number<double>();
    }
    b.jump_guard = guard;
  }
  return {};
}

Result<void> parse_portal(const bj::value& v, PortalSettings& p) {
  if (!v.is_object()) return config_error("'portal' must be an object");
  const bj::object& o = v.get_object();
  if (auto e = check_keys(o, "portal.", {"orgs", "product_name"})) return std::move(*e);
  auto product = string_member(o, "product_name", "portal.");
  if (!product) return std::move(product).error();
  if (*product) p.product_name = **product;
  auto it = o.find("orgs");
  if (it == o.end() || it->value().is_null()) return {};
  if (!it->value().is_array()) return config_error("'portal.orgs' must be an array");
  std::vector<PortalOrg> orgs;
  std::set<std::string> seen;
  std::size_t index = 0;
  for (const auto& entry : it->value().get_array()) {
    const std::string where = "portal.orgs[" + std::to_string(index++) + "]";
    if (!entry.is_object()) return config_error(where + " must be an object");
    const bj::object& e = entry.get_object();
    if (auto bad = check_keys(e, where + ".", {"org_id", "org_name"})) return std::move(*bad);
    auto id = string_member(e, "org_id", where + ".");
    if (!id) return std::move(id).error();
    if (!*id || (*id)->empty())
      return config_error(where + ": 'org_id' must be a non-empty string");
    auto name = string_member(e, "org_name", where + ".");
    if (!name) return std::move(name).error();
    if (!seen.insert(**id).second) {
      return config_error(where + ": org '" + **id + "' is listed more than once");
    }
    orgs.push_back(PortalOrg{**id, name->value_or("")});
  }
  p.orgs = std::move(orgs);
  return {};
}

}  // namespace

Result<Config> parse_config(std::string_view json_text, const EnvLookup& env_in) {
  const EnvLookup env =
      env_in ? env_in : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto doc = json::parse(json_text, ErrorCode::kInvalidArgument);
  if (!doc) return config_error(doc.error().message);
  if (!doc->is_object()) return config_error("the document must be a JSON object");
  const bj::object& o = doc->get_object();
  if (auto e = check_keys(o, "", {"autotask", "billing", "portal", "mappings", "usage"})) {
    return std::move(*e);
  }

  Config c;
  if (auto it = o.find("autotask"); it != o.end() && !it->value().is_null()) {
    auto s = parse_autotask(it->value(), env);
    if (!s) return std::move(s).error();
    c.autotask = std::move(*s);
  }
  if (auto it = o.find("billing"); it != o.end()) {
    if (auto b = parse_billing(it->value(), c.billing); !b) return std::move(b).error();
  }
  if (auto it = o.find("portal"); it != o.end()) {
    if (auto p = parse_portal(it->value(), c.portal); !p) return std::move(p).error();
  }
  // The sync's offboarding rule needs to know which orgs the portal still has.
  if (c.portal.orgs) {
    std::vector<std::string> ids;
    for (const auto& org : *c.portal.orgs) ids.push_back(org.org_id);
    c.billing.portal_org_ids = std::move(ids);
  }
  if (auto it = o.find("mappings"); it != o.end()) {
    if (!it->value().is_array()) return config_error("'mappings' must be an array");
    std::size_t index = 0;
    for (const auto& m : it->value().get_array()) {
      auto mapping = Mapping::from_json(m);
      if (!mapping) {
        return config_error("mappings[" + std::to_string(index) + "]: " + mapping.error().message);
      }
      for (const auto& earlier : c.mappings) {
        if (earlier.org_id == mapping->org_id) {
          return config_error("mappings[" + std::to_string(index) + "]: org '" + mapping->org_id +
                              "' is mapped more than once");
        }
      }
      c.mappings.push_back(std::move(*mapping));
      ++index;
    }
  }
  if (auto it = o.find("usage"); it != o.end()) {
    if (!it->value().is_array()) return config_error("'usage' must be an array");
    std::size_t index = 0;
    for (const auto& u : it->value().get_array()) {
      auto usage = Usage::from_json(u);
      if (!usage) {
        return config_error("usage[" + std::to_string(index) + "]: " + usage.error().message);
      }
      for (const auto& earlier : c.usage) {
        if (earlier.org_id == usage->org_id) {
          return config_error("usage[" + std::to_string(index) + "]: usage for org '" +
                              usage->org_id + "' is given more than once");
        }
      }
      c.usage.push_back(std::move(*usage));
      ++index;
    }
  }
  return c;
}

Result<std::shared_ptr<Client>> make_client(const AutotaskSettings& settings, Logger logger) {
  http::BeastTransportOptions t;
  t.ca_file = settings.ca_file;
  t.proxy_url = settings.proxy_url;
  t.allow_legacy_tls_renegotiation = settings.allow_legacy_tls_renegotiation;
  const TransportSettings& ts = settings.transport;
  if (ts.connect_timeout) t.connect_timeout = *ts.connect_timeout;
  if (ts.handshake_timeout) t.handshake_timeout = *ts.handshake_timeout;
  if (ts.request_timeout) t.request_timeout = *ts.request_timeout;
  if (ts.max_response_body_bytes) t.max_response_body_bytes = *ts.max_response_body_bytes;
  if (ts.max_response_header_bytes) t.max_response_header_bytes = *ts.max_response_header_bytes;
  auto transport = http::BeastTransport::create(std::move(t));
  if (!transport) return std::move(transport).error();

  ClientOptions options;
  options.credentials = settings.credentials;
  options.base_url = settings.base_url;
  if (settings.zone_lookup_url) options.zone_lookup_url = *settings.zone_lookup_url;
  options.limits = settings.limits;
  options.logger = std::move(logger);
  return Client::create(std::move(options), std::move(*transport));
}

}  // namespace autotask_sync
