#include <autotask_sync/sync/config.hpp>

#include <doctest/doctest.h>

using namespace autotask_sync;

namespace {

EnvLookup env_with(std::string name, std::string value) {
  return [name = std::move(name),
          value = std::move(value)](const std::string& n) -> std::optional<std::string> {
    if (n == name) return value;
    return std::nullopt;
  };
}

const char* kFull = R"({
  "autotask": {"username": "api@example.com", "secret_env": "AT_SECRET",
               "integration_code": "CODE", "base_url": "https://webservices5.autotask.net/ATServicesRest/"},
  "billing": {"time_zone": "America/New_York", "effective_date": "next_period"},
  "mappings": [{"org_id": "o1", "org_name": "Acme", "company_id": 1, "contract_id": 2,
                "service_id": 3, "contract_service_id": 4}],
  "usage": [{"org_id": "o1", "high_water_mark": 42, "unit_cost": "3.5000"}]
})";

}  // namespace

TEST_CASE("a full config parses with the secret taken from the named variable") {
  auto c = parse_config(kFull, env_with("AT_SECRET", "from-env"));
  REQUIRE(c.ok());
  REQUIRE(c->autotask.has_value());
  CHECK(c->autotask->credentials.secret == "from-env");
  CHECK(c->autotask->credentials.username == "api@example.com");
  CHECK(c->billing.time_zone == "America/New_York");
  CHECK(c->billing.effective_date == EffectiveDatePolicy::kNextPeriod);
  REQUIRE(c->mappings.size() == 1);
  CHECK(c->mappings[0].contract_service_id == 4);
  REQUIRE(c->usage.size() == 1);
  CHECK(c->usage[0].unit_cost.units() == 35000);
}

TEST_CASE("an unset secret variable is named in the error, and no value leaks") {
  auto c = parse_config(kFull, env_with("OTHER", "x"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == ErrorCode::kInvalidArgument);
  CHECK(c.error().message.find("AT_SECRET") != std::string::npos);
}

TEST_CASE("unknown keys are errors that name the key") {
  auto top = parse_config(R"({"mapings": []})");
  REQUIRE_FALSE(top.ok());
  CHECK(top.error().message.find("'mapings'") != std::string::npos);

  auto nested = parse_config(R"({"billing": {"timezone": "UTC"}})");
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().message.find("billing.timezone") != std::string::npos);

  auto mapping = parse_config(
      R"({"mappings": [{"org_id": "o9", "company_id": 1, "contract_id": 2, "service_id": 3,
                        "contract": 5}]})");
  REQUIRE_FALSE(mapping.ok());
  CHECK(mapping.error().message.find("mappings[0]") != std::string::npos);
  CHECK(mapping.error().message.find("'o9'") != std::string::npos);
  CHECK(mapping.error().message.find("'contract'") != std::string::npos);
}

TEST_CASE("bad values are refused with the place named") {
  CHECK_FALSE(parse_config(R"({"billing": {"time_zone": "Nowhere/City"}})").ok());
  CHECK_FALSE(parse_config(R"({"billing": {"effective_date": "monthly"}})").ok());
  auto neg =
      parse_config(R"({"usage": [{"org_id": "o1", "high_water_mark": -1, "unit_cost": 1}]})");
  REQUIRE_FALSE(neg.ok());
  CHECK(neg.error().message.find("usage[0]") != std::string::npos);
  auto cost =
      parse_config(R"({"usage": [{"org_id": "o1", "high_water_mark": 1, "unit_cost": "abc"}]})");
  REQUIRE_FALSE(cost.ok());
  CHECK(cost.error().message.find("unit_cost") != std::string::npos);
  auto frac =
      parse_config(R"({"usage": [{"org_id": "o1", "high_water_mark": 1.5, "unit_cost": 1}]})");
  CHECK_FALSE(frac.ok());
  auto broken = parse_config("{not json");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.find("invalid JSON") != std::string::npos);
}

TEST_CASE("a config without autotask settings selects the embedded simulator") {
  auto c = parse_config(R"({"mappings": [], "usage": []})");
  REQUIRE(c.ok());
  CHECK_FALSE(c->autotask.has_value());
  CHECK(c->billing.time_zone == "UTC");
  CHECK(c->billing.effective_date == EffectiveDatePolicy::kPeriod);
}

