#include "api.hpp"

#include "adjustments.hpp"
#include "api_error.hpp"
#include "filter.hpp"
#include "metadata.hpp"
#include "schema.hpp"
#include "text.hpp"

#include <autotask_sync/model/date.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>

namespace autotask_sim::detail {

namespace json = boost::json;
namespace urls = boost::urls;
using autotask_sync::Error;
using autotask_sync::Result;

namespace {

constexpr std::int64_t kDefaultPageSize = 500;

// ---- Responses --------------------------------------------------------------------------------

ApiResponse json_response(int status, const json::value& body) {
  ApiResponse r;
  r.status = status;
  r.body = autotask_sync::json::serialize(body);
  return r;
}

ApiResponse error_response(const Error& e) {
  const int status = e.http_status != 0 ? e.http_status : 500;
  const std::string& text = e.server_errors.empty() ? e.message : e.server_errors.front();
  if (status == 401 || status == 405 || status == 415) {
    return json_response(status, json::object{{"Message", text}});
  }
  return json_response(status, json::object{{"errors", json::array{json::value(text)}}});
}

Error not_allowed(std::string_view method) {
  return api_error(
      405, "The requested resource does not support http method '" + std::string(method) + "'.");
}

Error no_route(std::string_view path) {
  return api_error(404, "No resource matches the request path '" + std::string(path) + "'.");
}

// ---- Request parts ----------------------------------------------------------------------------

struct Target {
  std::string path;
  std::vector<std::string> segments;  // decoded, after "ATServicesRest"
  std::optional<std::string> search, paging, user;
  bool ok = false;
};

Target parse_target(std::string_view target) {
  Target t;
  auto url = urls::parse_origin_form(target);
  if (!url) {
    t.path = std::string(target.substr(0, target.find('?')));
    return t;
  }
  t.path = std::string(url->encoded_path());
  for (auto segment : url->segments()) t.segments.emplace_back(segment);
  // ASP.NET routing ignores one trailing slash.
  if (!t.segments.empty() && t.segments.back().empty()) t.segments.pop_back();
  if (t.segments.empty() || !iequals(t.segments.front(), "ATServicesRest")) return t;
  t.segments.erase(t.segments.begin());

  urls::encoding_opts plus_is_space;
  plus_is_space.space_as_plus = true;  // as ASP.NET decodes query strings
  const auto params = url->params(plus_is_space);
  for (auto [name, out] : {std::pair{"search", &t.search}, std::pair{"paging", &t.paging},
                           std::pair{"user", &t.user}}) {
    auto it = params.find(name, urls::ignore_case);
    if (it != params.end()) *out = std::string((*it).value);
  }
  t.ok = true;
  return t;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id < 0) return std::nullopt;
  return id;
}

Result<json::value> parse_json(std::string_view text, std::string_view what) {
  auto v = autotask_sync::json::parse(text, autotask_sync::ErrorCode::kValidation);
  if (!v) return query_error("The " + std::string(what) + " is not valid JSON.");
  return v;
}

// ---- Queries ----------------------------------------------------------------------------------

struct QuerySpec {
  json::value filter;
  std::optional<std::int64_t> max_records;
  std::vector<const FieldSpec*> include_fields;  // empty: every field
};

Result<QuerySpec> parse_query(const EntitySchema& entity, const json::value& body) {
  if (!body.is_object()) return query_error("The query must be a JSON object.");
  const json::object& o = body.get_object();
  QuerySpec spec;

  const json::value* filter = autotask_sync::json::find_ci(o, "filter");
  if (filter == nullptr || filter->is_null()) {
    return query_error("Invalid query syntax: a query needs at least one filter condition.");
  }
  spec.filter = *filter;

  if (const json::value* max = autotask_sync::json::find_ci(o, "MaxRecords");
      max != nullptr && !max->is_null()) {
    if (!max->is_int64() || max->get_int64() < 1 || max->get_int64() > kDefaultPageSize) {
      return query_error("MaxRecords must be between 1 and 500.");
    }
    spec.max_records = max->get_int64();
  }

  if (const json::value* include = autotask_sync::json::find_ci(o, "IncludeFields");
      include != nullptr && !include->is_null()) {
    if (!include->is_array()) return query_error("IncludeFields must be an array of field names.");
    for (const json::value& name : include->get_array()) {
      if (!name.is_string()) return query_error("IncludeFields must be an array of field names.");
      const FieldSpec* field = find_field(entity, name.get_string());
      if (field == nullptr) {
        return query_error("Unable to find " + std::string(name.get_string()) + " in the " +
                           std::string(entity.error_name) + " Entity");
      }
      spec.include_fields.push_back(field);
    }
  }
  return spec;
}

// A text that is equal for filters that mean the same: keys folded and sorted, numbers by value.
void canonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      std::vector<std::pair<std::string, const json::value*>> members;
      for (const auto& kv : v.get_object()) {
        members.emplace_back(fold_case(kv.key()), &kv.value());
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (const auto& [key, value] : members) {
        out += json::serialize(json::value(key));
        out += ':';
        canonical(*value, out);
        out += ',';
      }
      out += '}';
      return;
    }
    case json::kind::array:
      out += '[';
      for (const json::value& item : v.get_array()) {
        canonical(item, out);
        out += ',';
      }
      out += ']';
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.to_number<double>());
      out.append(buf, end);
      return;
    }
    default:
      out += json::serialize(v);
  }
}

