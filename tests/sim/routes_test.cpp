// Zone lookup, authentication, get-by-id and the routes Autotask refuses.
#include "sim/sim_harness.hpp"

using namespace sim_test;

TEST_CASE("a known user's zone lookup answers the zone with the simulator's own base url") {
  SimHarness h(load(tenant_document(billing_entities())));

  // No credentials: Autotask answers zone lookups without authentication. The user is matched
  // ignoring case, like an e-mail address.
  const Response r = h.send(
      h.request(Method::kGet, "V1.0/zoneInformation?user=SYNC-API%40example.com", {}, false));

  CHECK(r.status == 200);
  CHECK(r.headers.get("Content-Type").value_or("") == "application/json; charset=utf-8");
  const json::value zone = body_of(r);
  CHECK(zone.at("zoneName").as_string() == "Test Zone 7");
  CHECK(zone.at("url").as_string() == h.sim().base_url());
  CHECK(zone.at("webUrl").as_string() == "https://ww7.autotask.net/");
  CHECK(zone.at("ci").as_int64() == 777);
  CHECK(h.sim().zone_lookup_url() == h.sim().base_url() + "V1.0/zoneInformation");
}

TEST_CASE("an unknown user's zone lookup is a 500 saying the zone could not be determined") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r =
      h.send(h.request(Method::kGet, "V1.0/zoneInformation?user=nobody%40example.com", {}, false));

  CHECK(r.status == 500);
  CHECK(error_text(r) == "Zone information could not be determined");
}

TEST_CASE("the zone url option is what zoneInformation hands out") {
  autotask_sim::SimulatorOptions options;
  options.zone_url = "https://localhost:1/ATServicesRest/";
  SimHarness h(load(tenant_document(billing_entities())), options);

  const Response r = h.send(
      h.request(Method::kGet, "V1.0/zoneInformation?user=sync-api%40example.com", {}, false));

  CHECK(body_of(r).at("url").as_string() == "https://localhost:1/ATServicesRest/");
}

TEST_CASE("an unknown user and a wrong secret get 401, a wrong integration code gets 500") {
  SimHarness h(load(tenant_document(billing_entities())));
  auto with = [&](const char* user, const char* secret, const char* code) {
    auto r = h.request(Method::kGet, "V1.0/Companies/1", {}, false);
    r.headers.set("UserName", user);
    r.headers.set("Secret", secret);
    r.headers.set("ApiIntegrationCode", code);
    return h.send(r);
  };

  const Response unknown_user = with("someone@example.com", kSecret, kCode);
  const Response wrong_secret = with(kUser, "not-the-secret", kCode);
  const Response wrong_code = with(kUser, kSecret, "WRONGCODE");
  const Response no_headers = h.send(h.request(Method::kGet, "V1.0/Companies/1", {}, false));

  for (const Response* r : {&unknown_user, &wrong_secret, &no_headers}) {
    CHECK(r->status == 401);
    CHECK(body_of(*r).at("Message").as_string() ==
          "Authorization has been denied for this request.");
  }
  CHECK(wrong_code.status == 500);
  CHECK(error_text(wrong_code) == "IntegrationCode is invalid.");
  CHECK(wrong_secret.body.find("not-the-secret") == std::string::npos);
}

TEST_CASE("get by id answers the item, and a missing id answers a null item") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response found = h.get("V1.0/Companies/2");
  const Response missing = h.get("V1.0/Companies/999");

  CHECK(found.status == 200);
  const json::value item = body_of(found).at("item");
  CHECK(item.at("id").as_int64() == 2);
  CHECK(item.at("companyName").as_string() == "Café Ïle d’Orléans");
  CHECK(item.at("phone").is_null());  // every field of the entity is present
  CHECK(item.at("userDefinedFields").as_array().empty());
  CHECK(missing.status == 200);
  CHECK(body_of(missing).at("item").is_null());
}

TEST_CASE("a missing id answers 404 when the simulator is told to") {
  autotask_sim::SimulatorOptions options;
  options.missing_item_is_404 = true;
  SimHarness h(load(tenant_document(billing_entities())), options);

  const Response missing = h.get("V1.0/Contracts/999");

  CHECK(missing.status == 404);
  CHECK(error_text(missing) == "No Contract has id 999.");
}