TEST_CASE("secret and secret_env together are refused") {
  auto c = parse_config(
      R"({"autotask": {"username": "u", "secret": "s", "secret_env": "E", "integration_code": "c"}})",
      env_with("E", "v"));
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("not both") != std::string::npos);
}

TEST_CASE("proxy, legacy renegotiation and limits are read from the autotask object") {
  auto c = parse_config(
      R"({"autotask": {"username": "u", "secret": "s", "integration_code": "c",
                        "proxy_url": "http://proxy.corp.example:3128",
                        "allow_legacy_tls_renegotiation": true,
                        "limits": {"max_in_flight_per_endpoint": 2, "slow_down_share": 0.6,
                                   "stop_share": 0.8, "watch_budget": false}}})");
  REQUIRE(c.ok());
  CHECK(c->autotask->proxy_url == "http://proxy.corp.example:3128");
  CHECK(c->autotask->allow_legacy_tls_renegotiation);
  CHECK(c->autotask->limits.max_in_flight_per_endpoint == 2);
  CHECK(c->autotask->limits.slow_down_share == doctest::Approx(0.6));
  CHECK(c->autotask->limits.stop_share == doctest::Approx(0.8));
  CHECK_FALSE(c->autotask->limits.watch_budget);

  auto four = parse_config(R"({"autotask": {"username": "u", "secret": "s",
      "integration_code": "c", "limits": {"max_in_flight_per_endpoint": 4}}})");
  REQUIRE_FALSE(four.ok());
  CHECK(four.error().message.find("max_in_flight_per_endpoint") != std::string::npos);

  auto inverted = parse_config(R"({"autotask": {"username": "u", "secret": "s",
      "integration_code": "c", "limits": {"slow_down_share": 0.95}}})");
  REQUIRE_FALSE(inverted.ok());
  CHECK(inverted.error().message.find("slow_down_share") != std::string::npos);
}

TEST_CASE("transport timeouts and response limits are read; out of range ones are named") {
  auto c = parse_config(
      R"({"autotask": {"username": "u", "secret": "s", "integration_code": "c",
                        "transport": {"connect_timeout_ms": 5000, "handshake_timeout_ms": 6000,
                                      "request_timeout_ms": 300000,
                                      "max_response_body_bytes": 67108864,
                                      "max_response_header_bytes": 131072}}})");
  REQUIRE(c.ok());
  const TransportSettings& t = c->autotask->transport;
  CHECK(t.connect_timeout == std::chrono::milliseconds(5'000));
  CHECK(t.handshake_timeout == std::chrono::milliseconds(6'000));
  CHECK(t.request_timeout == std::chrono::milliseconds(300'000));
  CHECK(t.max_response_body_bytes == std::size_t{64} * 1024 * 1024);
  CHECK(t.max_response_header_bytes == std::size_t{128} * 1024);

  auto absent = parse_config(R"({"autotask": {"username": "u", "secret": "s",
      "integration_code": "c"}})");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->autotask->transport.request_timeout.has_value());
  CHECK_FALSE(absent->autotask->transport.max_response_body_bytes.has_value());

  struct Bad {
    const char* transport;
    const char* named;
  };
  for (const Bad& bad :
       {Bad{R"({"request_timeout_ms": 999})", "request_timeout_ms"},
        Bad{R"({"connect_timeout_ms": 3600001})", "connect_timeout_ms"},
        Bad{R"({"handshake_timeout_ms": "10s"})", "handshake_timeout_ms"},
        Bad{R"({"max_response_body_bytes": 1048576})", "max_response_body_bytes"},
        Bad{R"({"max_response_body_bytes": 18446744073709551615})", "max_response_body_bytes"},
        Bad{R"({"max_response_header_bytes": -1})", "max_response_header_bytes"},
        Bad{R"({"max_response_header_bytes": 1.5e4})", "max_response_header_bytes"},
        Bad{R"({"read_timeout_ms": 1000})", "autotask.transport.read_timeout_ms"},
        Bad{R"([1000])", "autotask.transport"}}) {
    CAPTURE(bad.transport);
    auto r = parse_config(std::string(R"({"autotask": {"username": "u", "secret": "s",
        "integration_code": "c", "transport": )") +
                          bad.transport + "}}");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK(r.error().message.find(bad.named) != std::string::npos);
  }
}

TEST_CASE("an org mapped twice or with usage given twice is a config error naming it") {
  auto mapped = parse_config(R"({"mappings": [
      {"org_id": "o1", "company_id": 1, "contract_id": 2, "service_id": 3},
      {"org_id": "o1", "company_id": 4, "contract_id": 5, "service_id": 6}]})");
  REQUIRE_FALSE(mapped.ok());
  CHECK(mapped.error().message.find("mappings[1]") != std::string::npos);
  CHECK(mapped.error().message.find("'o1'") != std::string::npos);

  auto usage = parse_config(R"({"usage": [
      {"org_id": "o2", "high_water_mark": 1, "unit_cost": 1},
      {"org_id": "o2", "high_water_mark": 2, "unit_cost": 1}]})");
  REQUIRE_FALSE(usage.ok());
  CHECK(usage.error().message.find("usage[1]") != std::string::npos);
  CHECK(usage.error().message.find("'o2'") != std::string::npos);
}