std::string fingerprint(const json::value& filter) {
  std::string text;
  canonical(filter, text);
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

// The paging cursor carried in nextPageUrl. In requires-body mode it holds only a fingerprint
// of the filter, so the caller must send the query again; otherwise it carries the query.
struct Cursor {
  std::int64_t page_size = kDefaultPageSize;
  std::optional<std::int64_t> after_id;  // the page holds matches with larger ids
  std::string filter_hash;
  std::optional<json::value> query;
};

std::string encode_cursor(const Cursor& c) {
  json::object o{{"pageSize", c.page_size}};
  if (c.after_id) o["afterId"] = *c.after_id;
  if (!c.filter_hash.empty()) o["filterHash"] = c.filter_hash;
  if (c.query) o["query"] = *c.query;
  return autotask_sync::json::serialize(o);
}

Result<Cursor> decode_cursor(std::string_view text) {
  const Error bad = query_error("The paging parameter is not a valid paging cursor.");
  auto v = autotask_sync::json::parse(text, autotask_sync::ErrorCode::kValidation);
  if (!v || !v->is_object()) return bad;
  const json::object& o = v->get_object();
  Cursor c;
  const json::value* size = o.if_contains("pageSize");
  if (size == nullptr || !size->is_int64() || size->get_int64() < 1) return bad;
  c.page_size = size->get_int64();
  if (const json::value* after = o.if_contains("afterId")) {
    if (!after->is_int64()) return bad;
    c.after_id = after->get_int64();
  }
  if (const json::value* hash = o.if_contains("filterHash")) {
    if (!hash->is_string()) return bad;
    c.filter_hash = std::string(hash->get_string());
  }
  if (const json::value* query = o.if_contains("query")) c.query = *query;
  return c;
}

std::string url_encode(std::string_view text) {
  return urls::encode(text, urls::unreserved_chars);
}

json::object project(const json::object& row, const EntitySchema& entity,
                     const std::vector<const FieldSpec*>& include) {
  if (include.empty()) return row;
  json::object out;
  out["id"] = row.at("id");
  for (const FieldSpec* f : include) out[f->name] = row.at(f->name);
  if (entity.has_udfs) out["userDefinedFields"] = row.at("userDefinedFields");
  return out;
}

json::object list_body(json::array items, std::int64_t request_count, json::value prev,
                       json::value next) {
  const auto count = static_cast<std::int64_t>(items.size());
  return json::object{{"items", std::move(items)},
                      {"pageDetails", json::object{{"count", count},
                                                   {"requestCount", request_count},
                                                   {"prevPageUrl", std::move(prev)},
                                                   {"nextPageUrl", std::move(next)}}}};
}

std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return std::string(type);
}

