// Civil dates and Autotask date-times (autotask-api.md §9: UTC, usually without an offset,
// 0..3 or more fraction digits). Expected instants are computed by hand.
#include <autotask_sync/model/date.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace std::chrono;
using autotask_sync::Date;
using autotask_sync::DateTime;
using autotask_sync::ErrorCode;
using autotask_sync::parse_date;
using autotask_sync::parse_date_of;
using autotask_sync::parse_date_time;

namespace {

Date ymd(int y, unsigned m, unsigned d) {
  return Date{year{y}, month{m}, day{d}};
}

DateTime at(Date d, int h, int mi, int s, int ms = 0) {
  return DateTime{sys_days{d}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

DateTime parsed(const std::string& text) {
  auto t = parse_date_time(text);
  REQUIRE_MESSAGE(t.ok(), text << ": " << (t.ok() ? "" : t.error().message));
  return *t;
}

}  // namespace

TEST_SUITE("dates") {
  TEST_CASE("parse_date reads YYYY-MM-DD and checks the calendar") {
    auto d = parse_date("2026-03-01");
    REQUIRE(d.ok());
    CHECK(*d == ymd(2026, 3, 1));
    CHECK(*parse_date("2028-02-29") == ymd(2028, 2, 29));  // 2028 is a leap year
    CHECK(*parse_date("2000-02-29") == ymd(2000, 2, 29));  // divisible by 400
    CHECK(*parse_date("2026-12-31") == ymd(2026, 12, 31));
  }

  TEST_CASE("parse_date refuses impossible dates and loose formats") {
    for (const std::string text :
         {"2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
          "2026-3-01", "2026-03-1", "26-03-01", "2026/03/01", "2026-03-01T00:00:00", "",
          " 2026-03-01", "2026-03-01 ", "20260301", "2026-0a-01", "+026-03-01"}) {
      CAPTURE(text);
      auto d = parse_date(text);
      REQUIRE_FALSE(d.ok());
      CHECK(d.error().code == ErrorCode::kInvalidArgument);
    }
    CHECK(parse_date("2026-02-29").error().message.find("2026-02-29") != std::string::npos);
  }

  TEST_CASE("parse_date_time reads Autotask's offset-less text as UTC") {
    CHECK(parsed("2026-03-01T12:30:00") == at(ymd(2026, 3, 1), 12, 30, 0));
    CHECK(parsed("2016-03-30T13:10:35.563") == at(ymd(2016, 3, 30), 13, 10, 35, 563));
    CHECK(parsed("2030-03-21T00:00:00") == at(ymd(2030, 3, 21), 0, 0, 0));
    CHECK(parsed("2026-03-01") == at(ymd(2026, 3, 1), 0, 0, 0));
    CHECK(parsed("2026-12-31T23:59:59") == at(ymd(2026, 12, 31), 23, 59, 59));
  }

  TEST_CASE("parse_date_time accepts 0 to 7 fraction digits, keeping milliseconds") {
    const Date d = ymd(2016, 3, 30);
    CHECK(parsed("2016-03-30T13:10:35") == at(d, 13, 10, 35, 0));
    CHECK(parsed("2016-03-30T13:10:35.5") == at(d, 13, 10, 35, 500));
    CHECK(parsed("2016-03-30T13:10:35.56") == at(d, 13, 10, 35, 560));
    CHECK(parsed("2016-03-30T13:10:35.563") == at(d, 13, 10, 35, 563));
    CHECK(parsed("2016-03-30T13:10:35.5639") == at(d, 13, 10, 35, 563));
    CHECK(parsed("2016-03-30T13:10:35.56399") == at(d, 13, 10, 35, 563));
    CHECK(parsed("2016-03-30T13:10:35.563999") == at(d, 13, 10, 35, 563));
    CHECK(parsed("2016-03-30T13:10:35.5639999") == at(d, 13, 10, 35, 563));  // .NET ticks
    CHECK(parsed("2016-03-30T13:10:35.0000001") == at(d, 13, 10, 35, 0));
    CHECK(parsed("2016-03-30T23:59:59.9999999") == at(d, 23, 59, 59, 999));  // stays on the day
    CHECK(parsed("2016-03-30T13:10:35.007") == at(d, 13, 10, 35, 7));
  }

  TEST_CASE("parse_date_time converts Z and numeric offsets to UTC") {
    CHECK(parsed("2026-03-01T12:00:00Z") == at(ymd(2026, 3, 1), 12, 0, 0));
    CHECK(parsed("2026-03-01T12:00:00.250Z") == at(ymd(2026, 3, 1), 12, 0, 0, 250));
    CHECK(parsed("2026-03-01T12:00:00+00:00") == at(ymd(2026, 3, 1), 12, 0, 0));
    CHECK(parsed("2026-03-01T12:00:00+02:00") == at(ymd(2026, 3, 1), 10, 0, 0));
    // BR-23: a local time just after midnight in UTC+1 is still the previous day in UTC.
    CHECK(parsed("2026-03-01T00:30:00+01:00") == at(ymd(2026, 2, 28), 23, 30, 0));
    CHECK(parsed("2026-02-28T20:00:00-05:00") == at(ymd(2026, 3, 1), 1, 0, 0));
    CHECK(parsed("2026-12-31T23:00:00-01:00") == at(ymd(2027, 1, 1), 0, 0, 0));
    CHECK(parsed("2026-01-01T05:00:00+05:30") == at(ymd(2025, 12, 31), 23, 30, 0));
    CHECK(parsed("2026-03-01T10:00:00+14:00") == at(ymd(2026, 2, 28), 20, 0, 0));
    CHECK(parsed("2026-03-01T10:00:00-12:00") == at(ymd(2026, 3, 1), 22, 0, 0));
    CHECK(parsed("2026-03-01T00:00:00.125+02:00") == at(ymd(2026, 2, 28), 22, 0, 0, 125));
    CHECK(parsed("2026-03-01 12:00:00") == at(ymd(2026, 3, 1), 12, 0, 0));
  }

  TEST_CASE("parse_date_time refuses malformed text") {
    for (const std::string text :
         {"2026-03-01T", "2026-03-01T12", "2026-03-01T24:00:00", "2026-03-01T12:60:00",
          "2026-03-01T12:00:61", "2026-03-01T12:00:00.", "2026-03-01T12:00:00X",
          "2026-03-01T12:00:00+0200", "2026-03-01T12:00:00+2:00", "2026-03-01T12:00:00ZZ",
          "2026-02-29T00:00:00", "not a date", "", "2026-03-01T1a:00:00"}) {
      CAPTURE(text);
      auto t = parse_date_time(text);
      REQUIRE_FALSE(t.ok());
      CHECK(t.error().code == ErrorCode::kInvalidArgument);
    }
  }

  TEST_CASE("parse_date_of keeps the civil date and drops the time of day") {
    CHECK(*parse_date_of("2026-03-31T00:00:00") == ymd(2026, 3, 31));
    CHECK(*parse_date_of("2026-03-31T23:59:59.997") == ymd(2026, 3, 31));
    CHECK(*parse_date_of("2025-12-31T00:00:00") == ymd(2025, 12, 31));
    CHECK(*parse_date_of("2028-02-29T12:00:00") == ymd(2028, 2, 29));
    CHECK(*parse_date_of("2026-03-15") == ymd(2026, 3, 15));
    CHECK_FALSE(parse_date_of("2026-02-29T00:00:00").ok());
    CHECK_FALSE(parse_date_of("2026-03-31T25:00:00").ok());
    CHECK(parse_date_of("garbage").error().code == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("formatting writes Autotask's date and date-time text") {
    using autotask_sync::format_date;
    using autotask_sync::format_date_time;
    using autotask_sync::format_date_time_ms;
    CHECK(format_date(ymd(2026, 3, 1)) == "2026-03-01");
    CHECK(format_date(ymd(987, 12, 31)) == "0987-12-31");
    CHECK(format_date_time(at(ymd(2026, 3, 1), 12, 0, 0)) == "2026-03-01T12:00:00");
    CHECK(format_date_time(at(ymd(2026, 2, 28), 23, 30, 5, 999)) == "2026-02-28T23:30:05");
    CHECK(format_date_time_ms(at(ymd(2016, 3, 30), 13, 10, 35, 563)) == "2016-03-30T13:10:35.563");
    CHECK(format_date_time_ms(at(ymd(2016, 3, 30), 13, 10, 35, 7)) == "2016-03-30T13:10:35.007");
    CHECK(format_date_time(parsed("2026-03-01T00:30:00+01:00")) == "2026-02-28T23:30:00");
  }

  TEST_CASE("month boundaries: first of month, first of next month and last of month") {
    using autotask_sync::first_of_month;
    using autotask_sync::first_of_next_month;
    using autotask_sync::last_of_month;
    CHECK(first_of_month(ymd(2026, 3, 15)) == ymd(2026, 3, 1));
    CHECK(first_of_month(ymd(2026, 3, 1)) == ymd(2026, 3, 1));
    CHECK(first_of_month(ymd(2026, 12, 31)) == ymd(2026, 12, 1));

    CHECK(first_of_next_month(ymd(2026, 3, 15)) == ymd(2026, 4, 1));
    CHECK(first_of_next_month(ymd(2026, 12, 15)) == ymd(2027, 1, 1));  // December -> January
    CHECK(first_of_next_month(ymd(2026, 12, 31)) == ymd(2027, 1, 1));
    CHECK(first_of_next_month(ymd(2028, 1, 31)) == ymd(2028, 2, 1));
    CHECK(first_of_next_month(ymd(2028, 2, 29)) == ymd(2028, 3, 1));

    CHECK(last_of_month(ymd(2028, 2, 10)) == ymd(2028, 2, 29));  // leap February
    CHECK(last_of_month(ymd(2026, 2, 10)) == ymd(2026, 2, 28));
    CHECK(last_of_month(ymd(2100, 2, 1)) == ymd(2100, 2, 28));  // not a leap year
    CHECK(last_of_month(ymd(2026, 12, 5)) == ymd(2026, 12, 31));
    CHECK(last_of_month(ymd(2026, 4, 30)) == ymd(2026, 4, 30));
    CHECK(last_of_month(ymd(2026, 1, 1)) == ymd(2026, 1, 31));
  }

}  // TEST_SUITE
