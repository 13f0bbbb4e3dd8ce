// Queries: filter semantics, errors, paging through nextPageUrl, IncludeFields and counts.
#include "sim/sim_harness.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <set>

using namespace sim_test;

namespace {

// A tenant of `n` companies with ids 1..n; every third one inactive.
json::object many_companies(int n) {
  json::array companies;
  for (int i = 1; i <= n; ++i) {
    companies.push_back(json::object{{"id", i},
                                     {"companyName", "Company " + std::to_string(i)},
                                     {"companyType", 1},
                                     {"isActive", i % 3 != 0}});
  }
  return json::object{{"Companies", std::move(companies)}};
}

std::vector<std::int64_t> query_ids(SimHarness& h, const std::string& entity, json::array filter) {
  const Response r = h.post("V1.0/" + entity + "/query", query(std::move(filter)));
  REQUIRE(r.status == 200);
  return ids_of(items_of(r));
}

}  // namespace

TEST_CASE("top-level conditions are ANDed and or groups, in lists and comparisons combine") {
  SimHarness h(load(tenant_document(billing_entities())));

  CHECK(query_ids(h, "Companies", {cond("in", "companyType", json::array{1, 7})}) ==
        std::vector<std::int64_t>{1, 2, 4});
  CHECK(query_ids(h, "Companies", {eq("isActive", true), cond("notIn", "id", json::array{2})}) ==
        std::vector<std::int64_t>{1, 4});
  const json::object active_customers_after_1 =
      group("and", {eq("companyType", 1), eq("isActive", true), cond("gt", "id", 1)});
  CHECK(query_ids(h, "Companies", {group("or", {eq("id", 3), active_customers_after_1})}) ==
        std::vector<std::int64_t>{2, 3});
  // Two top-level equalities on one field can never both hold.
  CHECK(query_ids(h, "Companies", {eq("id", 1), eq("id", 2)}).empty());
}

TEST_CASE("dates compare as date-times whether the value carries a time or not") {
  SimHarness h(load(tenant_document(billing_entities())));

  const std::vector<std::int64_t> covering =
      query_ids(h, "ContractServiceUnits",
                {eq("contractServiceID", 5001), cond("lte", "startDate", "2026-03-15"),
                 cond("gte", "endDate", "2026-03-15")});
  const std::vector<std::int64_t> from_march =
      query_ids(h, "ContractServiceUnits",
                {cond("gte", "startDate", "2026-03-01T00:00:00"),
                 cond("lt", "startDate", "2026-05-01T00:00:00.000Z")});

  CHECK(covering == std::vector<std::int64_t>{9003});
  CHECK(from_march == std::vector<std::int64_t>{9003, 9004});
}

TEST_CASE("strings compare ignoring case, accented letters included") {
  SimHarness h(load(tenant_document(billing_entities())));

  CHECK(query_ids(h, "Companies", {eq("companyName", "CAFÉ ÏLE D’ORLÉANS")}) ==
        std::vector<std::int64_t>{2});
  CHECK(query_ids(h, "Companies", {cond("beginsWith", "companyName", "o'brien")}) ==
        std::vector<std::int64_t>{3});
  CHECK(query_ids(h, "Companies", {cond("endsWith", "companyName", "LTD")}) ==
        std::vector<std::int64_t>{4});
  CHECK(query_ids(h, "Companies", {cond("contains", "companyName", "dental")}) ==
        std::vector<std::int64_t>{1});
}

TEST_CASE("the string operators match the text of date and number fields too") {
  SimHarness h(load(tenant_document(billing_entities())));

  CHECK(query_ids(h, "ContractServiceUnits", {cond("beginsWith", "startDate", "2026-03")}) ==
        std::vector<std::int64_t>{9003});
  CHECK(query_ids(h, "Companies", {cond("endsWith", "id", "4")}) == std::vector<std::int64_t>{4});
}

TEST_CASE("exist and notExist test for null; noteq does not match null") {
  SimHarness h(load(tenant_document(billing_entities())));

  CHECK(query_ids(h, "Services", {cond("exist", "invoiceDescription", nullptr)}) ==
        std::vector<std::int64_t>{78});
  CHECK(query_ids(h, "Services", {cond("notExist", "invoiceDescription", nullptr)}) ==
        std::vector<std::int64_t>{77});
  CHECK(query_ids(h, "Services", {cond("noteq", "invoiceDescription", "x")}) ==
        std::vector<std::int64_t>{78});
}