std::string now_stamp(const std::optional<autotask_sync::Date>& today) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const auto days = std::chrono::floor<std::chrono::days>(now);
  const auto day = today ? std::chrono::sys_days(*today) : days;
  return autotask_sync::format_date_time(day + (now - days));
}

}  // namespace

// ---- Routing ----------------------------------------------------------------------------------

namespace {

struct Route {
  enum class Kind {
    kVersion,
    kZone,
    kThreshold,
    kQuery,
    kCount,
    kNextPage,
    kGetItem,
    kChildList,
    kChildItem,
    kAdjust,
    kEntityInfo,
    kFieldInfo,
    kNotImplemented,
  };
  Kind kind = Kind::kNotImplemented;
  const EntitySchema* entity = nullptr;  // on child routes, the child entity
  std::optional<std::int64_t> id;        // the item id, or the parent's id on child routes
  std::int64_t child_id = 0;
  std::string missing;  // what the simulator does not implement, for kNotImplemented
};

// {Entity}/entityInformation, .../fields and .../userDefinedFields, with "entityInformation" at
// rest[at].
Result<Route> metadata_route(std::string_view method, const Target& t,
                             const std::vector<std::string>& rest, std::size_t at, Route route) {
  const std::size_t after = rest.size() - at - 1;
  if (after > 1) return no_route(t.path);
  if (after == 1 && !iequals(rest[at + 1], "fields") &&
      !iequals(rest[at + 1], "userDefinedFields")) {
    return no_route(t.path);
  }
  if (method != "GET") return not_allowed(method);
  if (after == 0) {
    route.kind = Route::Kind::kEntityInfo;
  } else if (iequals(rest[at + 1], "fields")) {
    route.kind = Route::Kind::kFieldInfo;
  } else {
    route.missing = "user-defined field definitions";
  }
  return route;
}

Result<Route> resolve_entity_route(std::string_view method, const Target& t,
                                   const std::vector<std::string>& rest) {
  using Kind = Route::Kind;
  const bool get = method == "GET";
  const bool post = method == "POST";
  const bool update = method == "PATCH" || method == "PUT";
  Route route;
  const EntitySchema* entity = find_entity(rest[0]);
  if (entity == nullptr) return no_route(t.path);
  route.entity = entity;

  if (rest.size() == 1) {
    if (post && !entity->queryable) {
      route.kind = Kind::kAdjust;  // the only create-only entity: ContractServiceAdjustments
    } else if ((post || update) && !entity->parent.empty() && entity->queryable) {
      return api_error(404, std::string(entity->name) + " are created and updated through " +
                                std::string(entity->parent) + "/{id}/" +
                                std::string(entity->child_path) + ".");
    } else if ((post || update) && entity->queryable) {
      route.missing = (post ? "creating " : "updating ") + std::string(entity->name);
    } else {
      return not_allowed(method);
    }
    return route;
  }

  if (iequals(rest[1], "query")) {
    const bool count = rest.size() == 3 && iequals(rest[2], "count");
    const bool next = rest.size() == 3 && iequals(rest[2], "next");
    if (rest.size() > 2 && !count && !next) return no_route(t.path);
    if (!entity->queryable) return not_allowed(method);
    if (next) {
      if (!post) return not_allowed(method);
      route.kind = Kind::kNextPage;
      return route;
    }
    if (!get && !post) return not_allowed(method);
    route.kind = count ? Kind::kCount : Kind::kQuery;
    return route;
  }

  if (iequals(rest[1], "entityInformation")) return metadata_route(method, t, rest, 1, route);

  route.id = parse_id(rest[1]);
  if (!route.id) return no_route(t.path);
  if (rest.size() == 2) {
    if (!get || !entity->queryable) return not_allowed(method);
    route.kind = Kind::kGetItem;
    return route;
  }

  const EntitySchema* child = find_child(*entity, rest[2]);
  if (child == nullptr) return no_route(t.path);
  route.entity = child;
  // Contracts/{id}/Services/entityInformation[/fields] describes the child entity.
  if (rest.size() >= 4 && iequals(rest[3], "entityInformation")) {
    return metadata_route(method, t, rest, 3, route);
  }
  if (rest.size() > 4) return no_route(t.path);
  if (rest.size() == 4) {
    const auto child_id = parse_id(rest[3]);
    if (!child_id) return no_route(t.path);
    if (!get || !child->queryable) return not_allowed(method);
    route.kind = Kind::kChildItem;
    route.child_id = *child_id;
    return route;
  }
  if (get && child->queryable) {
    route.kind = Kind::kChildList;
  } else if (post && !child->queryable) {
    route.kind = Kind::kAdjust;
  } else if ((post || update) && child->queryable) {
    route.missing = (post ? "creating " : "updating ") + std::string(child->name);
  } else {
    return not_allowed(method);
  }
  return route;
}

// Unknown paths give 404 and wrong methods 405 before authentication, as ASP.NET routing does.
Result<Route> resolve(std::string_view method, const Target& t) {
  if (!t.ok || t.segments.empty()) return no_route(t.path);
  const auto& s = t.segments;
  Route route;
  if (s.size() == 1 && iequals(s[0], "versionInformation")) {
    if (method != "GET") return not_allowed(method);
    route.kind = Route::Kind::kVersion;
    return route;
  }
  if (!iequals(s[0], "V1.0") || s.size() < 2) return no_route(t.path);
  const std::vector<std::string> rest(s.begin() + 1, s.end());
  if (rest.size() == 1 &&
      (iequals(rest[0], "zoneInformation") || iequals(rest[0], "ThresholdInformation"))) {
    if (method != "GET") return not_allowed(method);
    route.kind = iequals(rest[0], "zoneInformation") ? Route::Kind::kZone : Route::Kind::kThreshold;
    return route;
  }
  return resolve_entity_route(method, t, rest);
}

// ---- Handlers ---------------------------------------------------------------------------------

struct Context {
  Store& store;
  const ApiConfig& config;
  const ApiRequest& request;
  const Target& target;
  const ApiUser& user;
};

// Whether rows of the entity reach this user with some fields blanked: Autotask returns costs
// empty to a security level that cannot read them.
bool hides_costs(const Context& ctx, const EntitySchema& entity) {
  if (ctx.user.can_read_costs) return false;
  return std::any_of(entity.fields.begin(), entity.fields.end(),
                     [](const FieldSpec& f) { return (f.flags & kCost) != 0; });
}

json::object as_seen(const Context& ctx, const EntitySchema& entity, json::object row) {
  if (!hides_costs(ctx, entity)) return row;
  for (const FieldSpec& f : entity.fields) {
    if ((f.flags & kCost) != 0) row[f.name] = nullptr;
  }
  return row;
}

// The entity's rows as the user sees them, so that a filter on a hidden cost cannot reveal it.
// `scratch` holds the blanked copy when one is needed.
const json::array& visible_rows(const Context& ctx, const EntitySchema& entity,
                                json::array& scratch) {
  const json::array& rows = ctx.store.rows(entity.name);
  if (!hides_costs(ctx, entity)) return rows;
  scratch.clear();
  scratch.reserve(rows.size());
  for (const json::value& row : rows) scratch.emplace_back(as_seen(ctx, entity, row.get_object()));
  return scratch;
}

Error not_permitted(std::string_view action, const EntitySchema& entity) {
  return query_error("The API user's security level does not allow it to " + std::string(action) +
                     " " + std::string(entity.error_name) + " entities.");
}

using UrlFor = std::function<std::string(const Cursor&)>;

std::int64_t id_of(const json::object& row) {
  return row.at("id").get_int64();
}

std::int64_t page_size_for(const ApiConfig& config, const QuerySpec& spec) {
  const auto cap = static_cast<std::int64_t>(config.max_page_size);
  return std::max<std::int64_t>(1, std::min(spec.max_records.value_or(kDefaultPageSize), cap));
}

ApiResponse page(const Context& ctx, const EntitySchema& entity, const QuerySpec& spec,
                 const Filter& filter, const Cursor& cursor, const UrlFor& url_for) {
  std::vector<const json::object*> matches;
  json::array scratch;
  for (const json::value& row : visible_rows(ctx, entity, scratch)) {
    if (filter.matches(row.get_object())) matches.push_back(&row.get_object());
  }

  const auto size = static_cast<std::size_t>(cursor.page_size);
  std::size_t start = 0;
  if (cursor.after_id) {
    start = static_cast<std::size_t>(std::partition_point(matches.begin(), matches.end(),
                                                          [&](const json::object* row) {
                                                            return id_of(*row) <= *cursor.after_id;
                                                          }) -
                                     matches.begin());
  }
  const std::size_t end = std::min(start + size, matches.size());

  json::array items;
  for (std::size_t i = start; i < end; ++i) {
    items.emplace_back(project(*matches[i], entity, spec.include_fields));
  }
  json::value next = nullptr;
  if (end < matches.size()) {
    Cursor c = cursor;
    c.after_id = id_of(*matches[end - 1]);
    next = json::value(url_for(c));
  }
  json::value prev = nullptr;
  if (start > 0) {
    Cursor c = cursor;
    c.after_id = start > size ? std::optional(id_of(*matches[start - size - 1])) : std::nullopt;
    prev = json::value(url_for(c));
  }
  return json_response(
      200, list_body(std::move(items), cursor.page_size, std::move(prev), std::move(next)));
}

UrlFor post_paging_url(const Context& ctx, const EntitySchema& entity) {
  return [base = ctx.config.zone_url + "V1.0/" + std::string(entity.name)](const Cursor& c) {
    return base + "/query/next?paging=" + url_encode(encode_cursor(c));
  };
}

// The query of a GET (?search=) or POST (body) request.
Result<json::value> query_document(const Context& ctx) {
  if (ctx.request.method == "GET") {
    if (!ctx.target.search) return query_error("The search parameter is required.");
    return parse_json(*ctx.target.search, "search parameter");
  }
  if (ctx.request.body.empty()) return query_error("The query must be a JSON object.");
  return parse_json(ctx.request.body, "request body");
}

struct CompiledQuery {
  json::value document;
  QuerySpec spec;
  Filter filter;
};

Result<CompiledQuery> compile_query(const EntitySchema& entity, json::value document) {
  auto spec = parse_query(entity, document);
  if (!spec) return std::move(spec).error();
  auto filter = Filter::compile(entity, spec->filter);
  if (!filter) return std::move(filter).error();
  return CompiledQuery{std::move(document), std::move(*spec), std::move(*filter)};
}

ApiResponse run_query(const Context& ctx, const EntitySchema& entity) {
  auto document = query_document(ctx);
  if (!document) return error_response(document.error());
  auto query = compile_query(entity, std::move(*document));
  if (!query) return error_response(query.error());

  Cursor cursor;
  cursor.page_size = page_size_for(ctx.config, query->spec);
  if (ctx.request.method == "POST") {
    if (ctx.config.next_page_requires_body) {
      cursor.filter_hash = fingerprint(query->spec.filter);
    } else {
      cursor.query = query->document;
    }
    return page(ctx, entity, query->spec, query->filter, cursor, post_paging_url(ctx, entity));
  }

  // A GET query pages with GET URLs that repeat the search next to the cursor.
  cursor.filter_hash = fingerprint(query->spec.filter);
  if (ctx.target.paging) {
    auto given = decode_cursor(*ctx.target.paging);
    if (!given) return error_response(given.error());
    if (given->filter_hash != cursor.filter_hash) {
      return error_response(
          query_error("The search does not match the query this page belongs to."));
    }
    cursor = *given;
  }
  const std::string base = ctx.config.zone_url + "V1.0/" + std::string(entity.name) +
                           "/query?search=" + url_encode(*ctx.target.search) + "&paging=";
  return page(ctx, entity, query->spec, query->filter, cursor,
              [&base](const Cursor& c) { return base + url_encode(encode_cursor(c)); });
}

ApiResponse next_page(const Context& ctx, const EntitySchema& entity) {
  if (!ctx.target.paging) return error_response(query_error("The paging parameter is required."));
  auto cursor = decode_cursor(*ctx.target.paging);
  if (!cursor) return error_response(cursor.error());

  Result<json::value> document = json::value();
  if (ctx.config.next_page_requires_body) {
    if (ctx.request.body.empty()) {
      return error_response(query_error(
          "The next page must be requested with the original query in the request body."));
    }
    document = parse_json(ctx.request.body, "request body");
  } else if (cursor->query) {
    document = *cursor->query;
  } else {
    document = query_error("The paging parameter is not a valid paging cursor.");
  }
  if (!document) return error_response(document.error());
  auto query = compile_query(entity, std::move(*document));
  if (!query) return error_response(query.error());
  if (ctx.config.next_page_requires_body &&
      fingerprint(query->spec.filter) != cursor->filter_hash) {
    return error_response(
        query_error("The filter in the request body does not match the query this page belongs "
                    "to."));
  }
  return page(ctx, entity, query->spec, query->filter, *cursor, post_paging_url(ctx, entity));
}

ApiResponse count(const Context& ctx, const EntitySchema& entity) {
  auto document = query_document(ctx);
  if (!document) return error_response(document.error());
  auto query = compile_query(entity, std::move(*document));
  if (!query) return error_response(query.error());
  std::int64_t n = 0;
  json::array scratch;
  for (const json::value& row : visible_rows(ctx, entity, scratch)) {
    if (query->filter.matches(row.get_object())) ++n;
  }
  return json_response(200, json::object{{"queryCount", n}});
}

ApiResponse item_response(const Context& ctx, const EntitySchema& entity, std::int64_t id,
                          const json::object* row) {
  if (row != nullptr) return json_response(200, json::object{{"item", as_seen(ctx, entity, *row)}});
  if (ctx.config.missing_item_is_404) {
    return error_response(api_error(
        404, "No " + std::string(entity.error_name) + " has id " + std::to_string(id) + "."));
  }
  return json_response(200, json::object{{"item", nullptr}});
}

ApiResponse child_list(const Context& ctx, const EntitySchema& child, std::int64_t parent_id) {
  json::array items;
  for (const json::value& row : ctx.store.rows(child.name)) {
    const json::value& parent = row.at(child.parent_key);
    if (parent.is_int64() && parent.get_int64() == parent_id) {
      items.emplace_back(as_seen(ctx, child, row.get_object()));
    }
  }
  return json_response(200, list_body(std::move(items), kDefaultPageSize, nullptr, nullptr));
}

ApiResponse child_item(const Context& ctx, const EntitySchema& child, std::int64_t parent_id,
                       std::int64_t id) {
  const json::object* row = ctx.store.find(child.name, id);
  if (row != nullptr && row->at(child.parent_key) != json::value(parent_id)) row = nullptr;
  return item_response(ctx, child, id, row);
}

ApiResponse adjust(const Context& ctx, std::optional<std::int64_t> path_contract_id) {
  if (ctx.request.body.empty()) {
    return error_response(query_error("The request body must hold the adjustment."));
  }
  auto body = parse_json(ctx.request.body, "request body");
  if (!body) return error_response(body.error());
  if (!body->is_object()) {
    return error_response(query_error("The request body must be a JSON object."));
  }
  json::object adjustment = body->get_object();
  if (!ctx.user.can_read_costs) {
    // Autotask silently ignores a cost from a user who may not see costs.
    for (auto it = adjustment.begin(); it != adjustment.end();) {
      it = iequals(it->key(), "adjustedUnitCost") ? adjustment.erase(it) : std::next(it);
    }
  }
  AdjustmentRules rules;
  rules.effective_date_rule = ctx.config.effective_date_rule;
  rules.database_utc_offset = ctx.config.database_utc_offset;
  rules.same_date = ctx.config.same_date_adjustments;
  rules.modified_stamp = now_stamp(ctx.config.today);
  auto id = apply_adjustment(ctx.store, adjustment, path_contract_id, rules);
  if (!id) return error_response(id.error());
  ApiResponse r = json_response(200, json::object{{"itemId", *id}});
  r.wrote = true;
  return r;
}

}  // namespace

