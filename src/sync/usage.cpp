// Usage figures from the portal: a month's peak given directly, or dated samples whose peak the
// library takes in the billing month of the billing zone.
#include <autotask_sync/sync/billing.hpp>

#include <date/tz.h>

#include <algorithm>
#include <set>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

Error usage_error(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

// RFC 3339: a full date, 'T', a time of day, and Z or a numeric offset.
Result<DateTime> parse_instant(std::string_view text) {
  const bool zoned =
      text.size() > 19 && text[10] == 'T' &&
      (text.back() == 'Z' || text.back() == 'z' ||
       (text.size() >= 25 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-')));
  if (!zoned) {
    return Error(ErrorCode::kInvalidArgument,
                 "'" + std::string(text.substr(0, 40)) +
                     "' is not an RFC 3339 instant with Z or an offset (2026-12-02T23:30:00Z)");
  }
  std::string normal(text);
  if (normal.back() == 'z') normal.back() = 'Z';
  auto t = parse_date_time(normal);
  if (!t) {
    return Error(ErrorCode::kInvalidArgument,
                 "'" + std::string(text.substr(0, 40)) + "' is not a valid RFC 3339 instant");
  }
  return *t;
}

Result<Decimal> amount(const bj::object& o, std::string_view key, const std::string& where) {
  auto d = Decimal::from_json(o.at(key));
  if (!d) return usage_error(where, "'" + std::string(key) + "': " + d.error().message);
  if (*d < Decimal()) return usage_error(where, "'" + std::string(key) + "' must not be negative");
  return *d;
}

Result<std::int64_t> user_count(const bj::value& v, const std::string& where,
                                std::string_view key) {
  if (!(v.is_int64() || v.is_uint64())) {
    return usage_error(where, "'" + std::string(key) + "' must be a whole number of users");
  }
  if (v.is_uint64() && v.get_uint64() > 2'000'000'000u) {
    return usage_error(where, "'" + std::string(key) + "' must be between 0 and 2000000000");
  }
  const auto n = v.to_number<std::int64_t>();
  if (n < 0 || n > 2'000'000'000) {
    return usage_error(where, "'" + std::string(key) + "' must be between 0 and 2000000000");
  }
  return n;
}

}  // namespace

Result<Usage> Usage::from_json(const bj::value& v) {
  if (!v.is_object()) return Error(ErrorCode::kInvalidArgument, "a usage entry must be an object");
  const bj::object& o = v.get_object();
  std::string where = "usage";
  if (auto it = o.find("org_id"); it != o.end() && it->value().is_string()) {
    where += " of '" + std::string(it->value().get_string().subview().substr(0, 100)) + "'";
  }
  static const std::set<std::string_view> kKeys = {"org_id", "high_water_mark", "samples",
                                                   "unit_cost", "unit_price"};
  for (const auto& kv : o) {
    if (!kKeys.count(kv.key())) {
      return usage_error(where, "unknown key '" + std::string(kv.key().substr(0, 100)) + "'");
    }
  }
  Usage u;
  auto org = o.find("org_id");
  if (org == o.end() || !org->value().is_string() || org->value().get_string().empty()) {
    return usage_error(where, "'org_id' must be a non-empty string");
  }
  u.org_id = std::string(org->value().get_string());

  auto hwm = o.find("high_water_mark");
  auto samples = o.find("samples");
  if ((hwm == o.end()) == (samples == o.end())) {
    return usage_error(where, "give either 'high_water_mark' or 'samples'");
  }
  if (hwm != o.end()) {
    auto n = user_count(hwm->value(), where, "high_water_mark");
    if (!n) return std::move(n).error();
    u.high_water_mark = *n;
  } else {
    if (!samples->value().is_array()) {
      return usage_error(where, "'samples' must be an array of {\"at\", \"users\"}");
    }
    u.has_samples = true;
    std::size_t index = 0;
    for (const auto& s : samples->value().get_array()) {
      const std::string at = where + ": samples[" + std::to_string(index++) + "]";
      if (!s.is_object()) return Error(ErrorCode::kInvalidArgument, at + " must be an object");
      const bj::object& so = s.get_object();
      for (const auto& kv : so) {
        if (kv.key() != "at" && kv.key() != "users") {
          return Error(ErrorCode::kInvalidArgument,
                       at + ": unknown key '" + std::string(kv.key().substr(0, 100)) + "'");
        }
      }
      auto when = so.find("at");
      if (when == so.end() || !when->value().is_string()) {
        return Error(ErrorCode::kInvalidArgument, at + ": 'at' must be an RFC 3339 instant");
      }
      auto instant = parse_instant(when->value().get_string());
      if (!instant) return Error(ErrorCode::kInvalidArgument, at + ": " + instant.error().message);
      auto users = so.find("users");
      if (users == so.end()) {
        return Error(ErrorCode::kInvalidArgument, at + ": 'users' is required");
      }
      auto n = user_count(users->value(), at, "users");
      if (!n) return std::move(n).error();
      u.samples.push_back(UsageSample{*instant, *n});
    }
  }

  auto cost = o.find("unit_cost");
  if (cost == o.end() || cost->value().is_null())
    return usage_error(where, "'unit_cost' is required");
  auto c = amount(o, "unit_cost", where);
  if (!c) return std::move(c).error();
  u.unit_cost = *c;
  if (auto price = o.find("unit_price"); price != o.end() && !price->value().is_null()) {
    auto p = amount(o, "unit_price", where);
    if (!p) return std::move(p).error();
    u.unit_price = *p;
  }
  return u;
}

Result<UsagePeak> peak_in_month(const std::vector<UsageSample>& samples, Date period_start,
                                const std::string& time_zone) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(time_zone);
  } catch (const std::exception&) {
    return Error(ErrorCode::kInvalidArgument,
                 "billing.time_zone '" + time_zone + "' is not an IANA time zone name");
  }
  const Date month = first_of_month(period_start);
  UsagePeak out;
  for (const auto& s : samples) {
    // The sample's civil date in the zone decides its month: no offset is assumed.
    const auto local = zone->to_local(std::chrono::floor<std::chrono::seconds>(s.at));
    const Date day{
        std::chrono::sys_days{std::chrono::floor<std::chrono::days>(local.time_since_epoch())}};
    if (first_of_month(day) != month) {
      ++out.outside_period;
      continue;
    }
    ++out.in_period;
    out.peak = std::max(out.peak.value_or(0), s.users);
  }
  return out;
}

}  // namespace autotask_sync
