// ContractServiceAdjustments: validation, splitting units rows, prices, the implicit contract
// service, and the configurable date and same-date rules.
#include "sim/sim_harness.hpp"

#include <map>

using namespace sim_test;

namespace {

struct UnitsRow {
  std::string start;
  std::string end;
  std::int64_t units;
  double cost;
  std::int64_t id;
  bool operator==(const UnitsRow&) const = default;
};

// The units rows of a contract service, in date order.
std::vector<UnitsRow> rows_of(SimHarness& h, std::int64_t contract_service_id) {
  std::map<std::string, UnitsRow> by_start;
  for (const json::value& v : h.sim().entities("ContractServiceUnits")) {
    if (v.at("contractServiceID").as_int64() != contract_service_id) continue;
    by_start[std::string(v.at("startDate").as_string())] =
        UnitsRow{std::string(v.at("startDate").as_string()).substr(0, 10),
                 std::string(v.at("endDate").as_string()).substr(0, 10), v.at("units").as_int64(),
                 v.at("cost").to_number<double>(), v.at("id").as_int64()};
  }
  std::vector<UnitsRow> out;
  out.reserve(by_start.size());
  for (auto& [start, row] : by_start) out.push_back(row);
  return out;
}

json::object adjustment(std::int64_t unit_change, std::string effective_date) {
  return json::object{{"contractID", 300},
                      {"contractServiceID", 5001},
                      {"serviceID", 77},
                      {"unitChange", unit_change},
                      {"effectiveDate", effective_date}};
}

json::object contract_service(SimHarness& h, std::int64_t id) {
  for (const json::value& v : h.sim().entities("ContractServices")) {
    if (v.at("id").as_int64() == id) return v.as_object();
  }
  FAIL("no contract service " << id);
  return {};
}

}  // namespace

TEST_CASE("an adjustment mid-month splits that month's row and raises every later row") {
  SimHarness h(load(tenant_document(billing_entities())));
  json::object body = adjustment(5, "2026-03-15T12:00:00");
  body["adjustedUnitCost"] = 3.25;

  const Response r = h.post("V1.0/Contracts/300/ServiceAdjustments", body);

  REQUIRE(r.status == 200);
  CHECK(body_of(r).at("itemId").as_int64() >= 1);
  const std::vector<UnitsRow> rows = rows_of(h, 5001);
  REQUIRE(rows.size() == 13);
  CHECK(rows[1] == UnitsRow{"2026-02-01", "2026-02-28", 37, 3.0, 9002});
  CHECK(rows[2] == UnitsRow{"2026-03-01", "2026-03-14", 37, 3.0, 9003});
  CHECK(rows[3].start == "2026-03-15");
  CHECK(rows[3].end == "2026-03-31");
  CHECK(rows[3].units == 42);
  CHECK(rows[3].cost == 3.25);
  CHECK(rows[3].id > 9012);  // a new row, with a new id
  CHECK(rows[4] == UnitsRow{"2026-04-01", "2026-04-30", 42, 3.25, 9004});
  CHECK(rows[12] == UnitsRow{"2026-12-01", "2026-12-31", 42, 3.25, 9012});
  CHECK(contract_service(h, 5001).at("unitCost").to_number<double>() == 3.25);
  CHECK(contract_service(h, 5001).at("unitPrice").to_number<double>() == 6.0);
  CHECK(h.sim().write_count() == 1);

  const json::array recorded = h.sim().entities("ContractServiceAdjustments");
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].at("effectiveDate").as_string() == "2026-03-15T00:00:00");
  CHECK(recorded[0].at("unitChange").as_int64() == 5);
  CHECK(recorded[0].at("contractServiceID").as_int64() == 5001);
}

TEST_CASE("an adjustment on the first of a month changes that whole row without a split") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r =
      h.post("V1.0/ContractServiceAdjustments", adjustment(-7, "2026-06-01T00:00:00"));

  REQUIRE(r.status == 200);
  const std::vector<UnitsRow> rows = rows_of(h, 5001);
  REQUIRE(rows.size() == 12);
  CHECK(rows[4] == UnitsRow{"2026-05-01", "2026-05-31", 37, 3.0, 9005});
  CHECK(rows[5] == UnitsRow{"2026-06-01", "2026-06-30", 30, 3.0, 9006});
  CHECK(rows[11].units == 30);
  CHECK(contract_service(h, 5001).at("unitCost").to_number<double>() == 3.0);
}

