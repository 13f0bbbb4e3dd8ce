#include <autotask_sync/model/json_util.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>

namespace autotask_sync::json {
namespace bj = boost::json;

namespace {

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Error wrong_type(std::string_view what, std::string_view key, std::string_view expected) {
  return Error(ErrorCode::kProtocol, std::string(what) + ": field '" + std::string(key) +
                                         "' should be " + std::string(expected));
}

void serialize_to(const bj::value& v, std::string& out) {
  switch (v.kind()) {
    case bj::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += bj::serialize(bj::string_view(kv.key()));
        out.push_back(':');
        serialize_to(kv.value(), out);
      }
      out.push_back('}');
      return;
    }
    case bj::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        serialize_to(e, out);
      }
      out.push_back(']');
      return;
    }
    case bj::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[64];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      if (ec != std::errc()) {
        out += bj::serialize(v);
        return;
      }
      out.append(buf, ptr);
      return;
    }
    default:
      out += bj::serialize(v);
  }
}

}  // namespace

const bj::value* find_ci(const bj::object& o, std::string_view key) {
  if (auto it = o.find(key); it != o.end()) return &it->value();
  for (const auto& kv : o) {
    if (ascii_iequal(kv.key(), key)) return &kv.value();
  }
  return nullptr;
}

Result<bj::value> parse(std::string_view text, ErrorCode code) {
  boost::system::error_code ec;
  bj::value v = bj::parse(bj::string_view(text.data(), text.size()), ec);
  if (ec) return Error(code, "invalid JSON: " + ec.message());
  return v;
}

std::string serialize(const bj::value& v) {
  std::string out;
  serialize_to(v, out);
  return out;
}

Result<Field<std::int64_t>> read_int(const bj::object& o, std::string_view key,
                                     std::string_view what) {
  const bj::value* v = find_ci(o, key);
  if (!v) return Field<std::int64_t>();
  if (v->is_null()) return Field<std::int64_t>::null();
  if (v->is_int64()) return Field<std::int64_t>(v->get_int64());
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return Field<std::int64_t>(static_cast<std::int64_t>(v->get_uint64()));
  }
  if (v->is_double()) {
    const double d = v->get_double();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) {
      return Field<std::int64_t>(static_cast<std::int64_t>(d));
    }
  }
  return wrong_type(what, key, "an integer");
}

Result<Field<bool>> read_bool(const bj::object& o, std::string_view key, std::string_view what) {
  const bj::value* v = find_ci(o, key);
  if (!v) return Field<bool>();
  if (v->is_null()) return Field<bool>::null();
  if (v->is_bool()) return Field<bool>(v->get_bool());
  return wrong_type(what, key, "true or false");
}

Result<Field<std::string>> read_string(const bj::object& o, std::string_view key,
                                       std::string_view what) {
  const bj::value* v = find_ci(o, key);
  if (!v) return Field<std::string>();
  if (v->is_null()) return Field<std::string>::null();
  if (v->is_string()) return Field<std::string>(std::string(v->get_string()));
  return wrong_type(what, key, "a string");
}

Result<Field<Decimal>> read_decimal(const bj::object& o, std::string_view key,
                                    std::string_view what) {
  const bj::value* v = find_ci(o, key);
  if (!v) return Field<Decimal>();
  if (v->is_null()) return Field<Decimal>::null();
  if (!v->is_number() && !v->is_string()) return wrong_type(what, key, "a number");
  auto d = Decimal::from_json(*v);
  if (!d) return wrong_type(what, key, "a number (" + d.error().message + ")");
  return Field<Decimal>(*d);
}

Result<Field<Date>> read_date_of(const bj::object& o, std::string_view key, std::string_view what) {
  const bj::value* v = find_ci(o, key);
  if (!v) return Field<Date>();
  if (v->is_null()) return Field<Date>::null();
  if (!v->is_string()) return wrong_type(what, key, "a date-time string");
  auto d = parse_date_of(v->get_string());
  if (!d) return wrong_type(what, key, "a date-time string");
  return Field<Date>(*d);
}

Result<Field<DateTime>> read_date_time(const bj::object& o, std::string_view key,
                                       std::string_view what) {
  const bj::value* v = find_ci(o, key);
  if (!v) return Field<DateTime>();
  if (v->is_null()) return Field<DateTime>::null();
  if (!v->is_string()) return wrong_type(what, key, "a date-time string");
  auto t = parse_date_time(v->get_string());
  if (!t) return wrong_type(what, key, "a date-time string");
  return Field<DateTime>(*t);
}

void put(bj::object& o, std::string_view key, const Field<std::int64_t>& f) {
  if (f.is_null()) o[key] = nullptr;
  if (f.has_value()) o[key] = *f;
}

void put(bj::object& o, std::string_view key, const Field<bool>& f) {
  if (f.is_null()) o[key] = nullptr;
  if (f.has_value()) o[key] = *f;
}

void put(bj::object& o, std::string_view key, const Field<std::string>& f) {
  if (f.is_null()) o[key] = nullptr;
  if (f.has_value()) o[key] = bj::string_view(f->data(), f->size());
}

void put(bj::object& o, std::string_view key, const Field<Decimal>& f) {
  if (f.is_null()) o[key] = nullptr;
  if (f.has_value()) o[key] = f->to_json();
}

void put_date(bj::object& o, std::string_view key, const Field<Date>& f) {
  if (f.is_null()) o[key] = nullptr;
  if (f.has_value()) o[key] = format_date(*f) + "T00:00:00";
}

}  // namespace autotask_sync::json