TEST_CASE("billing policies, the jump guard, portal orgs and samples are read; bad ones named") {
  auto c = parse_config(R"({
    "billing": {"decrease": "never_within_period", "offboarding": "zero_next_period",
                "jump_guard": {"max_increase_units": 50, "max_increase_ratio": 2.5},
                "set_unit_price": true, "contract_notes": true, "allowed_company_types": [1, 8]},
    "portal": {"orgs": [{"org_id": "o1", "org_name": "Acme"}, {"org_id": "o2"}],
               "product_name": "Directory Platform"},
    "mappings": [{"org_id": "o1", "company_id": 1, "contract_id": 2, "service_id": 3,
                  "company_name": "Acme Inc", "previous_contract_service_id": 9}],
    "usage": [{"org_id": "o1", "unit_cost": "3.5", "unit_price": "6",
               "samples": [{"at": "2026-12-02T23:30:00Z", "users": 40},
                           {"at": "2026-12-03T08:00:00+10:00", "users": 44}]}]
  })");
  REQUIRE(c.ok());
  CHECK(c->billing.decrease == DecreasePolicy::kNeverWithinPeriod);
  CHECK(c->billing.offboarding == OffboardingPolicy::kZeroNextPeriod);
  REQUIRE(c->billing.jump_guard.has_value());
  CHECK(c->billing.jump_guard->max_increase_units == 50);
  CHECK(c->billing.jump_guard->max_increase_ratio == 2.5);
  CHECK(c->billing.set_unit_price);
  CHECK(c->billing.contract_notes);
  CHECK(c->billing.allowed_company_types == std::vector<std::int64_t>{1, 8});
  REQUIRE(c->portal.orgs.has_value());
  CHECK(c->portal.orgs->size() == 2);
  CHECK(c->portal.orgs->at(1).org_name.empty());
  CHECK(c->portal.product_name == "Directory Platform");
  CHECK(c->billing.portal_org_ids == std::vector<std::string>{"o1", "o2"});
  REQUIRE(c->mappings.size() == 1);
  CHECK(c->mappings[0].company_name == "Acme Inc");
  CHECK(c->mappings[0].previous_contract_service_id == 9);
  REQUIRE(c->usage.size() == 1);
  CHECK(c->usage[0].samples.size() == 2);
  CHECK(c->usage[0].unit_price == Decimal::parse("6").value());

  struct Bad {
    const char* json;
    const char* names;
  };
  const Bad bad[] = {
      {R"({"billing": {"decrease": "sometimes"}})", "decrease"},
      {R"({"billing": {"offboarding": "delete"}})", "offboarding"},
      {R"({"billing": {"jump_guard": {"max_increase_ratio": 0.5}}})", "max_increase_ratio"},
      {R"({"billing": {"jump_guard": {"max_increase_unit": 5}}})", "max_increase_unit"},
      {R"({"billing": {"allowed_company_types": "1"}})", "allowed_company_types"},
      {R"({"billing": {"set_unit_price": "yes"}})", "set_unit_price"},
      {R"({"portal": {"orgs": [{"org_name": "No Id"}]}})", "portal.orgs[0]"},
      {R"({"portal": {"orgs": [{"org_id": "a"}, {"org_id": "a"}]}})", "more than once"},
      {R"({"portal": {"product": "x"}})", "portal.product"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.json);
    auto r = parse_config(b.json);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK(r.error().message.find(b.names) != std::string::npos);
  }
}
