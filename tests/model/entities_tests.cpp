// Entity decoders and encoders, Field<T> and Mapping. The JSON below follows Autotask's wire
// shapes (autotask-api.md §5, §9; field-cases.md BR-18, BR-21, BR-25, BR-31); the expected values
// are what those documents say the fields mean.
#include <autotask_sync/model/entities.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>

using namespace std::chrono;
namespace bj = boost::json;
namespace at = autotask_sync;
using at::Decimal;
using at::ErrorCode;
using at::Field;

namespace {

at::Date ymd(int y, unsigned m, unsigned d) {
  return at::Date{year{y}, month{m}, day{d}};
}

bj::value js(const std::string& text) {
  return bj::parse(text);
}

Decimal dec(std::int64_t units) {
  return Decimal::from_units(units);
}

template <class T>
T decode(const std::string& text) {
  auto r = T::from_json(js(text));
  REQUIRE_MESSAGE(r.ok(), text << ": " << (r.ok() ? "" : r.error().message));
  return *r;
}

template <class T>
at::Error decode_error(const std::string& text) {
  auto r = T::from_json(js(text));
  REQUIRE_FALSE_MESSAGE(r.ok(), text);
  return r.error();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// "Café Ïle d’Orléans" in UTF-8 (BR-18), spelt with escapes so the source encoding cannot matter.
const std::string kCafe =
    "Caf\xC3\xA9 \xC3\x8Fle d\xE2\x80\x99Orl\xC3\xA9"
    "ans";

}  // namespace

TEST_SUITE("Field") {
  TEST_CASE("a Field is absent, null or holds a value, and compares by state and value") {
    Field<std::int64_t> absent;
    CHECK(absent.is_absent());
    CHECK_FALSE(absent.is_null());
    CHECK_FALSE(absent.has_value());
    CHECK_FALSE(static_cast<bool>(absent));
    CHECK(absent.value_or(7) == 7);
    CHECK_FALSE(absent.to_optional().has_value());

    auto null = Field<std::int64_t>::null();
    CHECK(null.is_null());
    CHECK_FALSE(null.is_absent());
    CHECK_FALSE(null.has_value());
    CHECK(null.value_or(7) == 7);
    CHECK(null.state() == Field<std::int64_t>::State::kNull);

    Field<std::int64_t> five = 5;
    CHECK(five.has_value());
    CHECK(static_cast<bool>(five));
    CHECK(*five == 5);
    CHECK(five.value_or(7) == 5);
    CHECK(five.to_optional() == std::optional<std::int64_t>(5));

    CHECK(absent == Field<std::int64_t>());
    CHECK(null == Field<std::int64_t>::null());
    CHECK_FALSE(absent == null);
    CHECK_FALSE(null == Field<std::int64_t>(0));
    CHECK(five == Field<std::int64_t>(5));
    CHECK_FALSE(five == Field<std::int64_t>(6));
  }

}  // TEST_SUITE

TEST_SUITE("json_util") {
  TEST_CASE("find_ci prefers the exact key and otherwise ignores ASCII case") {
    const bj::object o = js(R"({"ContractID":1,"contractid":2,"Name":"x"})").as_object();
    REQUIRE(at::json::find_ci(o, "contractid") != nullptr);
    CHECK(at::json::find_ci(o, "contractid")->as_int64() == 2);
    CHECK(at::json::find_ci(o, "ContractID")->as_int64() == 1);
    CHECK(at::json::find_ci(o, "name")->as_string() == "x");
    CHECK(at::json::find_ci(o, "missing") == nullptr);
  }

  TEST_CASE("json::parse reports invalid JSON with the requested code") {
    auto bad = at::json::parse("{\"a\":");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == ErrorCode::kProtocol);
    auto config = at::json::parse("[1,", ErrorCode::kInvalidArgument);
    REQUIRE_FALSE(config.ok());
    CHECK(config.error().code == ErrorCode::kInvalidArgument);
    auto good = at::json::parse(R"({"a":[1,2.5,"x",null,true]})");
    REQUIRE(good.ok());
    CHECK(at::json::serialize(*good) == R"({"a":[1,2.5,"x",null,true]})");
  }