TEST_CASE("a price-only adjustment changes the price of rows from its date") {
  SimHarness h(load(tenant_document(billing_entities())));
  json::object body = adjustment(0, "2026-11-01");
  body["adjustedUnitPrice"] = 6.5;

  REQUIRE(h.post("V1.0/Contracts/300/ServiceAdjustments", body).status == 200);

  const json::array units = h.sim().entities("ContractServiceUnits");
  CHECK(units[9].at("price").to_number<double>() == 6.0);   // October
  CHECK(units[10].at("price").to_number<double>() == 6.5);  // November
  CHECK(units[10].at("units").as_int64() == 37);
  CHECK(contract_service(h, 5001).at("unitPrice").to_number<double>() == 6.5);
}

TEST_CASE("an adjustment for a service the contract lacks creates a new contract service") {
  SimHarness h(load(tenant_document(billing_entities())));
  json::object body{{"contractID", 300},
                    {"serviceID", 78},
                    {"unitChange", 12},
                    {"effectiveDate", "2026-10-01T12:00:00"}};

  const Response r = h.post("V1.0/Contracts/300/ServiceAdjustments", body);

  REQUIRE(r.status == 200);
  const json::array services = h.sim().entities("ContractServices");
  REQUIRE(services.size() == 2);
  const json::value& created = services[1];
  CHECK(created.at("contractID").as_int64() == 300);
  CHECK(created.at("serviceID").as_int64() == 78);
  CHECK(created.at("unitCost").to_number<double>() == 1.25);
  CHECK(created.at("invoiceDescription").as_string() == "SSO add-on");
  const std::vector<UnitsRow> rows = rows_of(h, created.at("id").as_int64());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].start == "2026-10-01");
  CHECK(rows[0].end == "2026-10-31");
  CHECK(rows[2].end == "2026-12-31");
  CHECK(rows[2].units == 12);
  CHECK(rows_of(h, 5001)[9].units == 37);  // the existing line is untouched
  CHECK(h.sim().entities("ContractServiceAdjustments")[0].at("contractServiceID").as_int64() ==
        created.at("id").as_int64());
}

TEST_CASE("a contract service id of another service still creates a line for the named service") {
  SimHarness h(load(tenant_document(billing_entities())));
  json::object body = adjustment(3, "2026-04-01");
  body["serviceID"] = 78;

  REQUIRE(h.post("V1.0/Contracts/300/ServiceAdjustments", body).status == 200);

  CHECK(h.sim().entities("ContractServices").size() == 2);
  CHECK(rows_of(h, 5001)[3].units == 37);
}

TEST_CASE("adjustments that Autotask would refuse answer 500 and change nothing") {
  SimHarness h(load(tenant_document(billing_entities())));
  auto refused = [&](const std::string& path, const json::object& body) {
    const Response r = h.post(path, body);
    CHECK(r.status == 500);
    return error_text(r);
  };
  json::object fixed_price = adjustment(1, "2026-03-01");
  fixed_price["contractID"] = 301;
  json::object unknown = adjustment(1, "2026-03-01");
  unknown["contractID"] = 999;
  json::object no_date = adjustment(1, "");
  no_date.erase("effectiveDate");
  json::object fraction = adjustment(1, "2026-03-01");
  fraction["unitChange"] = 1.5;
  json::object bad_date = adjustment(1, "2026-02-30");
  json::object outside = adjustment(1, "2027-01-01");
  json::object below_zero = adjustment(-38, "2026-03-01");

  CHECK(refused("V1.0/Contracts/301/ServiceAdjustments", fixed_price) ==
        "Contract 301 is not a Recurring Service contract (contractType 7); only those take "
        "service adjustments.");
  CHECK(refused("V1.0/Contracts/301/ServiceAdjustments", adjustment(1, "2026-03-01")) ==
        "contractID 300 in the body does not match contract 301 in the URL.");
  CHECK(refused("V1.0/ContractServiceAdjustments", unknown) ==
        "contractID 999 does not reference an existing Contract.");
  CHECK(refused("V1.0/ContractServiceAdjustments", no_date) == "effectiveDate is required.");
  CHECK(refused("V1.0/ContractServiceAdjustments", fraction) ==
        "unitChange must be a whole number.");
  CHECK(refused("V1.0/ContractServiceAdjustments", bad_date) ==
        "effectiveDate '2026-02-30' is not a valid date-time.");
  CHECK(refused("V1.0/ContractServiceAdjustments", outside) ==
        "effectiveDate 2027-01-01 is outside contract 300's dates (2026-01-01 to 2026-12-31).");
  CHECK(refused("V1.0/ContractServiceAdjustments", below_zero) ==
        "The adjustment would leave contract service 5001 with fewer than 0 units from "
        "2026-03-01.");

  CHECK(h.sim().write_count() == 0);
  CHECK(h.sim().entities("ContractServiceAdjustments").empty());
  CHECK(h.sim().entities("ContractServices").size() == 1);
  CHECK(rows_of(h, 5001).size() == 12);
}

