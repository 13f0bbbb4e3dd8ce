// Civil dates and Autotask date-times.
//
// A civil date (a contract's start, a billing period's first day) is a std::chrono::year_month_day
// and never passes through a time zone. An Autotask date-time is UTC; Autotask writes it without
// an offset ("2026-03-01T00:00:00", "2016-03-30T13:10:35.563") and we read it as UTC, accepting a
// trailing "Z" or "+00:00" too.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace autotask_sync {

using Date = std::chrono::year_month_day;
using DateTime = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-03-01" -> Date. Strict: four-digit year, two-digit month and day, a valid calendar date.
Result<Date> parse_date(std::string_view text);
// "2026-03-01T12:30:00[.fff][Z|+hh:mm|-hh:mm]" or a bare date -> DateTime (UTC).
Result<DateTime> parse_date_time(std::string_view text);
// The civil date part of an Autotask date-time text, ignoring the time of day:
// "2026-03-31T00:00:00" -> 2026-03-31. Used for fields that Autotask stores as dates.
Result<Date> parse_date_of(std::string_view date_time_text);

std::string format_date(Date d);              // "2026-03-01"
std::string format_date_time(DateTime t);     // "2026-03-01T12:00:00" (UTC, no offset, whole s)
std::string format_date_time_ms(DateTime t);  // "2026-03-01T12:00:00.123"

// The first day of d's month, and of the month after.
Date first_of_month(Date d);
Date first_of_next_month(Date d);
Date last_of_month(Date d);

}  // namespace autotask_sync
