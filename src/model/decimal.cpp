#include <autotask_sync/model/decimal.hpp>

#include <boost/json/value.hpp>

#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>

namespace autotask_sync {
namespace {

Error bad_number(std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, "'" + std::string(text.substr(0, 64)) +
                                                "' is not a valid amount: " + std::string(why));
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Result<Decimal> Decimal::parse(std::string_view text) {
  const std::string_view original = text;

  // Split sign, integer digits, fraction digits and exponent.
  bool negative = false;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;      // all significant digits, integer part then fraction part
  std::int64_t point = 0;  // number of digits before the decimal point
  bool any_digit = false;
  while (i < text.size() && is_digit(text[i])) {
    digits.push_back(text[i++]);
    ++point;
    any_digit = true;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      digits.push_back(text[i++]);
      any_digit = true;
    }
  }
  if (!any_digit) return bad_number(original, "no digits");
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    int exponent = 0;
    const char* first = text.data() + i;
    const char* last = text.data() + text.size();
    if (first < last && *first == '+') ++first;
    auto [ptr, ec] = std::from_chars(first, last, exponent);
    if (ec != std::errc() || ptr != last) return bad_number(original, "bad exponent");
    if (exponent > 40 || exponent < -400) return bad_number(original, "out of range");
    point += exponent;
    i = text.size();
  }
  if (i != text.size()) return bad_number(original, "unexpected character");

  // Value = 0.digits * 10^point. Take digits up to 4 places after the point, round on the next.
  const std::int64_t keep = point + 4;  // digits of digits[] that fall at or above 10^-4
  std::int64_t units = 0;
  for (std::int64_t k = 0; k < keep; ++k) {
    const int d = k < static_cast<std::int64_t>(digits.size()) && k >= 0
                      ? digits[static_cast<std::size_t>(k)] - '0'
                      : 0;
    if (k < 0) continue;
    if (units > (kMaxUnits - d) / 10) return bad_number(original, "out of range");
    units = units * 10 + d;
  }
  // Half away from zero: look at the first dropped digit.
  if (keep >= 0 && keep < static_cast<std::int64_t>(digits.size()) &&
      digits[static_cast<std::size_t>(keep)] >= '5') {
    ++units;
  }
  if (units > kMaxUnits) return bad_number(original, "out of range");
  return Decimal(negative ? -units : units);
}

Result<Decimal> Decimal::from_json(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64: {
      const std::int64_t n = v.get_int64();
      if (n > kMaxUnits / kScale || n < -kMaxUnits / kScale) {
        return bad_number(std::to_string(n), "out of range");
      }
      return Decimal(n * kScale);
    }
    case boost::json::kind::uint64: {
      const std::uint64_t n = v.get_uint64();
      if (n > static_cast<std::uint64_t>(kMaxUnits / kScale)) {
        return bad_number(std::to_string(n), "out of range");
      }
      return Decimal(static_cast<std::int64_t>(n) * kScale);
    }
    case boost::json::kind::double_: {
      // The shortest text that round-trips is the text the sender wrote (up to 15 digits).
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v.get_double());
      if (ec != std::errc()) return bad_number("?", "not representable");
      return parse(std::string_view(buf, static_cast<std::size_t>(ptr - buf)));
    }
    case boost::json::kind::string:
      return parse(v.get_string());
    default:
      return Error(ErrorCode::kInvalidArgument, "an amount must be a number or a numeric string");
  }
}

std::string Decimal::to_string() const {
  const bool negative = units_ < 0;
  // kMaxUnits keeps |units_| far from the int64 limits, so negation is safe.
  const std::int64_t magnitude = negative ? -units_ : units_;
  std::string whole = std::to_string(magnitude / kScale);
  std::string frac = std::to_string(magnitude % kScale);
  frac.insert(0, 4 - frac.size(), '0');
  return (negative ? "-" : "") + whole + "." + frac;
}

boost::json::value Decimal::to_json() const {
  if (units_ % kScale == 0) return boost::json::value(units_ / kScale);
  // strtod of the exact 4-place text gives the double whose shortest text is that same text.
  const std::string text = to_string();
  return boost::json::value(std::strtod(text.c_str(), nullptr));
}

}  // namespace autotask_sync
