// Helpers for reading Autotask JSON: case-insensitive member lookup and typed field readers that
// produce the library's error messages. Used by the entity decoders, the client and the tools.
#pragma once

#include <autotask_sync/core/result.hpp>
#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/decimal.hpp>
#include <autotask_sync/model/field.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace autotask_sync::json {

// The member whose key equals `key` ignoring ASCII case (an exact match wins); nullptr if none.
const boost::json::value* find_ci(const boost::json::object& o, std::string_view key);

// Parse text as JSON; kProtocol (or the given code) with the parser's message on failure.
Result<boost::json::value> parse(std::string_view text, ErrorCode code = ErrorCode::kProtocol);

// Serialize with numbers written in their shortest exact form ("3.5", not "3.5E0").
std::string serialize(const boost::json::value& v);

// Typed readers of an optional member. `what` names the entity for the error message
// ("Contract 300"). A missing member gives absent, a JSON null gives null.
Result<Field<std::int64_t>> read_int(const boost::json::object& o, std::string_view key,
                                     std::string_view what);
Result<Field<bool>> read_bool(const boost::json::object& o, std::string_view key,
                              std::string_view what);
Result<Field<std::string>> read_string(const boost::json::object& o, std::string_view key,
                                       std::string_view what);
Result<Field<Decimal>> read_decimal(const boost::json::object& o, std::string_view key,
                                    std::string_view what);
Result<Field<Date>> read_date_of(const boost::json::object& o, std::string_view key,
                                 std::string_view what);
Result<Field<DateTime>> read_date_time(const boost::json::object& o, std::string_view key,
                                       std::string_view what);

// Writers that skip absent fields and write null for null ones.
void put(boost::json::object& o, std::string_view key, const Field<std::int64_t>& f);
void put(boost::json::object& o, std::string_view key, const Field<bool>& f);
void put(boost::json::object& o, std::string_view key, const Field<std::string>& f);
void put(boost::json::object& o, std::string_view key, const Field<Decimal>& f);
void put_date(boost::json::object& o, std::string_view key, const Field<Date>& f);

}  // namespace autotask_sync::json