TEST_CASE("an unknown operator is silently ignored and the query returns unfiltered rows") {
  SimHarness h(load(tenant_document(billing_entities())));

  CHECK(query_ids(h, "Companies", {cond("ne", "id", 1)}) == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(query_ids(h, "Companies", {cond("EQ", "id", 1), eq("companyType", 3)}) ==
        std::vector<std::int64_t>{3});
}

TEST_CASE("a field the entity lacks fails the query with 500 naming field and entity") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r = h.post("V1.0/Contracts/query", query({eq("isActive", true)}));

  CHECK(r.status == 500);
  CHECK(error_text(r) == "Unable to find isActive in the Contract Entity");
}

TEST_CASE("filter field names and body keys are matched ignoring case") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r =
      h.post("V1.0/Companies/query",
             json::object{{"Filter", json::array{json::object{
                                         {"Op", "eq"}, {"Field", "COMPANYTYPE"}, {"Value", 3}}}},
                          {"maxrecords", 5}});

  CHECK(ids_of(items_of(r)) == std::vector<std::int64_t>{3});
  CHECK(body_of(r).at("pageDetails").at("requestCount").as_int64() == 5);
}

TEST_CASE("a boolean field compared with anything but true or false is an error") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r = h.post("V1.0/Companies/query", query({eq("isActive", "true")}));

  CHECK(r.status == 500);
  CHECK(error_text(r) ==
        "Invalid value for isActive in the Company Entity: expected true or false");
}

