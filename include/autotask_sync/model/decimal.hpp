// Money: an exact decimal with 4 places, held as an integer count of 1/10000.
//
// Autotask stores amounts with 4 decimal places. Arithmetic and comparison here are integer
// operations; no double takes part. Text and JSON with more than 4 places are rounded by one rule,
// half away from zero, at 4 places (12.34567 -> 12.3457, 2.99995 -> 3.0000, -0.00005 -> -0.0001).
//
// JSON numbers: Boost.JSON hands a non-integer number over as an IEEE double. It is converted to
// its shortest round-trip decimal text, which reproduces the digits as sent for any number of up to
// 15 significant digits (every 4-place amount below 100,000,000,000), and that text is rounded as
// above. Writing produces a JSON number whose shortest text is the exact 4-place value.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <boost/json/fwd.hpp>

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace autotask_sync {

class Decimal {
 public:
  static constexpr std::int64_t kScale = 10'000;
  // Largest magnitude accepted from text or JSON: 99,999,999,999.9999.
  static constexpr std::int64_t kMaxUnits = 999'999'999'999'999;

  constexpr Decimal() = default;

  static constexpr Decimal from_units(std::int64_t ten_thousandths) {
    return Decimal(ten_thousandths);
  }
  static constexpr Decimal from_integer(std::int64_t whole) { return Decimal(whole * kScale); }

  // Parses "12", "-3.5", "12.34567", "+0.1", "1e2" (exponent allowed). Rounds to 4 places.
  // Fails with kInvalidArgument naming the text when it is not a number or is out of range.
  static Result<Decimal> parse(std::string_view text);

  // From a JSON number (int64, uint64 or double) or a JSON string holding a number.
  static Result<Decimal> from_json(const boost::json::value& v);

  constexpr std::int64_t units() const noexcept { return units_; }  // in 1/10000

  // Always 4 places: "12.3400", "-0.5000".
  std::string to_string() const;
  // A JSON number (an int64 when whole, otherwise a double whose shortest text is exact).
  boost::json::value to_json() const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=> as a 0 pointer
  friend constexpr auto operator<=>(Decimal, Decimal) = default;
  friend constexpr Decimal operator+(Decimal a, Decimal b) { return Decimal(a.units_ + b.units_); }
  friend constexpr Decimal operator-(Decimal a, Decimal b) { return Decimal(a.units_ - b.units_); }
  friend constexpr Decimal operator-(Decimal a) { return Decimal(-a.units_); }

 private:
  constexpr explicit Decimal(std::int64_t u) : units_(u) {}
  std::int64_t units_ = 0;
};

}  // namespace autotask_sync
