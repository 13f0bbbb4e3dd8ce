#include <autotask_sync/client/client.hpp>
#include <autotask_sync/client/errors.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <chrono>
#include <map>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

// scheme://host:port of an absolute URL, with the scheme's default port made explicit.
struct Origin {
  std::string scheme, host, port;
  bool operator==(const Origin&) const = default;
};

std::optional<Origin> origin_of(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  Origin o;
  o.scheme = std::string(u->scheme());
  std::transform(o.scheme.begin(), o.scheme.end(), o.scheme.begin(), ::tolower);
  o.host = std::string(u->encoded_host());
  std::transform(o.host.begin(), o.host.end(), o.host.begin(), ::tolower);
  o.port = u->has_port() ? std::string(u->port()) : (o.scheme == "https" ? "443" : "80");
  return o;
}

bool is_https_url(std::string_view url) {
  auto o = origin_of(url);
  return o && o->scheme == "https" && !o->host.empty();
}

std::string with_trailing_slash(std::string url) {
  if (url.empty() || url.back() != '/') url.push_back('/');
  return url;
}

// The path of a URL without its query string, for log lines (a query string can hold a user).
std::string loggable_path(std::string_view url) {
  auto u = boost::urls::parse_uri_reference(url);
  if (!u) return "(unparseable URL)";
  return std::string(u->encoded_path());
}

}  // namespace

Client::Client(ClientOptions options, std::shared_ptr<http::Transport> transport)
    : options_(std::move(options)), transport_(std::move(transport)) {}

Result<std::shared_ptr<Client>> Client::create(ClientOptions options,
                                               std::shared_ptr<http::Transport> transport) {
  if (!transport) return Error(ErrorCode::kInvalidArgument, "the client needs a transport");
  const Credentials& c = options.credentials;
  if (c.username.empty()) return Error(ErrorCode::kInvalidArgument, "the API username is empty");
  if (c.secret.empty()) return Error(ErrorCode::kInvalidArgument, "the API secret is empty");
  if (c.integration_code.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the integration code is empty");
  }
  if (options.base_url) {
    if (!is_https_url(*options.base_url)) {
      return Error(ErrorCode::kInvalidArgument, "autotask.base_url must be an https URL");
    }
    options.base_url = with_trailing_slash(*options.base_url);
  }
  if (!is_https_url(options.zone_lookup_url)) {
    return Error(ErrorCode::kInvalidArgument, "autotask.zone_lookup_url must be an https URL");
  }
  if (options.max_pages == 0) options.max_pages = 1;
  return std::shared_ptr<Client>(new Client(std::move(options), std::move(transport)));
}

Result<http::Response> Client::send(http::Method method, const std::string& url,
                                    std::string body) {
  http::Request req;
  req.method = method;
  req.url = url;
  req.body = std::move(body);
  req.headers.set("Accept", "application/json");
  if (!req.body.empty() || method == http::Method::kPost || method == http::Method::kPatch) {
    req.headers.set("Content-Type", "application/json; charset=utf-8");
  }

  // Credentials go only to the zone's own origin.
  const bool to_zone = [&] {
    if (!zone_) return false;
    auto a = origin_of(url);
    auto b = origin_of(zone_->url);
    return a && b && *a == *b;
  }();
  if (to_zone) {
    req.headers.set("ApiIntegrationCode", options_.credentials.integration_code);
    req.headers.set("UserName", options_.credentials.username);
    req.headers.set("Secret", options_.credentials.secret);
  }

  const auto started = std::chrono::steady_clock::now();
  ++requests_;
  auto result = transport_->send(req);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (options_.logger.enabled(LogLevel::kDebug)) {
    std::string line = std::string(http::to_string(method)) + " " + loggable_path(url) + " -> ";
    line += result ? std::to_string(result->status) : std::string(to_string(result.error().code));
    line += " in " + std::to_string(ms) + " ms (attempt 1)";
    options_.logger.debug(line);
  }
  if (!result) {
    Error e = std::move(result).error();
    e.message = redact(std::move(e.message), {options_.credentials.secret,
                                               options_.credentials.username,
                                               options_.credentials.integration_code});
    return e;
  }
  return result;
}