TEST_CASE("same-date adjustments add up by default") {
  SimHarness h(load(tenant_document(billing_entities())));

  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(2, "2026-03-01")).status == 200);
  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(2, "2026-03-01")).status == 200);

  CHECK(rows_of(h, 5001)[2].units == 41);
  CHECK(h.sim().write_count() == 2);
}

TEST_CASE("in last-replaces mode a later same-date adjustment replaces the earlier one") {
  autotask_sim::SimulatorOptions options;
  options.same_date_adjustments = autotask_sim::SameDateAdjustments::kLastReplaces;
  SimHarness h(load(tenant_document(billing_entities())), options);

  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(2, "2026-03-01")).status == 200);
  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(5, "2026-03-01T08:00:00")).status ==
          200);
  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(1, "2026-04-01")).status == 200);

  const std::vector<UnitsRow> rows = rows_of(h, 5001);
  CHECK(rows[1].units == 37);
  CHECK(rows[2].units == 42);
  CHECK(rows[3].units == 43);
}

TEST_CASE("the database-offset rule shifts the UTC time before taking the date") {
  autotask_sim::SimulatorOptions options;
  options.effective_date_rule = autotask_sim::EffectiveDateRule::kDatabaseOffset;
  options.database_utc_offset = std::chrono::hours(-5);
  SimHarness h(load(tenant_document(billing_entities())), options);

  // 02:00 UTC on 1 March is still 28 February in a UTC-5 database.
  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(4, "2026-03-01T02:00:00")).status ==
          200);

  const std::vector<UnitsRow> rows = rows_of(h, 5001);
  REQUIRE(rows.size() == 13);
  CHECK(rows[1] == UnitsRow{"2026-02-01", "2026-02-27", 37, 3.0, 9002});
  CHECK(rows[2].start == "2026-02-28");
  CHECK(rows[2].units == 41);
  CHECK(rows[3].units == 41);
}

TEST_CASE("by default the time of effectiveDate is dropped") {
  SimHarness h(load(tenant_document(billing_entities())));

  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(4, "2026-03-01T23:30:00Z")).status ==
          200);

  const std::vector<UnitsRow> rows = rows_of(h, 5001);
  CHECK(rows.size() == 12);
  CHECK(rows[1].units == 37);
  CHECK(rows[2].units == 41);
}

TEST_CASE("an adjustment stamps the contract's lastModifiedDateTime with the simulator's today") {
  autotask_sim::SimulatorOptions options;
  options.today =
      autotask_sync::Date{std::chrono::year(2026), std::chrono::month(3), std::chrono::day(14)};
  SimHarness h(load(tenant_document(billing_entities())), options);

  REQUIRE(h.post("V1.0/ContractServiceAdjustments", adjustment(1, "2026-03-01")).status == 200);

  const json::value contract = body_of(h.get("V1.0/Contracts/300")).at("item");
  CHECK(std::string(contract.at("lastModifiedDateTime").as_string()).substr(0, 11) ==
        "2026-03-14T");
}
