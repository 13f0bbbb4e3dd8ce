// Decimal: exact 4-place money. Expected values are worked out by hand from the rule in
// decimal.hpp (round half away from zero at 4 places) and BR-31 in field-cases.md.
#include <autotask_sync/model/decimal.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using autotask_sync::Decimal;
using autotask_sync::ErrorCode;
namespace bj = boost::json;

namespace {

// Units (1/10000) of a text that must parse.
std::int64_t units_of(const std::string& text) {
  auto d = Decimal::parse(text);
  REQUIRE_MESSAGE(d.ok(), text << ": " << (d.ok() ? "" : d.error().message));
  return d->units();
}

std::int64_t units_of_json(const std::string& json_text) {
  const bj::value v = bj::parse(json_text);
  auto d = Decimal::from_json(v);
  REQUIRE_MESSAGE(d.ok(), json_text << ": " << (d.ok() ? "" : d.error().message));
  return d->units();
}

}  // namespace

TEST_SUITE("Decimal") {
  TEST_CASE("plain integers and short fractions parse to exact ten-thousandths") {
    CHECK(units_of("12") == 120'000);
    CHECK(units_of("-3.5") == -35'000);
    CHECK(units_of("0.1") == 1'000);
    CHECK(units_of("+0.1") == 1'000);
    CHECK(units_of("0") == 0);
    CHECK(units_of("12.34") == 123'400);
    CHECK(units_of("3.5000") == 35'000);
    CHECK(units_of("0.0001") == 1);
  }

  TEST_CASE("more than four places round half away from zero at the fourth place") {
    CHECK(units_of("12.34567") == 123'457);  // 12.3457
    CHECK(units_of("12.34564") == 123'456);  // 12.3456
    CHECK(units_of("2.99995") == 30'000);    // 3.0000
    CHECK(units_of("-2.99995") == -30'000);  // -3.0000
    CHECK(units_of("0.00005") == 1);         // 0.0001
    CHECK(units_of("-0.00005") == -1);       // -0.0001
    CHECK(units_of("0.00004") == 0);         // 0.0000
    CHECK(units_of("0.000049999") == 0);     // only the first dropped digit decides
    CHECK(units_of("12.345") == 123'450);    // BR-31: a 3-place cost per seat is exact
    CHECK(units_of("9.99995") == 100'000);   // the carry runs through every place
  }

  TEST_CASE("exponents shift the decimal point in either direction") {
    CHECK(units_of("1e2") == 1'000'000);   // 100.0000
    CHECK(units_of("1.5E-3") == 15);       // 0.0015
    CHECK(units_of("2.5e+1") == 250'000);  // 25.0000
    CHECK(units_of("125e-2") == 12'500);   // 1.2500
    CHECK(units_of("5e-5") == 1);          // 0.00005 rounds to 0.0001
    CHECK(units_of("4e-5") == 0);
  }

  TEST_CASE("text that is not a number is kInvalidArgument naming the text") {
    for (const std::string text : {"abc", "", "1.2.3", "--1", "1e", "12a", "1,5", "."}) {
      CAPTURE(text);
      auto d = Decimal::parse(text);
      REQUIRE_FALSE(d.ok());
      CHECK(d.error().code == ErrorCode::kInvalidArgument);
      CHECK(d.error().message.find("'" + text + "'") != std::string::npos);
    }
  }

  TEST_CASE("amounts beyond 99,999,999,999.9999 are out of range, the largest one is not") {
    CHECK(units_of("99999999999.9999") == Decimal::kMaxUnits);
    CHECK(units_of("-99999999999.9999") == -Decimal::kMaxUnits);
    for (const std::string text : {"100000000000", "99999999999.99995", "1e11", "-1e12", "1e40",
                                   "123456789012345678901234567890"}) {
      CAPTURE(text);
      auto d = Decimal::parse(text);
      REQUIRE_FALSE(d.ok());
      CHECK(d.error().code == ErrorCode::kInvalidArgument);
      CHECK(d.error().message.find("out of range") != std::string::npos);
    }
  }

  TEST_CASE("JSON numbers: integers, doubles and numeric strings give the same exact value") {
    CHECK(units_of_json("3") == 30'000);
    CHECK(units_of_json("-7") == -70'000);
    CHECK(units_of_json("3.5") == 35'000);
    CHECK(units_of_json("\"3.5000\"") == 35'000);
    CHECK(units_of_json("\"12.34567\"") == 123'457);
    CHECK(units_of_json("12.345") == 123'450);
    CHECK(units_of_json("1e2") == 1'000'000);
    CHECK(units_of_json("99999999999.9999") == Decimal::kMaxUnits);
    CHECK(units_of_json("0.0001") == 1);
  }

  TEST_CASE("the double 0.1 + 0.2 read from JSON is 0.3000") {
    const double sum = 0.1 + 0.2;  // 0.30000000000000004 in binary floating point
    REQUIRE(sum != 0.3);
    auto d = Decimal::from_json(bj::value(sum));
    REQUIRE(d.ok());
    CHECK(d->units() == 3'000);
    CHECK(d->to_string() == "0.3000");
    // The same through JSON text as a sender using doubles would write it.
    CHECK(units_of_json("0.30000000000000004") == 3'000);
  }

  TEST_CASE("JSON values that are not amounts are refused") {
    for (const std::string text :
         {"true", "null", "[1]", "{\"a\":1}", "\"abc\"", "\"\"", "18446744073709551615",
          "100000000000", "-100000000000", "1e300"}) {
      CAPTURE(text);
      auto d = Decimal::from_json(bj::parse(text));
      REQUIRE_FALSE(d.ok());
      CHECK(d.error().code == ErrorCode::kInvalidArgument);
    }
  }

  TEST_CASE("to_string always writes four places") {
    CHECK(Decimal::from_units(123'400).to_string() == "12.3400");
    CHECK(Decimal::from_units(-5'000).to_string() == "-0.5000");
    CHECK(Decimal::from_units(0).to_string() == "0.0000");
    CHECK(Decimal::from_units(1).to_string() == "0.0001");
    CHECK(Decimal::from_units(-1).to_string() == "-0.0001");
    CHECK(Decimal::from_integer(3).to_string() == "3.0000");
    CHECK(Decimal::from_units(Decimal::kMaxUnits).to_string() == "99999999999.9999");
    CHECK(Decimal::from_units(-Decimal::kMaxUnits).to_string() == "-99999999999.9999");
    // Something that rounds to zero is zero, without a sign.
    CHECK(Decimal::parse("-0.00004")->to_string() == "0.0000");
    CHECK(Decimal::parse("-0")->to_string() == "0.0000");
  }

  TEST_CASE("to_json serializes as short plain decimal text and parses back to the same amount") {
    struct Case {
      std::int64_t units;
      const char* text;
    };
    for (const Case c :
         {Case{35'000, "3.5"}, Case{123'457, "12.3457"}, Case{30'000, "3"}, Case{-1, "-0.0001"},
          Case{1, "0.0001"}, Case{3'000, "0.3"}, Case{-25'000, "-2.5"}, Case{0, "0"},
          Case{120'050, "12.005"}, Case{Decimal::kMaxUnits, "99999999999.9999"}}) {
      CAPTURE(c.text);
      const Decimal d = Decimal::from_units(c.units);
      const std::string text = autotask_sync::json::serialize(d.to_json());
      CHECK(text == c.text);
      auto back = Decimal::from_json(bj::parse(text));
      REQUIRE(back.ok());
      CHECK(*back == d);
    }
  }

  TEST_CASE("a whole amount goes to JSON as an integer, a fraction as a double") {
    CHECK(Decimal::from_integer(42).to_json().is_int64());
    CHECK(Decimal::from_integer(42).to_json().get_int64() == 42);
    CHECK(Decimal::from_units(35'000).to_json().is_double());
    CHECK(Decimal::from_units(35'000).to_json().get_double() == 3.5);
  }

  TEST_CASE("comparison and arithmetic are exact") {
    const Decimal tenth = *Decimal::parse("0.1");
    Decimal sum;
    for (int i = 0; i < 10; ++i) sum = sum + tenth;
    CHECK(sum == Decimal::from_integer(1));
    CHECK(sum.to_string() == "1.0000");

    CHECK(*Decimal::parse("0.1") + *Decimal::parse("0.2") == *Decimal::parse("0.3"));
    CHECK(*Decimal::parse("3.0000") - *Decimal::parse("2.9999") == Decimal::from_units(1));
    CHECK(-*Decimal::parse("2.5") == *Decimal::parse("-2.5"));
    CHECK(*Decimal::parse("2.9999") < *Decimal::parse("3"));
    CHECK(*Decimal::parse("-0.0001") < Decimal());
    CHECK(*Decimal::parse("12.3457") > *Decimal::parse("12.3456"));
    CHECK(*Decimal::parse("3.5") == *Decimal::parse("3.50000"));
    CHECK(*Decimal::parse("1e2") == Decimal::from_integer(100));
    // BR-31: a change below 0.0001 is no change at all.
    CHECK(*Decimal::parse("3.00004") == *Decimal::parse("3"));
    CHECK(Decimal() == Decimal::from_units(0));
  }

}  // TEST_SUITE