  TEST_CASE("typed readers give absent, null, a value, or kProtocol naming the entity and field") {
    const bj::object o =
        js(R"({"n":5,"b":true,"s":"text","d":"12.5","dt":"2026-03-01T12:00:00","nul":null})")
            .as_object();
    CHECK(*at::json::read_int(o, "n", "Thing 1") == Field<std::int64_t>(5));
    CHECK(at::json::read_int(o, "absent", "Thing 1")->is_absent());
    CHECK(at::json::read_int(o, "nul", "Thing 1")->is_null());
    CHECK(*at::json::read_bool(o, "b", "Thing 1") == Field<bool>(true));
    CHECK(*at::json::read_string(o, "s", "Thing 1") == Field<std::string>("text"));
    CHECK(*at::json::read_decimal(o, "d", "Thing 1") == Field<Decimal>(dec(125'000)));
    CHECK(*at::json::read_date_of(o, "dt", "Thing 1") == Field<at::Date>(ymd(2026, 3, 1)));
    CHECK(at::json::read_date_time(o, "dt", "Thing 1")->has_value());

    auto wrong = at::json::read_int(o, "s", "Thing 1");
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().code == ErrorCode::kProtocol);
    CHECK(contains(wrong.error().message, "Thing 1"));
    CHECK(contains(wrong.error().message, "'s'"));
    CHECK(at::json::read_bool(o, "n", "Thing 1").error().code == ErrorCode::kProtocol);
    CHECK(at::json::read_string(o, "n", "Thing 1").error().code == ErrorCode::kProtocol);
    CHECK(at::json::read_decimal(o, "b", "Thing 1").error().code == ErrorCode::kProtocol);
    CHECK(at::json::read_date_of(o, "s", "Thing 1").error().code == ErrorCode::kProtocol);
  }

}  // TEST_SUITE

TEST_SUITE("entities") {
  TEST_CASE("Company decodes absent, null and present optional fields") {
    const auto c =
        decode<at::Company>(R"({"id":101,"companyName":"Acme Inc","companyType":1,"isActive":true,)"
                            R"("parentCompanyID":null,"companyNumber":"C-101"})");
    CHECK(c.id == 101);
    CHECK(c.companyName == "Acme Inc");
    CHECK(c.companyType == Field<std::int64_t>(1));
    CHECK(c.isActive == Field<bool>(true));
    CHECK(c.parentCompanyID.is_null());
    CHECK(c.companyNumber == Field<std::string>("C-101"));
    CHECK(c.currencyID.is_absent());

    const auto inactive = decode<at::Company>(
        R"({"id":202,"companyName":"Acme Inc","isActive":false,"companyType":null,"currencyID":3})");
    CHECK(inactive.isActive == Field<bool>(false));
    CHECK(inactive.companyType.is_null());
    CHECK(inactive.currencyID == Field<std::int64_t>(3));
    CHECK(inactive.parentCompanyID.is_absent());
    CHECK(inactive.companyNumber.is_absent());
  }

  TEST_CASE("Company id 0, the tenant's own company, decodes") {
    const auto c = decode<at::Company>(R"({"id":0,"companyName":"Our MSP"})");
    CHECK(c.id == 0);
    CHECK(c.companyName == "Our MSP");
  }

  TEST_CASE("Contract decodes dates as civil dates and tri-state fields") {
    const auto c = decode<at::Contract>(
        R"({"id":300,"companyID":101,"contractName":"Managed services","contractNumber":null,)"
        R"("contractType":7,"status":1,"startDate":"2025-01-01T00:00:00",)"
        R"("endDate":"2025-12-31T00:00:00","isDefaultContract":false})");
    CHECK(c.id == 300);
    CHECK(c.companyID == 101);
    CHECK(c.contractName == "Managed services");
    CHECK(c.contractNumber.is_null());
    CHECK(c.contractType == Field<std::int64_t>(at::kContractTypeRecurringService));
    CHECK(*c.contractType == 7);
    CHECK(c.status == Field<std::int64_t>(1));
    CHECK(c.contractPeriodType.is_absent());
    CHECK(c.startDate == Field<at::Date>(ymd(2025, 1, 1)));
    CHECK(c.endDate == Field<at::Date>(ymd(2025, 12, 31)));
    CHECK(c.isDefaultContract == Field<bool>(false));

    const auto open = decode<at::Contract>(R"({"id":301,"companyID":101,"endDate":null})");
    CHECK(open.endDate.is_null());
    CHECK(open.startDate.is_absent());
    CHECK(open.contractName.empty());
    CHECK(open.status.is_absent());
  }

  TEST_CASE("Service decodes money fields from integers, doubles and strings") {
    const auto s = decode<at::Service>(
        R"({"id":77,"name":"Standard","unitCost":3,"unitPrice":3.5,"periodType":1,)"
        R"("isActive":true,"billingCodeID":29682885,"description":null})");
    CHECK(s.id == 77);
    CHECK(s.name == "Standard");
    CHECK(s.unitCost == Field<Decimal>(dec(30'000)));
    CHECK(s.unitPrice == Field<Decimal>(dec(35'000)));
    CHECK(s.periodType == Field<std::int64_t>(1));
    CHECK(s.isActive == Field<bool>(true));
    CHECK(s.billingCodeID == Field<std::int64_t>(29682885));
    CHECK(s.description.is_null());

    const auto text = decode<at::Service>(R"({"id":78,"name":"Advanced","unitPrice":"3.5000"})");
    CHECK(text.unitPrice == Field<Decimal>(dec(35'000)));
    CHECK(text.unitCost.is_absent());

    // A security level that cannot read costs gets unitCost empty.
    const auto no_costs = decode<at::Service>(R"({"id":79,"name":"Basic","unitCost":null})");
    CHECK(no_costs.unitCost.is_null());

    // A discount may be negative; more than 4 places round half away from zero.
    const auto discount =
        decode<at::Service>(R"({"id":80,"name":"Discount","unitPrice":-12.34565})");
    CHECK(discount.unitPrice == Field<Decimal>(dec(-123'457)));
  }

  TEST_CASE("ContractService decodes ids beyond int32 and its prices") {
    const auto s = decode<at::ContractService>(
        R"({"id":5001,"contractID":29682885,"serviceID":77,"unitCost":2.5,"unitPrice":"12.345",)"
        R"("adjustedPrice":null,"invoiceDescription":"Seats","quoteItemID":4294967296})");
    CHECK(s.id == 5001);
    CHECK(s.contractID == 29682885);
    CHECK(s.serviceID == 77);
    CHECK(s.unitCost == Field<Decimal>(dec(25'000)));
    CHECK(s.unitPrice == Field<Decimal>(dec(123'450)));
    CHECK(s.adjustedPrice.is_null());
    CHECK(s.invoiceDescription == Field<std::string>("Seats"));
    CHECK(s.internalDescription.is_absent());
    CHECK(s.quoteItemID == Field<std::int64_t>(4294967296LL));
  }

  TEST_CASE("ContractServiceUnit decodes its period, units and posting date") {
    const auto u = decode<at::ContractServiceUnit>(
        R"({"id":9001,"contractID":300,"contractServiceID":5001,"serviceID":77,)"
        R"("startDate":"2026-03-01T00:00:00","endDate":"2026-03-31T00:00:00","units":37,)"
        R"("cost":3,"price":"12.5000","approveAndPostDate":"2026-04-02T08:15:30.12"})");
    CHECK(u.id == 9001);
    CHECK(u.contractID == 300);
    CHECK(u.contractServiceID == 5001);
    CHECK(u.serviceID == 77);
    CHECK(u.startDate == ymd(2026, 3, 1));
    CHECK(u.endDate == ymd(2026, 3, 31));
    CHECK(u.units == 37);
    CHECK(u.cost == Field<Decimal>(dec(30'000)));
    CHECK(u.price == Field<Decimal>(dec(125'000)));
    REQUIRE(u.approveAndPostDate.has_value());
    CHECK(*u.approveAndPostDate == at::DateTime{sys_days{ymd(2026, 4, 2)}} + hours{8} +
                                       minutes{15} + seconds{30} + milliseconds{120});
    CHECK(u.covers(ymd(2026, 3, 1)));
    CHECK(u.covers(ymd(2026, 3, 15)));
    CHECK(u.covers(ymd(2026, 3, 31)));
    CHECK_FALSE(u.covers(ymd(2026, 2, 28)));
    CHECK_FALSE(u.covers(ymd(2026, 4, 1)));

    const auto unposted = decode<at::ContractServiceUnit>(
        R"({"id":9002,"contractID":300,"contractServiceID":5001,"startDate":"2026-04-01T00:00:00",)"
        R"("endDate":"2026-04-30T00:00:00","units":0,"approveAndPostDate":null,"price":null})");
    CHECK(unposted.approveAndPostDate.is_null());
    CHECK(unposted.price.is_null());
    CHECK(unposted.cost.is_absent());
    CHECK(unposted.units == 0);
  }

  TEST_CASE("ContractServiceAdjustment decodes, with an optional id") {
    const auto a = decode<at::ContractServiceAdjustment>(
        R"({"contractID":300,"contractServiceID":5001,"serviceID":77,"unitChange":-5,)"
        R"("effectiveDate":"2026-03-15T12:00:00","adjustedUnitCost":3.0000,)"
        R"("allowRepeatService":false})");
    CHECK(a.id.is_absent());
    CHECK(a.contractID == 300);
    CHECK(a.contractServiceID == 5001);
    CHECK(a.serviceID == 77);
    CHECK(a.unitChange == -5);
    CHECK(a.effectiveDate == ymd(2026, 3, 15));
    CHECK(a.adjustedUnitCost == Field<Decimal>(dec(30'000)));
    CHECK(a.adjustedUnitPrice.is_absent());
    CHECK(a.allowRepeatService == Field<bool>(false));

    const auto with_id = decode<at::ContractServiceAdjustment>(
        R"({"id":4294967296,"contractID":300,"contractServiceID":5001,"serviceID":77,)"
        R"("unitChange":2,"effectiveDate":"2026-03-01T00:00:00","adjustedUnitPrice":null})");
    CHECK(with_id.id == Field<std::int64_t>(4294967296LL));
    CHECK(with_id.adjustedUnitPrice.is_null());
  }

  TEST_CASE("unknown fields are ignored by every decoder") {
    const std::string extra =
        R"("userDefinedFields":[{"name":"CustomerRanking","value":"Golden"}],)"
        R"("lastTrackedModifiedDateTime":"2026-01-01T00:00:00","someFutureField":{"x":[1,2]},)";
    CHECK(decode<at::Company>("{" + extra + R"("id":1,"companyName":"A"})").id == 1);
    CHECK(decode<at::Contract>("{" + extra + R"("id":2,"companyID":1})").id == 2);
    CHECK(decode<at::Service>("{" + extra + R"("id":3,"name":"S"})").id == 3);
    CHECK(decode<at::ContractService>("{" + extra + R"("id":4,"contractID":2,"serviceID":3})").id ==
          4);
    CHECK(decode<at::ContractServiceUnit>(
              "{" + extra +
              R"("id":5,"contractID":2,"contractServiceID":4,"startDate":"2026-03-01T00:00:00",)"
              R"("endDate":"2026-03-31T00:00:00","units":1})")
              .id == 5);
    CHECK(decode<at::ContractServiceAdjustment>(
              "{" + extra +
              R"("contractID":2,"contractServiceID":4,"serviceID":3,"unitChange":1,)"
              R"("effectiveDate":"2026-03-01T00:00:00"})")
              .unitChange == 1);
  }

  TEST_CASE("PascalCase field names are accepted") {
    const auto c = decode<at::Contract>(
        R"({"Id":300,"CompanyID":101,"ContractName":"MS","ContractType":7,"StartDate":"2025-01-01T00:00:00"})");
    CHECK(c.id == 300);
    CHECK(c.companyID == 101);
    CHECK(c.contractName == "MS");
    CHECK(c.contractType == Field<std::int64_t>(7));
    CHECK(c.startDate == Field<at::Date>(ymd(2025, 1, 1)));

    const auto s = decode<at::ContractService>(
        R"({"ID":5001,"ContractID":300,"ServiceID":77,"UnitPrice":3.5,"QuoteItemID":null})");
    CHECK(s.id == 5001);
    CHECK(s.contractID == 300);
    CHECK(s.serviceID == 77);
    CHECK(s.unitPrice == Field<Decimal>(dec(35'000)));
    CHECK(s.quoteItemID.is_null());

    const auto co = decode<at::Company>(R"({"id":1,"CompanyName":"A","IsActive":true})");
    CHECK(co.companyName == "A");
    CHECK(co.isActive == Field<bool>(true));

    const auto u = decode<at::ContractServiceUnit>(
        R"({"Id":5,"ContractID":2,"ContractServiceID":4,"StartDate":"2026-03-01T00:00:00",)"
        R"("EndDate":"2026-03-31T00:00:00","Units":9})");
    CHECK(u.contractServiceID == 4);
    CHECK(u.units == 9);
  }

  TEST_CASE("an exact-case key wins over a differently cased duplicate") {
    const auto c = decode<at::Contract>(R"({"id":300,"CompanyID":1,"companyID":2})");
    CHECK(c.companyID == 2);
  }

  TEST_CASE("a known field with the wrong type is kProtocol naming entity, id and field") {
    auto check = [](const at::Error& e, const std::string& entity, const std::string& field) {
      CAPTURE(e.message);
      CHECK(e.code == ErrorCode::kProtocol);
      CHECK(contains(e.message, entity));
      CHECK(contains(e.message, "'" + field + "'"));
    };
    check(decode_error<at::Contract>(R"({"id":300,"companyID":"abc"})"), "Contract 300",
          "companyID");
    check(decode_error<at::Contract>(R"({"id":300,"companyID":1,"startDate":20250101})"),
          "Contract 300", "startDate");
    check(decode_error<at::Contract>(R"({"id":300,"companyID":1,"endDate":"31/12/2025"})"),
          "Contract 300", "endDate");
    check(decode_error<at::Contract>(R"({"id":300,"companyID":1,"status":"1"})"), "Contract 300",
          "status");
    check(decode_error<at::Company>(R"({"id":101,"companyName":"A","isActive":"true"})"),
          "Company 101", "isActive");
    check(decode_error<at::Company>(R"({"id":101,"companyName":42})"), "Company 101",
          "companyName");
    check(decode_error<at::Service>(R"({"id":77,"name":"S","unitPrice":"abc"})"), "Service 77",
          "unitPrice");
    check(decode_error<at::Service>(R"({"id":77,"name":"S","unitCost":true})"), "Service 77",
          "unitCost");
    check(decode_error<at::ContractService>(
              R"({"id":5001,"contractID":300,"serviceID":77,"quoteItemID":1.5})"),
          "ContractService 5001", "quoteItemID");
    check(decode_error<at::ContractServiceUnit>(
              R"({"id":9001,"contractID":300,"contractServiceID":5001,"startDate":"2026-03-01",)"
              R"("endDate":"2026-03-31","units":"37"})"),
          "ContractServiceUnit 9001", "units");
    check(decode_error<at::ContractServiceUnit>(
              R"({"id":9001,"contractID":300,"contractServiceID":5001,"startDate":"2026-03-01",)"
              R"("endDate":"2026-03-31","units":1,"approveAndPostDate":"yesterday"})"),
          "ContractServiceUnit 9001", "approveAndPostDate");
    check(decode_error<at::ContractServiceAdjustment>(
              R"({"contractID":300,"contractServiceID":5001,"serviceID":77,"unitChange":1,)"
              R"("effectiveDate":"2026-03-01T00:00:00","allowRepeatService":0})"),
          "ContractServiceAdjustment", "allowRepeatService");
  }

  TEST_CASE("a JSON value that is not an object is kProtocol") {
    for (const std::string text : {"[]", "null", "42", "\"x\""}) {
      CAPTURE(text);
      auto r = at::Company::from_json(js(text));
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kProtocol);
      CHECK(contains(r.error().message, "Company"));
    }
  }

  TEST_CASE("required fields that are missing or null are errors naming the field") {
    struct Case {
      at::Error error;
      std::string field;
    };
    for (
        const Case& c : {
            Case{decode_error<at::Company>(R"({"companyName":"A"})"), "id"},
            Case{decode_error<at::Company>(R"({"id":1})"), "companyName"},
            Case{decode_error<at::Company>(R"({"id":1,"companyName":null})"), "companyName"},
            Case{decode_error<at::Contract>(R"({"id":300})"), "companyID"},
            Case{decode_error<at::Service>(R"({"id":null,"name":"S"})"), "id"},
            Case{decode_error<at::ContractService>(R"({"id":5001,"contractID":300})"), "serviceID"},
            Case{decode_error<at::ContractServiceUnit>(
                     R"({"id":9001,"contractID":300,"contractServiceID":5001,)"
                     R"("startDate":"2026-03-01T00:00:00","endDate":"2026-03-31T00:00:00"})"),
                 "units"},
            Case{decode_error<at::ContractServiceUnit>(
                     R"({"id":9001,"contractID":300,"contractServiceID":5001,"units":1,)"
                     R"("startDate":"2026-03-01T00:00:00","endDate":null})"),
                 "endDate"},
            Case{
                decode_error<at::ContractServiceAdjustment>(
                    R"({"contractID":300,"contractServiceID":5001,"serviceID":77,"unitChange":1})"),
                "effectiveDate"},
        }) {
      CAPTURE(c.error.message);
      CHECK(c.error.code == ErrorCode::kProtocol);
      CHECK(contains(c.error.message, "'" + c.field + "'"));
    }
  }

  TEST_CASE("ids beyond int32 survive decoding and encoding") {
    const auto c =
        decode<at::Company>(R"({"id":4294967296,"companyName":"Big","parentCompanyID":29682885})");
    CHECK(c.id == 4294967296LL);
    CHECK(c.parentCompanyID == Field<std::int64_t>(29682885));
    const bj::object o = c.to_json();
    CHECK(o.at("id").as_int64() == 4294967296LL);
    CHECK(o.at("parentCompanyID").as_int64() == 29682885);

    const auto big = decode<at::Contract>(R"({"id":9007199254740993,"companyID":4294967296})");
    CHECK(big.id == 9007199254740993LL);  // 2^53 + 1: would be lost through a double
    CHECK(big.companyID == 4294967296LL);
    CHECK(at::json::serialize(big.to_json()).find("9007199254740993") != std::string::npos);
  }

  TEST_CASE("non-ASCII company names round-trip byte for byte") {
    // Raw UTF-8 in, raw UTF-8 out.
    const std::string raw = R"({"id":641,"companyName":")" + kCafe + R"("})";
    const auto c = decode<at::Company>(raw);
    CHECK(c.companyName == kCafe);
    CHECK(c.companyName.size() == 23);  // 18 characters: three take two bytes, one takes three
    const std::string out = at::json::serialize(c.to_json());
    CHECK(contains(out, "\"companyName\":\"" + kCafe + "\""));
    const auto again = decode<at::Company>(out);
    CHECK(again.companyName == kCafe);

    // \u escapes as some servers send them decode to the same bytes.
    const auto escaped =
        decode<at::Company>(R"({"id":641,"companyName":"Caf\u00e9 \u00cfle d\u2019Orl\u00e9ans"})");
    CHECK(escaped.companyName == kCafe);

    // ASCII and typographic apostrophes stay distinct.
    const auto ascii = decode<at::Company>(R"({"id":642,"companyName":"Cafe Ile d'Orleans"})");
    CHECK(ascii.companyName != kCafe);
    CHECK(ascii.companyName == "Cafe Ile d'Orleans");
  }

  TEST_CASE("encoders write wire names, skip absent fields and write null for null ones") {
    at::Service s;
    s.id = 77;
    s.name = "Standard";
    s.unitPrice = dec(35'000);
    s.unitCost = Field<Decimal>::null();
    const bj::object o = s.to_json();
    CHECK(at::json::serialize(o.at("unitPrice")) == "3.5");
    CHECK(o.at("unitCost").is_null());
    CHECK_FALSE(o.contains("description"));
    CHECK_FALSE(o.contains("periodType"));
    CHECK(o.at("id").as_int64() == 77);
    CHECK(o.at("name").as_string() == "Standard");

    at::Contract c;
    c.id = 300;
    c.companyID = 101;
    c.startDate = ymd(2026, 3, 1);
    c.endDate = Field<at::Date>::null();
    const bj::object co = c.to_json();
    CHECK(co.at("startDate").as_string() == "2026-03-01T00:00:00");
    CHECK(co.at("endDate").is_null());
    CHECK(co.at("companyID").as_int64() == 101);

    // Decoding what was encoded gives the same values back.
    const auto back = at::Contract::from_json(co);
    REQUIRE(back.ok());
    CHECK(back->startDate == c.startDate);
    CHECK(back->endDate.is_null());
    CHECK(back->contractType.is_absent());
  }

  TEST_CASE("ContractServiceUnit encodes dates and posting time without offsets") {
    at::ContractServiceUnit u;
    u.id = 9001;
    u.contractID = 300;
    u.contractServiceID = 5001;
    u.serviceID = 77;
    u.startDate = ymd(2026, 3, 1);
    u.endDate = ymd(2026, 3, 31);
    u.units = 37;
    u.approveAndPostDate = at::DateTime{sys_days{ymd(2026, 4, 2)}} + hours{8};
    const bj::object o = u.to_json();
    CHECK(o.at("startDate").as_string() == "2026-03-01T00:00:00");
    CHECK(o.at("endDate").as_string() == "2026-03-31T00:00:00");
    CHECK(o.at("units").as_int64() == 37);
    CHECK(o.at("approveAndPostDate").as_string() == "2026-04-02T08:00:00");
    CHECK_FALSE(o.contains("cost"));
  }

  TEST_CASE("ContractServiceAdjustment::to_json writes the exact wire keys and exact money") {
    at::ContractServiceAdjustment a;
    a.contractID = 300;
    a.contractServiceID = 5001;
    a.serviceID = 77;
    a.unitChange = 5;
    a.effectiveDate = ymd(2026, 3, 1);
    a.adjustedUnitCost = dec(30'000);    // 3.0000
    a.adjustedUnitPrice = dec(123'457);  // 12.3457

    const bj::object o = a.to_json("12:00:00");
    CHECK(o.size() == 7);
    CHECK(o.at("contractID").as_int64() == 300);
    CHECK(o.at("contractServiceID").as_int64() == 5001);
    CHECK(o.at("serviceID").as_int64() == 77);
    CHECK(o.at("unitChange").as_int64() == 5);
    CHECK(o.at("effectiveDate").as_string() == "2026-03-01T12:00:00");
    CHECK_FALSE(o.contains("id"));
    CHECK_FALSE(o.contains("allowRepeatService"));

    // The money goes out as plain JSON numbers with the exact 4-place value.
    CHECK(at::json::serialize(o.at("adjustedUnitCost")) == "3");
    CHECK(at::json::serialize(o.at("adjustedUnitPrice")) == "12.3457");
    const std::string text = at::json::serialize(o);
    CAPTURE(text);
    CHECK(contains(text, "\"adjustedUnitPrice\":12.3457"));
    CHECK(contains(text, "\"effectiveDate\":\"2026-03-01T12:00:00\""));
    // Read back as Autotask would read it: the same amounts exactly.
    const bj::object back = bj::parse(text).as_object();
    CHECK(*Decimal::from_json(back.at("adjustedUnitCost")) == dec(30'000));
    CHECK(*Decimal::from_json(back.at("adjustedUnitPrice")) == dec(123'457));
    CHECK(back.at("contractID").as_int64() == 300);
    CHECK(back.at("unitChange").as_int64() == 5);
  }

  TEST_CASE("ContractServiceAdjustment::to_json defaults to midnight and writes negative deltas") {
    at::ContractServiceAdjustment a;
    a.id = 12;
    a.contractID = 300;
    a.contractServiceID = 5001;
    a.serviceID = 77;
    a.unitChange = -3;
    a.effectiveDate = ymd(2028, 2, 29);
    a.allowRepeatService = false;
    a.adjustedUnitPrice = Field<Decimal>::null();
    const bj::object o = a.to_json();
    CHECK(o.at("effectiveDate").as_string() == "2028-02-29T00:00:00");
    CHECK(o.at("unitChange").as_int64() == -3);
    CHECK(o.at("id").as_int64() == 12);
    CHECK(o.at("allowRepeatService").as_bool() == false);
    CHECK(o.at("adjustedUnitPrice").is_null());
    CHECK_FALSE(o.contains("adjustedUnitCost"));
  }

}  // TEST_SUITE

TEST_SUITE("Mapping") {
  namespace {

  at::Mapping mapping(const std::string& text) {
    auto m = at::Mapping::from_json(js(text));
    REQUIRE_MESSAGE(m.ok(), text << ": " << (m.ok() ? "" : m.error().message));
    return *m;
  }

  at::Error mapping_error(const bj::value& v) {
    auto m = at::Mapping::from_json(v);
    REQUIRE_FALSE(m.ok());
    return m.error();
  }

  }  // namespace

  TEST_CASE("a complete mapping decodes, with contract_service_id optional") {
    const auto m =
        mapping(R"({"org_id":"org-zeta","org_name":"Zeta Ltd","company_id":537,"contract_id":300,)"
                R"("service_id":77})");
    CHECK(m.org_id == "org-zeta");
    CHECK(m.org_name == "Zeta Ltd");
    CHECK(m.company_id == 537);
    CHECK(m.contract_id == 300);
    CHECK(m.service_id == 77);
    CHECK_FALSE(m.contract_service_id.has_value());

    const auto resolved =
        mapping(R"({"org_id":"org-zeta","company_id":537,"contract_id":300,"service_id":77,)"
                R"("contract_service_id":4294967296})");
    CHECK(resolved.contract_service_id == std::optional<at::Id>(4294967296LL));
    CHECK(resolved.org_name.empty());

    const auto null_cs = mapping(
        R"({"org_id":"o","company_id":1,"contract_id":2,"service_id":3,"contract_service_id":null})");
    CHECK_FALSE(null_cs.contract_service_id.has_value());
  }

  TEST_CASE("a mapping encodes back to the same config shape") {
    const auto m = mapping(
        R"({"org_id":"org-cafe","org_name":")" + kCafe +
        R"(","company_id":641,"contract_id":29682885,"service_id":77,"contract_service_id":5001})");
    const bj::object o = m.to_json();
    CHECK(o.at("org_id").as_string() == "org-cafe");
    CHECK(std::string(o.at("org_name").as_string()) == kCafe);
    CHECK(o.at("company_id").as_int64() == 641);
    CHECK(o.at("contract_id").as_int64() == 29682885);
    CHECK(o.at("service_id").as_int64() == 77);
    CHECK(o.at("contract_service_id").as_int64() == 5001);
    const auto again = at::Mapping::from_json(o);
    REQUIRE(again.ok());
    CHECK(again->contract_id == 29682885);
    CHECK(again->org_name == kCafe);

    at::Mapping unresolved = m;
    unresolved.contract_service_id.reset();
    CHECK_FALSE(unresolved.to_json().contains("contract_service_id"));
  }

  TEST_CASE("a mapping without org_name encodes without it and decodes again") {
    // Found by fuzz/entity_mapping (fuzz/regressions/entity_mapping/no_org_name.json): the
    // encoding carried "org_name": "", which from_json refuses.
    const auto m =
        mapping(R"({"org_id":"org-001","company_id":101,"contract_id":3001,"service_id":401})");
    const bj::object o = m.to_json();
    CHECK_FALSE(o.contains("org_name"));
    const auto again = at::Mapping::from_json(o);
    REQUIRE(again.ok());
    CHECK(again->org_id == "org-001");
    CHECK(again->org_name.empty());
  }

  TEST_CASE("an unknown key is an error naming the key and the org") {
    const auto e = mapping_error(
        js(R"({"org_id":"org-acme","company_id":1,"contract_id":2,"service_id":3,"contract":4})"));
    CAPTURE(e.message);
    CHECK(e.code == ErrorCode::kInvalidArgument);
    CHECK(contains(e.message, "'contract'"));
    CHECK(contains(e.message, "org-acme"));

    // A differently cased known key is a typo, not the key.
    const auto cased =
        mapping_error(js(R"({"org_id":"org-acme","Company_ID":1,"contract_id":2,"service_id":3})"));
    CHECK(contains(cased.message, "'Company_ID'"));
  }

  TEST_CASE("missing, zero, negative and non-integer ids are refused naming the key") {
    struct Case {
      std::string json;
      std::string key;
    };
    for (const Case& c : {
             Case{R"({"org_id":"o","contract_id":2,"service_id":3})", "company_id"},
             Case{R"({"org_id":"o","company_id":1,"service_id":3})", "contract_id"},
             Case{R"({"org_id":"o","company_id":1,"contract_id":2})", "service_id"},
             Case{R"({"org_id":"o","company_id":null,"contract_id":2,"service_id":3})",
                  "company_id"},
             Case{R"({"org_id":"o","company_id":0,"contract_id":2,"service_id":3})", "company_id"},
             Case{R"({"org_id":"o","company_id":1,"contract_id":-300,"service_id":3})",
                  "contract_id"},
             Case{R"({"org_id":"o","company_id":1,"contract_id":2,"service_id":"77"})",
                  "service_id"},
             Case{R"({"org_id":"o","company_id":1.5,"contract_id":2,"service_id":3})",
                  "company_id"},
             Case{R"({"org_id":"o","company_id":1,"contract_id":2,"service_id":3,)"
                  R"("contract_service_id":0})",
                  "contract_service_id"},
             Case{R"({"org_id":"o","company_id":1,"contract_id":2,"service_id":3,)"
                  R"("contract_service_id":-1})",
                  "contract_service_id"},
             Case{R"({"org_id":"o","company_id":1,"contract_id":2,"service_id":3,)"
                  R"("contract_service_id":18446744073709551615})",
                  "contract_service_id"},
         }) {
      CAPTURE(c.json);
      const auto e = mapping_error(js(c.json));
      CAPTURE(e.message);
      CHECK(e.code == ErrorCode::kInvalidArgument);
      CHECK(contains(e.message, "'" + c.key + "'"));
    }
  }

  TEST_CASE("a zero id is refused however the JSON number is held") {
    // A host that builds the config in code may hold 0 as an unsigned number.
    bj::object o;
    o["org_id"] = "o";
    o["company_id"] = std::uint64_t{0};
    o["contract_id"] = 2;
    o["service_id"] = 3;
    const auto e = mapping_error(o);
    CHECK(e.code == ErrorCode::kInvalidArgument);
    CHECK(contains(e.message, "'company_id'"));

    o["company_id"] = std::uint64_t{537};
    auto ok = at::Mapping::from_json(o);
    REQUIRE(ok.ok());
    CHECK(ok->company_id == 537);
  }

  TEST_CASE("org_id is required and must be a non-empty string") {
    for (const std::string text :
         {R"({"company_id":1,"contract_id":2,"service_id":3})",
          R"({"org_id":"","company_id":1,"contract_id":2,"service_id":3})",
          R"({"org_id":17,"company_id":1,"contract_id":2,"service_id":3})"}) {
      CAPTURE(text);
      const auto e = mapping_error(js(text));
      CHECK(e.code == ErrorCode::kInvalidArgument);
      CHECK(contains(e.message, "'org_id'"));
    }
    CHECK(mapping_error(js("[1,2]")).code == ErrorCode::kInvalidArgument);
  }

}  // TEST_SUITE
