#include <autotask_sync/model/date.hpp>

#include <charconv>
#include <cstdio>
#include <string>

namespace autotask_sync {
namespace {

using namespace std::chrono;

bool read_fixed(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  std::from_chars(text.data() + pos, text.data() + pos + len, out);
  return true;
}

Error bad(std::string_view text, std::string_view what) {
  return Error(ErrorCode::kInvalidArgument,
               "'" + std::string(text.substr(0, 40)) + "' is not a valid " + std::string(what));
}

}  // namespace

Result<Date> parse_date(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !read_fixed(text, 0, 4, y) ||
      !read_fixed(text, 5, 2, m) || !read_fixed(text, 8, 2, d)) {
    return bad(text, "date (expected YYYY-MM-DD)");
  }
  const Date date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) return bad(text, "calendar date");
  return date;
}

Result<DateTime> parse_date_time(std::string_view text) {
  auto date = parse_date(text.substr(0, 10));
  if (!date) return bad(text, "date-time (expected YYYY-MM-DDThh:mm:ss)");
  DateTime t = time_point_cast<milliseconds>(sys_days(*date));
  if (text.size() == 10) return t;

  int hh = 0, mm = 0, ss = 0;
  if ((text[10] != 'T' && text[10] != ' ') || !read_fixed(text, 11, 2, hh) || text.size() < 16 ||
      text[13] != ':' || !read_fixed(text, 14, 2, mm)) {
    return bad(text, "date-time (expected YYYY-MM-DDThh:mm:ss)");
  }
  std::size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!read_fixed(text, pos + 1, 2, ss)) return bad(text, "date-time");
    pos += 3;
  }
  if (hh > 23 || mm > 59 || ss > 60) return bad(text, "time of day");
  t += hours{hh} + minutes{mm} + seconds{ss};

  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int ms = 0, digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad(text, "date-time fraction");
    for (int k = digits; k < 3; ++k) ms *= 10;
    t += milliseconds{ms};
  }
  if (pos == text.size()) return t;
  if (text[pos] == 'Z' && pos + 1 == text.size()) return t;
  if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 && text[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!read_fixed(text, pos + 1, 2, oh) || !read_fixed(text, pos + 4, 2, om)) {
      return bad(text, "UTC offset");
    }
    const minutes offset{oh * 60 + om};
    return text[pos] == '+' ? t - offset : t + offset;
  }
  return bad(text, "date-time");
}

Result<Date> parse_date_of(std::string_view date_time_text) {
  auto t = parse_date_time(date_time_text);
  if (!t) return std::move(t).error();
  return parse_date(date_time_text.substr(0, 10));
}

std::string format_date(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::string format_date_time(DateTime t) {
  const auto days = floor<std::chrono::days>(t);
  const hh_mm_ss<milliseconds> tod{t - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d", format_date(Date{days}).c_str(),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

std::string format_date_time_ms(DateTime t) {
  const auto days = floor<std::chrono::days>(t);
  const hh_mm_ss<milliseconds> tod{t - days};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s.%03d", format_date_time(t).c_str(),
                static_cast<int>(tod.subseconds().count()));
  return buf;
}

Date first_of_month(Date d) {
  return d.year() / d.month() / day{1};
}

Date first_of_next_month(Date d) {
  const year_month next = year_month{d.year(), d.month()} + months{1};
  return next / day{1};
}

Date last_of_month(Date d) {
  return Date{d.year() / d.month() / last};
}

}  // namespace autotask_sync