LoggedRequest describe(std::string_view method, std::string_view target) {
  LoggedRequest logged;
  logged.method = std::string(method);
  const Target t = parse_target(target);
  logged.path = t.path;
  if (!t.ok || t.segments.size() < 2 || !iequals(t.segments[0], "V1.0")) return logged;
  const EntitySchema* entity = find_entity(t.segments[1]);
  if (entity == nullptr) return logged;
  logged.entity = std::string(entity->name);
  if (t.segments.size() >= 4 && parse_id(t.segments[2])) {
    if (const EntitySchema* child = find_child(*entity, t.segments[3])) {
      logged.entity = std::string(child->name);
    }
  }
  return logged;
}

std::optional<std::string> thread_limit_endpoint(std::string_view target) {
  const Target t = parse_target(target);
  if (!t.ok || t.segments.size() < 2 || !iequals(t.segments[0], "V1.0")) return std::nullopt;
  if (iequals(t.segments[1], "zoneInformation")) return std::nullopt;
  std::string endpoint = t.segments[1];
  for (char& c : endpoint) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return endpoint;
}

// ---- Api --------------------------------------------------------------------------------------

Api::Api(ApiConfig config, Tenant tenant) : config_(std::move(config)), store_(std::move(tenant)) {}

std::chrono::steady_clock::time_point Api::now() const {
  return config_.clock ? config_.clock() : std::chrono::steady_clock::now();
}