TEST_CASE("paths are matched ignoring case and a trailing slash") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r = h.get("https://127.0.0.1:" + std::to_string(h.sim().port()) +
                           "/atservicesrest/v1.0/contracts/300/");

  CHECK(r.status == 200);
  CHECK(body_of(r).at("item").at("contractName").as_string() == "Acme recurring");
}

TEST_CASE("a root collection GET and a GET of query/next answer 405 with ASP.NET's message") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response root = h.get("V1.0/Companies");
  const Response next = h.get("V1.0/Companies/query/next?paging=%7B%7D");
  const Response adjustments_query =
      h.post("V1.0/ContractServiceAdjustments/query", query({cond("exist", "id", nullptr)}));

  CHECK(root.status == 405);
  CHECK(body_of(root).at("Message").as_string() ==
        "The requested resource does not support http method 'GET'.");
  CHECK(next.status == 405);
  CHECK(body_of(next).at("Message").as_string() ==
        "The requested resource does not support http method 'GET'.");
  CHECK(adjustments_query.status == 405);
  CHECK(body_of(adjustments_query).at("Message").as_string() ==
        "The requested resource does not support http method 'POST'.");
}

TEST_CASE("an unknown entity or route answers 404 with an errors body") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response unknown_entity = h.get("V1.0/Companys/1");
  const Response no_version =
      h.get("https://127.0.0.1:" + std::to_string(h.sim().port()) + "/ATServicesRest/Companies/1");
  const Response root_note = h.post("V1.0/TicketNotes", json::object{{"ticketID", 1}});

  CHECK(unknown_entity.status == 404);
  CHECK(error_text(unknown_entity).find("/ATServicesRest/V1.0/Companys/1") != std::string::npos);
  CHECK(no_version.status == 404);
  CHECK(root_note.status == 404);
  CHECK(error_text(root_note) == "TicketNotes are created and updated through Tickets/{id}/Notes.");
}

TEST_CASE("a contract's children are listed through the parent path") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response services = h.get("V1.0/Contracts/300/Services");
  const Response units = h.get("V1.0/Contracts/300/ServiceUnits");
  const Response one = h.get("V1.0/Contracts/300/ServiceUnits/9003");
  const Response other_parent = h.get("V1.0/Contracts/301/ServiceUnits/9003");

  CHECK(ids_of(items_of(services)) == std::vector<std::int64_t>{5001});
  CHECK(items_of(units).size() == 12);
  CHECK(body_of(one).at("item").at("startDate").as_string() == "2026-03-01T00:00:00");
  CHECK(body_of(other_parent).at("item").is_null());
}

TEST_CASE("a body that is not JSON by content type is refused with 415") {
  SimHarness h(load(tenant_document(billing_entities())));
  auto r = h.request(Method::kPost, "V1.0/Companies/query",
                     json::serialize(query({cond("exist", "id", nullptr)})));
  r.headers.set("Content-Type", "text/plain");

  const Response refused = h.send(r);

  CHECK(refused.status == 415);
  CHECK(body_of(refused).at("Message").as_string() ==
        "The request entity's media type 'text/plain' is not supported for this resource.");
}

TEST_CASE("creating entities the simulator does not model answers 501 naming the operation") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r = h.post("V1.0/Companies", json::object{{"companyName", "New Co"}});

  CHECK(r.status == 501);
  CHECK(error_text(r) == "The Autotask simulator does not implement creating Companies.");
  CHECK(h.sim().write_count() == 0);
}

TEST_CASE("ThresholdInformation counts the authenticated requests of the last hour") {
  SimHarness h(load(tenant_document(billing_entities())));
  (void)h.get("V1.0/Companies/1");
  (void)h.get("V1.0/Companies/2");

  const json::value t = body_of(h.get("V1.0/ThresholdInformation"));

  CHECK(t.at("externalRequestThreshold").as_int64() == 10000);
  CHECK(t.at("requestThresholdTimeframe").as_int64() == 60);
  CHECK(t.at("currentTimeframeRequestCount").as_int64() == 3);
}
