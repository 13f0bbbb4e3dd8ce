// Query and Filter: Autotask's query body (autotask-api.md §3.2-3.5). The expected JSON is the
// documented wire form; comparison is on parsed JSON so that key order does not matter.
#include <autotask_sync/client/query.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <string>
#include <vector>

namespace at = autotask_sync;
namespace bj = boost::json;
using at::ErrorCode;
using at::Filter;
using at::Op;
using at::Query;

namespace {

bj::value js(const std::string& text) {
  return bj::parse(text);
}

// Compares parsed JSON (Boost.JSON objects compare equal regardless of key order).
void check_json(const bj::object& actual, const std::string& expected) {
  CAPTURE(bj::serialize(actual));
  CAPTURE(expected);
  CHECK(bj::value(actual) == js(expected));
}

Query with(std::vector<Filter> filter) {
  Query q;
  q.filter = std::move(filter);
  return q;
}

std::vector<std::int64_t> range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(last - first + 1));
  std::iota(v.begin(), v.end(), first);
  return v;
}

}  // namespace

TEST_SUITE("query") {
  TEST_CASE("every one of the 13 operators has Autotask's exact spelling") {
    CHECK(std::string(at::to_string(Op::kEq)) == "eq");
    CHECK(std::string(at::to_string(Op::kNotEq)) == "noteq");
    CHECK(std::string(at::to_string(Op::kGt)) == "gt");
    CHECK(std::string(at::to_string(Op::kGte)) == "gte");
    CHECK(std::string(at::to_string(Op::kLt)) == "lt");
    CHECK(std::string(at::to_string(Op::kLte)) == "lte");
    CHECK(std::string(at::to_string(Op::kBeginsWith)) == "beginsWith");
    CHECK(std::string(at::to_string(Op::kEndsWith)) == "endsWith");
    CHECK(std::string(at::to_string(Op::kContains)) == "contains");
    CHECK(std::string(at::to_string(Op::kExist)) == "exist");
    CHECK(std::string(at::to_string(Op::kNotExist)) == "notExist");
    CHECK(std::string(at::to_string(Op::kIn)) == "in");
    CHECK(std::string(at::to_string(Op::kNotIn)) == "notIn");
  }

  TEST_CASE("each operator serializes into a condition with op, field and value") {
    check_json(Filter::condition(Op::kEq, "isActive", true).to_json(),
               R"({"op":"eq","field":"isActive","value":true})");
    check_json(Filter::condition(Op::kNotEq, "Status", 5).to_json(),
               R"({"op":"noteq","field":"Status","value":5})");
    check_json(Filter::condition(Op::kGt, "id", 500).to_json(),
               R"({"op":"gt","field":"id","value":500})");
    check_json(Filter::condition(Op::kGte, "endDate", "2026-03-15").to_json(),
               R"({"op":"gte","field":"endDate","value":"2026-03-15"})");
    check_json(Filter::condition(Op::kLt, "id", 10).to_json(),
               R"({"op":"lt","field":"id","value":10})");
    check_json(Filter::condition(Op::kLte, "startDate", "2026-03-15").to_json(),
               R"({"op":"lte","field":"startDate","value":"2026-03-15"})");
    check_json(Filter::condition(Op::kBeginsWith, "companyName", "Ac").to_json(),
               R"({"op":"beginsWith","field":"companyName","value":"Ac"})");
    check_json(Filter::condition(Op::kEndsWith, "companyName", "Ltd").to_json(),
               R"({"op":"endsWith","field":"companyName","value":"Ltd"})");
    check_json(Filter::condition(Op::kContains, "companyName", "eta").to_json(),
               R"({"op":"contains","field":"companyName","value":"eta"})");
    check_json(Filter::condition(Op::kIn, "CompanyType", js("[1,3,7]")).to_json(),
               R"({"op":"in","field":"CompanyType","value":[1,3,7]})");
    check_json(Filter::condition(Op::kNotIn, "status", js("[0,2]")).to_json(),
               R"({"op":"notIn","field":"status","value":[0,2]})");
    check_json(Filter::eq("companyID", 175).to_json(),
               R"({"op":"eq","field":"companyID","value":175})");
    check_json(Filter::in("contractServiceID", {5001, 5002}).to_json(),
               R"({"op":"in","field":"contractServiceID","value":[5001,5002]})");
  }

  TEST_CASE("exist and notExist carry no value") {
    const bj::object exist = Filter::exist("id").to_json();
    check_json(exist, R"({"op":"exist","field":"id"})");
    CHECK_FALSE(exist.contains("value"));
    // Even a value given by mistake is not sent.
    const bj::object not_exist = Filter::condition(Op::kNotExist, "endDate", "x").to_json();
    check_json(not_exist, R"({"op":"notExist","field":"endDate"})");
    CHECK_FALSE(not_exist.contains("value"));
  }

  TEST_CASE("and/or groups nest with items") {
    const Filter f = Filter::any_of({
        Filter::eq("lastName", "Smith"),
        Filter::all_of({Filter::eq("firstName", "Chris"), Filter::eq("lastName", "Brady")}),
    });
    CHECK(f.is_group());
    CHECK(f.is_or());
    check_json(f.to_json(),
               R"({"op":"or","items":[
                  {"op":"eq","field":"lastName","value":"Smith"},
                  {"op":"and","items":[
                    {"op":"eq","field":"firstName","value":"Chris"},
                    {"op":"eq","field":"lastName","value":"Brady"}]}]})");
  }

  TEST_CASE("the udf flag is a JSON boolean true and only appears when set") {
    Filter f = Filter::eq("CustomerRanking", "Golden");
    CHECK_FALSE(f.is_udf());
    CHECK_FALSE(f.to_json().contains("udf"));
    f.udf();
    CHECK(f.is_udf());
    const bj::object o = f.to_json();
    check_json(o, R"({"op":"eq","field":"CustomerRanking","udf":true,"value":"Golden"})");
    CHECK(o.at("udf").is_bool());
    f.udf(false);
    CHECK_FALSE(f.to_json().contains("udf"));
  }

  TEST_CASE("a query body has MaxRecords, IncludeFields and the ANDed filter list") {
    Query q;
    q.max_records = 500;
    q.include_fields = {"id", "companyName", "isActive"};
    q.filter = {Filter::eq("isActive", true),
                Filter::any_of({Filter::eq("lastName", "Smith"), Filter::eq("lastName", "Brady")})};
    check_json(q.to_json(),
               R"({"MaxRecords":500,"IncludeFields":["id","companyName","isActive"],
                 "filter":[{"op":"eq","field":"isActive","value":true},
                           {"op":"or","items":[{"op":"eq","field":"lastName","value":"Smith"},
                                               {"op":"eq","field":"lastName","value":"Brady"}]}]})");

    // Without them, only the filter is sent (Autotask's default of 500 records, every field).
    check_json(with({Filter::exist("id")}).to_json(),
               R"({"filter":[{"op":"exist","field":"id"}]})");
    CHECK(at::json::serialize(with({Filter::exist("id")}).to_json()) ==
          R"({"filter":[{"op":"exist","field":"id"}]})");
  }

  TEST_CASE("validate accepts the documented limits") {
    CHECK(with({Filter::exist("id")}).validate().ok());
    Query q = with({Filter::in("id", range(1, 500))});
    q.max_records = 1;
    CHECK(q.validate().ok());
    q.max_records = 500;
    CHECK(q.validate().ok());
    q.include_fields = {"companyName", "id"};
    CHECK(q.validate().ok());
    // The same UDF used twice is still one UDF.
    Query udf = with({Filter::eq("CustomerRanking", "Golden").udf(),
                      Filter::condition(Op::kNotEq, "CustomerRanking", "Bronze").udf()});
    CHECK(udf.validate().ok());
    Query udf_and_standard =
        with({Filter::eq("CustomerRanking", "Golden").udf(), Filter::eq("isActive", true)});
    CHECK(udf_and_standard.validate().ok());
  }

  TEST_CASE("validate refuses what Autotask rejects or silently gets wrong") {
    struct Case {
      const char* rule;
      Query query;
    };
    Query max0 = with({Filter::exist("id")});
    max0.max_records = 0;
    Query max501 = with({Filter::exist("id")});
    max501.max_records = 501;
    Query max_negative = with({Filter::exist("id")});
    max_negative.max_records = -1;
    Query no_id = with({Filter::exist("id")});
    no_id.include_fields = {"companyName", "isActive"};
    std::vector<Filter> or_items;
    or_items.reserve(501);
    for (int i = 0; i < 501; ++i) or_items.push_back(Filter::eq("id", i));
    bj::array list501;
    for (int i = 1; i <= 501; ++i) list501.emplace_back(i);

    for (const Case& c : {
             Case{"empty filter", Query{}},
             Case{"MaxRecords 0", max0},
             Case{"MaxRecords 501", max501},
             Case{"MaxRecords -1", max_negative},
             Case{"two UDFs", with({Filter::eq("CustomerRanking", "Golden").udf(),
                                    Filter::eq("Region", "North").udf()})},
             Case{"two UDFs in a group",
                  with({Filter::any_of({Filter::eq("CustomerRanking", "Golden").udf(),
                                        Filter::eq("Region", "North").udf()})})},
             Case{"in list of 501", with({Filter::in("id", range(1, 501))})},
             Case{"notIn list of 501", with({Filter::condition(Op::kNotIn, "id", list501)})},
             Case{"empty in list", with({Filter::in("id", {})})},
             Case{"in without an array", with({Filter::condition(Op::kIn, "id", 5)})},
             Case{"IncludeFields without id", no_id},
             Case{"eq without a value", with({Filter::condition(Op::kEq, "companyName")})},
             Case{"condition without a field", with({Filter::eq("", 1)})},
             Case{"empty group", with({Filter::all_of({})})},
             Case{"more than 500 OR conditions", with({Filter::any_of(or_items)})},
         }) {
      CAPTURE(c.rule);
      auto r = c.query.validate();
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == ErrorCode::kInvalidArgument);
      CHECK_FALSE(r.error().message.empty());
    }
  }

  TEST_CASE("validate names the rule that was broken") {
    CHECK(Query{}.validate().error().message.find("condition") != std::string::npos);
    Query max501 = with({Filter::exist("id")});
    max501.max_records = 501;
    CHECK(max501.validate().error().message.find("MaxRecords") != std::string::npos);
    Query no_id = with({Filter::exist("id")});
    no_id.include_fields = {"companyName"};
    CHECK(no_id.validate().error().message.find("IncludeFields") != std::string::npos);
    const auto in501 = with({Filter::in("contractServiceID", range(1, 501))}).validate();
    CHECK(in501.error().message.find("contractServiceID") != std::string::npos);
    CHECK(in501.error().message.find("500") != std::string::npos);
    const auto udfs = with({Filter::eq("A", 1).udf(), Filter::eq("B", 2).udf()}).validate();
    CHECK(udfs.error().message.find("user-defined") != std::string::npos);
  }

  TEST_CASE("split_in_query chunks 1,234 ids as 500/500/234 with duplicates removed") {
    // 1,234 distinct ids, given out of order and with 200 repeats.
    std::vector<std::int64_t> ids = range(1001, 2234);
    std::reverse(ids.begin(), ids.end());
    for (std::int64_t id = 1001; id < 1201; ++id) ids.push_back(id);
    REQUIRE(ids.size() == 1434);

    Query base = with({Filter::eq("contractID", 300)});
    base.include_fields = {"id", "units"};
    base.max_records = 500;

    const std::vector<Query> parts = at::split_in_query(base, "contractServiceID", ids);
    REQUIRE(parts.size() == 3);
    const std::size_t expected_sizes[] = {500, 500, 234};
    std::set<std::int64_t> seen;
    std::size_t total = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      CAPTURE(i);
      const Query& q = parts[i];
      CHECK(q.validate().ok());
      REQUIRE(q.filter.size() == 2);
      // The base's conditions and settings are kept.
      check_json(q.filter[0].to_json(), R"({"op":"eq","field":"contractID","value":300})");
      CHECK(q.include_fields == std::vector<std::string>{"id", "units"});
      CHECK(q.max_records == std::optional<int>(500));
      const Filter& in = q.filter[1];
      REQUIRE(in.op() == std::optional<Op>(Op::kIn));
      CHECK(in.field() == "contractServiceID");
      const bj::array& values = in.value().as_array();
      CHECK(values.size() == expected_sizes[i]);
      for (const auto& v : values) {
        CHECK(seen.insert(v.as_int64()).second);  // no id twice, in or across chunks
      }
      total += values.size();
    }
    CHECK(total == 1234);
    CHECK(seen.size() == 1234);
    CHECK(*seen.begin() == 1001);
    CHECK(*seen.rbegin() == 2234);
    // The base query itself is untouched.
    CHECK(base.filter.size() == 1);
  }

  TEST_CASE("split_in_query: small lists, exact multiples and no ids") {
    const Query base;
    auto one = at::split_in_query(base, "id", {7, 7, 7});
    REQUIRE(one.size() == 1);
    REQUIRE(one[0].filter.size() == 1);
    check_json(one[0].filter[0].to_json(), R"({"op":"in","field":"id","value":[7]})");

    auto exact = at::split_in_query(base, "id", range(1, 1000));
    REQUIRE(exact.size() == 2);
    CHECK(exact[0].filter[0].value().as_array().size() == 500);
    CHECK(exact[1].filter[0].value().as_array().size() == 500);

    auto small_chunks = at::split_in_query(base, "id", range(1, 5), 2);
    REQUIRE(small_chunks.size() == 3);
    check_json(small_chunks[2].filter[0].to_json(), R"({"op":"in","field":"id","value":[5]})");

    CHECK(at::split_in_query(base, "id", {}).empty());
  }

}  // TEST_SUITE