void Api::expire_requests(std::chrono::steady_clock::time_point now) {
  while (!recent_requests_.empty() &&
         recent_requests_.front().first <= now - std::chrono::hours(1)) {
    requests_this_hour_ -= recent_requests_.front().second;
    recent_requests_.pop_front();
  }
}

std::size_t Api::requests_this_hour() {
  expire_requests(now());
  return requests_this_hour_;
}

void Api::set_requests_this_hour(std::size_t count) {
  recent_requests_.clear();
  requests_this_hour_ = count;
  if (count != 0) recent_requests_.emplace_back(now(), count);
}

ApiResponse Api::handle(const ApiRequest& request) {
  try {
    return respond(request);
  } catch (const std::exception& e) {
    // A defect of the simulator answers like Autotask's own unexpected errors, not a dropped
    // connection, so the test that hit it says what happened.
    return error_response(
        query_error(std::string("An unexpected error has occurred in the simulator: ") + e.what()));
  }
}

ApiResponse Api::respond(const ApiRequest& request) {
  if (config_.max_target_length != 0 && request.target.size() > config_.max_target_length) {
    // The front end refuses over-long URLs before the API sees them, with an HTML page.
    ApiResponse r;
    r.status = 404;
    r.body = "<html><body><h1>404 - File or directory not found.</h1></body></html>";
    r.headers.emplace_back("Content-Type", "text/html");
    return r;
  }
  const Target target = parse_target(request.target);
  auto route = resolve(request.method, target);
  if (!route) return error_response(route.error());

  const Tenant& tenant = store_.tenant();
  if (route->kind == Route::Kind::kVersion) {
    return json_response(200, json::object{{"apiVersions", json::array{"V1.0"}}});
  }
  if (route->kind == Route::Kind::kZone) {
    for (const ApiUser& u : tenant.api_users) {
      if (!target.user || !iequals(u.username, *target.user)) continue;
      return json_response(200, json::object{{"zoneName", tenant.zone.zone_name},
                                             {"url", config_.zone_url},
                                             {"webUrl", tenant.zone.web_url},
                                             {"ci", tenant.zone.ci}});
    }
    return error_response(query_error("Zone information could not be determined"));
  }

  const ApiUser* user = nullptr;
  for (const ApiUser& u : tenant.api_users) {
    if (request.username && iequals(u.username, *request.username)) user = &u;
  }
  if (user == nullptr || request.secret != user->secret) {
    return error_response(api_error(401, "Authorization has been denied for this request."));
  }
  if (request.integration_code != user->integration_code) {
    return error_response(query_error("IntegrationCode is invalid."));
  }
  // The budget is the database's, shared by every user and integration code. A refused request
  // is not counted, so the window reopens an hour after the requests that filled it.
  const auto at = now();
  expire_requests(at);
  if (requests_this_hour_ >= config_.hourly_request_threshold) {
    return error_response(api_error(
        429, "Request Threshold Exceeded - The Autotask API request threshold of " +
                 std::to_string(config_.hourly_request_threshold) +
                 " requests per hour has been exceeded. Requests are refused until the count of "
                 "the last 60 minutes falls below the threshold."));
  }
  if (!recent_requests_.empty() && recent_requests_.back().first == at) {
    ++recent_requests_.back().second;
  } else {
    recent_requests_.emplace_back(at, 1);
  }
  ++requests_this_hour_;

  if (!request.body.empty()) {
    if (!request.content_type) {
      return error_response(
          api_error(415,
                    "The request contains an entity body but no Content-Type header. The inferred "
                    "media type 'application/octet-stream' is not supported for this resource."));
    }
    const std::string type = media_type(*request.content_type);
    if (!iequals(type, "application/json") && !iequals(type, "text/json")) {
      return error_response(api_error(415, "The request entity's media type '" + type +
                                               "' is not supported for this resource."));
    }
  }

  const Context ctx{store_, config_, request, target, *user};
  const EntitySchema* entity = route->entity;
  if (entity != nullptr) {
    // A tenant's restriction is enforced where the simulator implements the operation.
    const Capabilities allowed = capabilities(*entity, tenant);
    const bool reads =
        route->kind == Route::Kind::kQuery || route->kind == Route::Kind::kCount ||
        route->kind == Route::Kind::kNextPage || route->kind == Route::Kind::kGetItem ||
        route->kind == Route::Kind::kChildList || route->kind == Route::Kind::kChildItem;
    if (reads && !allowed.can_query) return error_response(not_permitted("query", *entity));
    if (route->kind == Route::Kind::kAdjust && !allowed.can_create) {
      return error_response(not_permitted("create", *entity));
    }
  }
  switch (route->kind) {
    case Route::Kind::kThreshold:
      return json_response(
          200, json::object{{"externalRequestThreshold",
                             static_cast<std::int64_t>(config_.hourly_request_threshold)},
                            {"requestThresholdTimeframe", 60},
                            {"currentTimeframeRequestCount",
                             static_cast<std::int64_t>(requests_this_hour_)}});
    case Route::Kind::kEntityInfo:
      return json_response(200, entity_information(*entity, tenant));
    case Route::Kind::kFieldInfo:
      return json_response(200, field_information(*entity, tenant));
    case Route::Kind::kQuery:
      return run_query(ctx, *entity);
    case Route::Kind::kNextPage:
      return next_page(ctx, *entity);
    case Route::Kind::kCount:
      return count(ctx, *entity);
    case Route::Kind::kGetItem:
      return item_response(ctx, *entity, *route->id, store_.find(entity->name, *route->id));
    case Route::Kind::kChildList:
      return child_list(ctx, *entity, *route->id);
    case Route::Kind::kChildItem:
      return child_item(ctx, *entity, *route->id, route->child_id);
    case Route::Kind::kAdjust:
      return adjust(ctx, route->id);
    case Route::Kind::kNotImplemented:
    default:
      return error_response(
          api_error(501, "The Autotask simulator does not implement " + route->missing + "."));
  }
}

}  // namespace autotask_sim::detail