TEST_CASE("more than 500 values in one in list, or more than 500 or conditions, is refused") {
  SimHarness h(load(tenant_document(billing_entities())));
  json::array values;
  json::array ors;
  for (int i = 0; i < 501; ++i) {
    values.push_back(i);
    ors.push_back(eq("id", i));
  }
  json::array five_hundred(values.begin(), values.begin() + 500);

  const Response big_in = h.post("V1.0/Companies/query", query({cond("in", "id", values)}));
  const Response big_or = h.post("V1.0/Companies/query", query({group("or", ors)}));
  const Response at_limit = h.post("V1.0/Companies/query", query({cond("in", "id", five_hundred)}));

  const std::string limit =
      "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions.";
  CHECK(big_in.status == 500);
  CHECK(error_text(big_in) == limit);
  CHECK(big_or.status == 500);
  CHECK(error_text(big_or) == limit);
  CHECK(ids_of(items_of(at_limit)) == std::vector<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("MaxRecords outside 1..500 is refused") {
  SimHarness h(load(tenant_document(billing_entities())));

  for (int max : {0, 501}) {
    json::object body = query({cond("exist", "id", nullptr)});
    body["MaxRecords"] = max;
    const Response r = h.post("V1.0/Companies/query", body);
    CHECK(r.status == 500);
    CHECK(error_text(r) == "MaxRecords must be between 1 and 500.");
  }
}

TEST_CASE("1,234 companies come back as pages of 500, 500 and 234 through POST nextPageUrl") {
  SimHarness h(load(tenant_document(many_companies(1234))));
  const json::object body = query({cond("exist", "id", nullptr)});

  std::vector<std::size_t> sizes;
  std::vector<std::int64_t> ids;
  std::vector<json::value> prev_urls;
  std::string url = "V1.0/Companies/query";
  std::string first_next;
  while (!url.empty()) {
    const Response r = h.post(url, body);
    REQUIRE(r.status == 200);
    const json::value page = body_of(r);
    const json::array& items = page.at("items").as_array();
    sizes.push_back(items.size());
    for (std::int64_t id : ids_of(items)) ids.push_back(id);
    const json::value& details = page.at("pageDetails");
    CHECK(details.at("count").as_int64() == static_cast<std::int64_t>(items.size()));
    CHECK(details.at("requestCount").as_int64() == 500);
    prev_urls.push_back(details.at("prevPageUrl"));
    const json::value& next = details.at("nextPageUrl");
    url = next.is_null() ? "" : std::string(next.as_string());
    if (first_next.empty()) first_next = url;
    REQUIRE(sizes.size() < 5);
  }

  CHECK(sizes == std::vector<std::size_t>{500, 500, 234});
  REQUIRE(ids.size() == 1234);
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 1234);
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(ids.back() == 1234);
  CHECK(first_next.rfind(h.sim().base_url() + "V1.0/Companies/query/next?paging=", 0) == 0);
  CHECK(prev_urls[0].is_null());
  CHECK(prev_urls[1].is_string());

  // Following the next page with GET is what silently truncated listings in the field.
  const Response wrong_method = h.get(first_next);
  CHECK(wrong_method.status == 405);
  CHECK(body_of(wrong_method).at("Message").as_string() ==
        "The requested resource does not support http method 'GET'.");
}

TEST_CASE("the next page refuses a body whose filter differs from the original query") {
  SimHarness h(load(tenant_document(many_companies(600))));
  const Response first = h.post("V1.0/Companies/query", query({cond("exist", "id", nullptr)}));
  const std::string next(body_of(first).at("pageDetails").at("nextPageUrl").as_string());

  const Response other = h.post(next, query({eq("isActive", true)}));
  const Response empty = h.send(h.request(Method::kPost, next));

  CHECK(other.status == 500);
  CHECK(error_text(other) ==
        "The filter in the request body does not match the query this page belongs to.");
  CHECK(empty.status == 500);
}

TEST_CASE("without the body requirement the cursor carries the query and any body is ignored") {
  autotask_sim::SimulatorOptions options;
  options.next_page_requires_body = false;
  SimHarness h(load(tenant_document(many_companies(1234))), options);
  const Response first = h.post("V1.0/Companies/query", query({eq("isActive", true)}));
  const std::string next(body_of(first).at("pageDetails").at("nextPageUrl").as_string());

  const Response second = h.send(h.request(Method::kPost, next));

  REQUIRE(second.status == 200);
  const json::array items = items_of(second);
  CHECK(items.size() == 323);  // 823 active companies: 500, then 323
  CHECK(items.front().at("id").as_int64() == 751);
  CHECK(body_of(second).at("pageDetails").at("nextPageUrl").is_null());
}

TEST_CASE("the page size is the smaller of MaxRecords and the simulator's maximum") {
  autotask_sim::SimulatorOptions options;
  options.max_page_size = 7;
  SimHarness h(load(tenant_document(many_companies(20))), options);
  json::object body = query({cond("exist", "id", nullptr)});

  const Response capped = h.post("V1.0/Companies/query", body);
  body["MaxRecords"] = 3;
  const Response three = h.post("V1.0/Companies/query", body);

  CHECK(items_of(capped).size() == 7);
  CHECK(body_of(capped).at("pageDetails").at("requestCount").as_int64() == 7);
  CHECK(ids_of(items_of(three)) == std::vector<std::int64_t>{1, 2, 3});
}

TEST_CASE("IncludeFields returns only the listed fields and always the id") {
  SimHarness h(load(tenant_document(billing_entities())));
  json::object body = query({eq("id", 2)});
  body["IncludeFields"] = json::array{"companyname"};

  const json::array items = items_of(h.post("V1.0/Companies/query", body));
  body["IncludeFields"] = json::array{"companyName", "colour"};
  const Response unknown = h.post("V1.0/Companies/query", body);

  REQUIRE(items.size() == 1);
  const json::object& item = items[0].as_object();
  CHECK(item.size() == 3);
  CHECK(item.at("id").as_int64() == 2);
  CHECK(item.at("companyName").as_string() == "Café Ïle d’Orléans");
  CHECK(item.at("userDefinedFields").as_array().empty());
  CHECK(unknown.status == 500);
  CHECK(error_text(unknown) == "Unable to find colour in the Company Entity");
}

TEST_CASE("query/count answers the number of matching rows") {
  SimHarness h(load(tenant_document(many_companies(1234))));

  const Response r = h.post("V1.0/Companies/query/count", query({eq("isActive", false)}));

  CHECK(r.status == 200);
  CHECK(body_of(r).at("queryCount").as_int64() == 411);
}

TEST_CASE("a GET query takes the query in search and pages with GET urls") {
  autotask_sim::SimulatorOptions options;
  options.max_page_size = 2;
  SimHarness h(load(tenant_document(billing_entities())), options);
  const std::string search =
      json::serialize(query({cond("in", "companyType", json::array{1, 3, 7})}));

  const Response first = h.get("V1.0/Companies/query?search=" +
                               boost::urls::encode(search, boost::urls::unreserved_chars));
  const std::string next(body_of(first).at("pageDetails").at("nextPageUrl").as_string());
  const Response second = h.get(next);

  CHECK(ids_of(items_of(first)) == std::vector<std::int64_t>{1, 2});
  CHECK(next.find("/V1.0/Companies/query?search=") != std::string::npos);
  CHECK(ids_of(items_of(second)) == std::vector<std::int64_t>{3, 4});
  CHECK(body_of(second).at("pageDetails").at("nextPageUrl").is_null());
}

TEST_CASE("a query without any filter condition is refused") {
  SimHarness h(load(tenant_document(billing_entities())));

  const Response r = h.post("V1.0/Companies/query", json::object{{"filter", json::array{}}});

  CHECK(r.status == 500);
  CHECK(error_text(r) == "Invalid query syntax: a query needs at least one filter condition.");
}