Result<Zone> Client::zone() {
  std::lock_guard lock(zone_mutex_);
  if (zone_) return *zone_;
  if (options_.base_url) {
    zone_ = Zone{"(configured)", *options_.base_url, "", 0};
    return *zone_;
  }

  boost::urls::url url(options_.zone_lookup_url);
  // Every reserved character is percent-encoded: a raw '+' would reach Autotask as a space.
  url.encoded_params().set(
      "user", boost::urls::encode(options_.credentials.username, boost::urls::unreserved_chars));
  auto r = send(http::Method::kGet, std::string(url.buffer()), {});
  const std::vector<std::string> secrets{options_.credentials.secret,
                                         options_.credentials.username,
                                         options_.credentials.integration_code};
  if (!r) return std::move(r).error();
  if (auto e = classify_response(*r, "zone lookup", secrets)) {
    if (r->status == 500 && e->code == ErrorCode::kValidation) e->code = ErrorCode::kAuthentication;
    return std::move(*e);
  }
  auto v = json::parse(r->body);
  if (!v || !v->is_object()) {
    return Error(ErrorCode::kProtocol, "zone lookup: the answer is not a JSON object");
  }
  const bj::object& o = v->get_object();
  auto url_field = json::read_string(o, "url", "zoneInformation");
  if (!url_field || !url_field->has_value() || (*url_field)->empty()) {
    return Error(ErrorCode::kProtocol, "zone lookup: the answer has no zone url");
  }
  if (!is_https_url(**url_field)) {
    return Error(ErrorCode::kSecurity, "zone lookup: the zone url is not an https URL");
  }
  Zone z;
  z.url = with_trailing_slash(**url_field);
  if (auto n = json::read_string(o, "zoneName", "zoneInformation"); n && n->has_value()) {
    z.zone_name = **n;
  }
  if (auto w = json::read_string(o, "webUrl", "zoneInformation"); w && w->has_value()) {
    z.web_url = **w;
  }
  if (auto ci = json::read_int(o, "ci", "zoneInformation"); ci && ci->has_value()) z.ci = **ci;
  zone_ = z;
  options_.logger.info("Autotask zone " + z.zone_name + " at " + z.url);
  return z;
}

Result<std::string> Client::entity_url(std::string_view path) {
  auto z = zone();
  if (!z) {
    // The call itself was never sent, whatever became of the zone lookup.
    Error e = std::move(z).error();
    e.request_sent = false;
    return e;
  }
  return z->url + "V1.0/" + std::string(path);
}

Result<std::vector<bj::object>> Client::query(std::string_view entity, const Query& q) {
  if (auto valid = q.validate(); !valid) return std::move(valid).error();
  auto url = entity_url(std::string(entity) + "/query");
  if (!url) return std::move(url).error();

  const std::string body = json::serialize(q.to_json());
  const std::string context = "query " + std::string(entity);
  const std::vector<std::string> secrets{options_.credentials.secret,
                                         options_.credentials.username,
                                         options_.credentials.integration_code};
  const auto zone_origin = origin_of(zone_->url);

  std::vector<bj::object> items;
  std::string next = *url;
  for (std::size_t page = 1;; ++page) {
    auto r = send(http::Method::kPost, next, body);
    if (!r) return std::move(r).error();
    if (auto e = classify_response(*r, context + " (page " + std::to_string(page) + ")", secrets)) {
      return std::move(*e);
    }
    auto v = json::parse(r->body);
    if (!v || !v->is_object()) {
      return Error(ErrorCode::kProtocol, context + ": the answer is not a JSON object");
    }
    const bj::object& o = v->get_object();
    const bj::value* page_items = json::find_ci(o, "items");
    if (!page_items || !page_items->is_array()) {
      return Error(ErrorCode::kProtocol, context + ": the answer has no items array");
    }
    for (const auto& item : page_items->get_array()) {
      if (!item.is_object()) {
        return Error(ErrorCode::kProtocol, context + ": an item is not a JSON object");
      }
      items.push_back(item.get_object());
    }

    const bj::value* details = json::find_ci(o, "pageDetails");
    const bj::value* next_url = details && details->is_object()
                                    ? json::find_ci(details->get_object(), "nextPageUrl")
                                    : nullptr;
    if (!next_url || next_url->is_null() ||
        (next_url->is_string() && next_url->get_string().empty())) {
      return items;
    }
    if (!next_url->is_string()) {
      return Error(ErrorCode::kProtocol, context + ": nextPageUrl is not a string");
    }
    next = std::string(next_url->get_string());
    auto next_origin = origin_of(next);
    if (!next_origin || !zone_origin || !(*next_origin == *zone_origin)) {
      Error e(ErrorCode::kSecurity,
              context + ": nextPageUrl points outside the Autotask zone (" +
                  redact(next_origin ? next_origin->scheme + "://" + next_origin->host
                                     : std::string("unparseable URL"),
                         secrets) +
                  "); refusing to send credentials there");
      e.request_sent = false;
      options_.logger.warn(e.message);
      return e;
    }
    if (page >= options_.max_pages) {
      return Error(ErrorCode::kProtocol, context + ": more than " +
                                             std::to_string(options_.max_pages) +
                                             " pages; the listing was stopped");
    }
  }
}

Result<std::vector<bj::object>> Client::query_in(std::string_view entity, const std::string& field,
                                                 const std::vector<std::int64_t>& ids,
                                                 const Query& extra) {
  std::map<Id, bj::object> merged;
  std::vector<bj::object> without_id;
  for (const Query& q : split_in_query(extra, field, ids)) {
    auto part = query(entity, q);
    if (!part) return std::move(part).error();
    for (auto& item : *part) {
      auto id = json::read_int(item, "id", entity);
      if (id && id->has_value()) {
        merged.emplace(**id, std::move(item));
      } else {
        without_id.push_back(std::move(item));
      }
    }
  }
  std::vector<bj::object> out;
  out.reserve(merged.size() + without_id.size());
  for (auto& [id, item] : merged) out.push_back(std::move(item));
  for (auto& item : without_id) out.push_back(std::move(item));
  return out;
}

Result<std::optional<bj::object>> Client::get(std::string_view entity, Id id) {
  const std::string path = std::string(entity) + "/" + std::to_string(id);
  auto url = entity_url(path);
  if (!url) return std::move(url).error();
  auto r = send(http::Method::kGet, *url, {});
  if (!r) return std::move(r).error();
  if (r->status == 404 && is_json_response(*r)) return std::optional<bj::object>();
  if (auto e = classify_response(*r, "GET " + path,
                                 {options_.credentials.secret, options_.credentials.username,
                                  options_.credentials.integration_code})) {
    return std::move(*e);
  }
  auto v = json::parse(r->body);
  if (!v || !v->is_object()) return Error(ErrorCode::kProtocol, "GET " + path + ": not JSON");
  const bj::value* item = json::find_ci(v->get_object(), "item");
  if (!item || item->is_null()) return std::optional<bj::object>();
  if (!item->is_object()) return Error(ErrorCode::kProtocol, "GET " + path + ": item is not an object");
  return std::optional<bj::object>(item->get_object());
}

Result<Id> Client::create(std::string_view path, const bj::object& body) {
  auto url = entity_url(path);
  if (!url) return std::move(url).error();
  const std::string context = "POST " + std::string(path);
  auto r = send(http::Method::kPost, *url, json::serialize(body));
  if (!r) return std::move(r).error();
  if (auto e = classify_response(*r, context,
                                 {options_.credentials.secret, options_.credentials.username,
                                  options_.credentials.integration_code})) {
    return std::move(*e);
  }
  auto v = json::parse(r->body);
  if (!v || !v->is_object()) {
    Error e(ErrorCode::kProtocol, context + ": the answer is not a JSON object");
    e.request_sent = true;
    return e;
  }
  auto id = json::read_int(v->get_object(), "itemId", context);
  if (!id || !id->has_value()) {
    Error e(ErrorCode::kProtocol, context + ": the answer has no itemId");
    e.request_sent = true;
    e.http_status = r->status;
    return e;
  }
  return **id;
}

}  // namespace autotask_sync
