#include <autotask_sync/client/client.hpp>
#include <autotask_sync/client/errors.hpp>
#include <autotask_sync/model/json_util.hpp>

#include "client/limiter.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <set>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

// scheme://host:port of an absolute URL, with the scheme's default port made explicit.
struct Origin {
  std::string scheme, host, port;
  bool operator==(const Origin&) const = default;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<Origin> origin_of(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return std::nullopt;
  Origin o;
  o.scheme = lower(std::string(u->scheme()));
  o.host = lower(std::string(u->encoded_host()));
  o.port = u->has_port() ? std::string(u->port()) : (o.scheme == "https" ? "443" : "80");
  return o;
}

bool is_https_url(std::string_view url) {
  auto o = origin_of(url);
  return o && o->scheme == "https" && !o->host.empty();
}

// webservices<N>.autotask.net: the only zone hosts Autotask's own lookup may hand out.
bool is_autotask_zone_host(const std::string& host) {
  const std::string prefix = "webservices", suffix = ".autotask.net";
  if (host.size() <= prefix.size() + suffix.size()) return false;
  if (host.compare(0, prefix.size(), prefix) != 0) return false;
  if (host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  const std::string digits =
      host.substr(prefix.size(), host.size() - prefix.size() - suffix.size());
  return !digits.empty() &&
         std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_autotask_lookup(std::string_view url) {
  auto o = origin_of(url);
  return o && (o->host == "webservices.autotask.net" || is_autotask_zone_host(o->host));
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

// The endpoint Autotask counts concurrent requests under: the first path segment after V1.0/.
std::string endpoint_of(std::string_view path) {
  return lower(std::string(path.substr(0, path.find('/'))));
}

std::optional<Id> item_id(const bj::object& item) {
  auto id = json::read_int(item, "id", "item");
  if (id && id->has_value()) return **id;
  return std::nullopt;
}

// Which top-level condition of q is too large for one request, if any.
std::optional<std::size_t> oversized_condition(const Query& q) {
  for (std::size_t i = 0; i < q.filter.size(); ++i) {
    const Filter& f = q.filter[i];
    if (f.is_group() && f.is_or() && f.items().size() > 500) return i;
    if (!f.is_group() && (*f.op() == Op::kIn || *f.op() == Op::kNotIn) && f.value().is_array() &&
        f.value().get_array().size() > 500) {
      return i;
    }
  }
  return std::nullopt;
}

// "High, Medium, Low": the labels a user may choose from, for error messages.
std::string active_labels(const FieldInfo& f) {
  std::string out;
  for (const auto& v : f.picklist_values) {
    if (v.is_active) out += (out.empty() ? "" : ", ") + v.label;
  }
  return out;
}

std::vector<bj::object> sorted_by_id(std::map<Id, bj::object>&& items) {
  std::vector<bj::object> out;
  out.reserve(items.size());
  for (auto& [id, item] : items) out.push_back(std::move(item));
  return out;
}

}  // namespace

struct Client::Call {
  http::Method method = http::Method::kGet;
  std::string path;          // under V1.0/, rebuilt on the current zone for every attempt
  std::string absolute_url;  // instead of path: a nextPageUrl already checked against the zone
  std::string body;
  RequestKind kind = RequestKind::kRead;
  std::string context;  // names the call in messages
  bool budgeted = true;
};

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
  if (options.retry.max_attempts < 1) options.retry.max_attempts = 1;
  if (options.limits.max_in_flight_per_endpoint < 1) options.limits.max_in_flight_per_endpoint = 1;
  return std::shared_ptr<Client>(new Client(std::move(options), std::move(transport)));
}

std::vector<std::string> Client::secrets() const {
  return {options_.credentials.secret, options_.credentials.username,
          options_.credentials.integration_code};
}

Result<http::Response> Client::send_once(http::Method method, const std::string& url,
                                         const std::string& body, int attempt,
                                         bool with_credentials) {
  http::Request req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.headers.set("Accept", "application/json");
  if (!req.body.empty() || method == http::Method::kPost || method == http::Method::kPatch) {
    req.headers.set("Content-Type", "application/json; charset=utf-8");
  }

  // Credentials go only to the zone's own origin, and never to the zone lookup.
  const bool to_zone = with_credentials && [&] {
    std::lock_guard lock(zone_mutex_);
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
    // Headers only from an allow-list: never a credential, never a body.
    std::string line = std::string(http::to_string(method)) + " " + loggable_path(url) + " -> ";
    line += result ? std::to_string(result->status) : std::string(to_string(result.error().code));
    line += " in " + std::to_string(ms) + " ms (attempt " + std::to_string(attempt) + ")";
    if (result) {
      for (const char* name : {"Retry-After", "Content-Type"}) {
        if (auto v = result->headers.get(name))
          line += "; " + std::string(name) + ": " + std::string(*v);
      }
    }
    options_.logger.debug(redact(std::move(line), secrets()));
  }
  if (!result) {
    Error e = std::move(result).error();
    e.message = redact(std::move(e.message), secrets());
    return e;
  }
  return result;
}

Result<Zone> Client::lookup_zone() {
  boost::urls::url url(options_.zone_lookup_url);
  // Every reserved character is percent-encoded: a raw '+' would reach Autotask as a space.
  url.encoded_params().set(
      "user", boost::urls::encode(options_.credentials.username, boost::urls::unreserved_chars));
  auto r = send_once(http::Method::kGet, std::string(url.buffer()), {}, 1, false);
  if (!r) return std::move(r).error();
  if (auto e = classify_response(*r, "zone lookup", secrets())) {
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
  // Autotask's own lookup may only send us to one of its zones; a configured lookup is trusted.
  if (is_autotask_lookup(options_.zone_lookup_url)) {
    const auto zone_origin = origin_of(**url_field);
    if (!zone_origin || !is_autotask_zone_host(zone_origin->host) || zone_origin->port != "443") {
      return Error(ErrorCode::kSecurity,
                   "zone lookup: the zone " + (zone_origin ? zone_origin->host : std::string("?")) +
                       " is not an Autotask zone (https://webservicesN.autotask.net)");
    }
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
  options_.logger.info("Autotask zone " + z.zone_name + " at " + z.url);
  return z;
}

Result<Zone> Client::zone() {
  std::unique_lock lock(zone_mutex_);
  const auto now = options_.environment.current_time();
  if (zone_ && (options_.base_url || now < zone_expires_)) return *zone_;
  if (options_.base_url) {
    zone_ = Zone{"(configured)", *options_.base_url, "", 0};
    return *zone_;
  }
  lock.unlock();
  // One lookup at a time: a caller that arrives while one runs waits for its answer instead of
  // sending another. An expired zone stays in place until the new answer is in, so that requests
  // already built for it keep their credentials and their gates while the lookup runs.
  std::lock_guard lookup_lock(lookup_mutex_);
  lock.lock();
  if (zone_ && now < zone_expires_) return *zone_;
  lock.unlock();
  auto z = lookup_zone();  // a network call: not under zone_mutex_
  if (!z) return std::move(z).error();
  lock.lock();
  zone_ = *z;
  zone_expires_ = now + options_.zone_ttl;
  return *zone_;
}

void Client::forget_zone(const std::string& url) {
  // Expire rather than drop: requests already on their way keep their credentials until the
  // next lookup answers.
  std::lock_guard lock(zone_mutex_);
  if (zone_ && zone_->url == url) zone_expires_ = {};
}

std::string Client::tenant_key() const {
  std::lock_guard lock(zone_mutex_);
  const std::string base = zone_ ? lower(zone_->url) : lower(options_.zone_lookup_url);
  return base + "|" +
         std::to_string(std::hash<std::string>{}(options_.credentials.integration_code));
}

Result<std::string> Client::entity_url(std::string_view path) {
  auto z = zone();
  if (!z) {
    Error e = std::move(z).error();
    e.request_sent = false;  // the call itself never went out
    return e;
  }
  return z->url + "V1.0/" + std::string(path);
}

Result<BudgetStatus> Client::refresh_budget() {
  auto url = entity_url("ThresholdInformation");
  if (!url) return std::move(url).error();
  auto state = detail::BudgetState::for_key(tenant_key());
  Result<http::Response> r = [&] {
    // Autotask does not exempt this endpoint from thread limiting: poll it one at a time.
    detail::GateHold hold(detail::EndpointGate::for_key(tenant_key() + "|thresholdinformation"), 1);
    return send_once(http::Method::kGet, *url, {}, 1, true);
  }();
  const auto now = options_.environment.current_time();
  std::optional<Error> e = r ? classify_response(*r, "ThresholdInformation", secrets())
                             : std::optional<Error>(r.error());
  if (e) {
    state->finish_poll(std::nullopt, std::nullopt, now);
    return std::move(*e);
  }
  auto v = json::parse(r->body);
  std::optional<std::int64_t> threshold, used;
  if (v && v->is_object()) {
    if (auto t =
            json::read_int(v->get_object(), "externalRequestThreshold", "ThresholdInformation");
        t && t->has_value()) {
      threshold = **t;
    }
    if (auto c =
            json::read_int(v->get_object(), "currentTimeframeRequestCount", "ThresholdInformation");
        c && c->has_value()) {
      used = **c;
    }
  }
  state->finish_poll(threshold, used, now);
  if (!threshold || !used) {
    return Error(ErrorCode::kProtocol, "ThresholdInformation: the answer has no request counts");
  }
  options_.logger.debug("hourly request budget: " + std::to_string(*used) + " of " +
                        std::to_string(*threshold) + " used");
  return BudgetStatus{*threshold, *used};
}

std::optional<BudgetStatus> Client::budget() const {
  const auto snap = detail::BudgetState::for_key(tenant_key())->snapshot();
  if (!snap.threshold || !snap.used) return std::nullopt;
  return BudgetStatus{*snap.threshold, *snap.used + snap.sent_since_poll};
}

Result<void> Client::check_budget() {
  const LimitPolicy& p = options_.limits;
  if (!p.watch_budget) return {};
  auto state = detail::BudgetState::for_key(tenant_key());
  if (state->begin_poll(p, options_.environment.current_time())) {
    // A failed poll leaves the last known figures in place; the call itself goes on.
    (void)refresh_budget();
  } else {
    state->wait_for_first_poll(std::chrono::seconds(30));
  }
  const auto snap = state->snapshot();
  if (snap.threshold && snap.used && *snap.threshold > 0) {
    const std::int64_t used = *snap.used + snap.sent_since_poll;
    const double share = static_cast<double>(used) / static_cast<double>(*snap.threshold);
    if (share >= p.stop_share) {
      Error e(ErrorCode::kRateLimited,
              "the tenant has used " + std::to_string(used) + " of its " +
                  std::to_string(*snap.threshold) +
                  " Autotask requests this hour; autotask_sync stops at " +
                  std::to_string(static_cast<int>(p.stop_share * 100)) +
                  "% so that the other integrations on the tenant keep working; run again later");
      e.retry_after = std::chrono::minutes(10);
      options_.logger.warn(e.message);
      return e;
    }
    if (share >= p.slow_down_share) options_.environment.wait(p.slow_down_delay);
  }
  state->count_request();
  return {};
}

Result<http::Response> Client::call(Call& c) {
  bool relooked = false;
  std::chrono::milliseconds waited{0};
  for (int attempt = 1;; ++attempt) {
    std::string url = c.absolute_url;
    if (url.empty()) {
      auto u = entity_url(c.path);
      if (!u) return std::move(u).error();
      url = std::move(*u);
    }
    if (c.budgeted) {
      if (auto b = check_budget(); !b) return std::move(b).error();
    }

    const std::string endpoint =
        endpoint_of(c.path.empty() ? std::string_view(c.context) : std::string_view(c.path));
    Result<http::Response> r = [&] {
      detail::GateHold hold(detail::EndpointGate::for_key(tenant_key() + "|" + endpoint),
                            options_.limits.max_in_flight_per_endpoint);
      return send_once(c.method, url, c.body, attempt, true);
    }();
    std::optional<Error> e =
        r ? classify_response(*r, c.context, secrets()) : std::optional<Error>(r.error());
    if (!e) return r;
    if (r) {
      if (auto ra = r->headers.get("Retry-After")) {
        e->retry_after = parse_retry_after(*ra, options_.environment.current_time());
      }
    }

    // A 401 may mean the tenant moved to another zone: look it up again once.
    if (e->code == ErrorCode::kAuthentication && e->http_status == 401 && !relooked &&
        !options_.base_url && c.absolute_url.empty()) {
      relooked = true;
      const std::string old_zone = url.substr(0, url.size() - c.path.size() - 5);
      forget_zone(old_zone);
      options_.logger.info(c.context + ": HTTP 401; looking the zone up again");
      continue;
    }
    if (attempt >= options_.retry.max_attempts || !options_.retry.retryable(*e, c.kind)) {
      // A rate or thread limit that outlasted the attempts still says when to come back.
      if (!e->retry_after &&
          (e->code == ErrorCode::kRateLimited || e->code == ErrorCode::kThreadLimit)) {
        e->retry_after =
            options_.backoff.delay(attempt, *e, std::nullopt, options_.environment.uniform());
      }
      return std::move(*e);
    }
    const auto wait =
        options_.backoff.delay(attempt, *e, e->retry_after, options_.environment.uniform());
    if (waited + wait > options_.retry.total_budget) {
      e->message += "; not retried: the wait of " + std::to_string(wait.count() / 1000) +
                    " s would pass the retry budget";
      if (!e->retry_after) e->retry_after = wait;
      return std::move(*e);
    }
    options_.logger.info(c.context + ": " + to_string(e->code) + ", retrying in " +
                         std::to_string(wait.count()) + " ms (attempt " +
                         std::to_string(attempt + 1) + " of " +
                         std::to_string(options_.retry.max_attempts) + ")");
    options_.environment.wait(wait);
    waited += wait;
  }
}

Result<std::vector<bj::object>> Client::query_pages(std::string_view entity, const Query& q,
                                                    Paging paging) {
  if (auto valid = q.validate(); !valid) return std::move(valid).error();
  auto first_url = entity_url(std::string(entity) + "/query");
  if (!first_url) return std::move(first_url).error();
  const std::string context = "query " + std::string(entity);
  const auto zone_origin = origin_of(*first_url);

  std::vector<bj::object> items;
  Query page_query = q;
  const int page_size = q.max_records.value_or(500);
  std::optional<Id> last_id;
  std::string next;  // a nextPageUrl, once page 1 is in
  for (std::size_t page = 1;; ++page) {
    if (page > options_.max_pages) {
      return Error(ErrorCode::kProtocol, context + ": more than " +
                                             std::to_string(options_.max_pages) +
                                             " pages; the listing was stopped");
    }
    Call c;
    c.method = http::Method::kPost;
    c.kind = RequestKind::kRead;
    c.context = context + " (page " + std::to_string(page) + ")";
    if (paging == Paging::kIdCursor) {
      page_query = q;
      page_query.max_records = page_size;
      if (last_id) page_query.filter.push_back(Filter::condition(Op::kGt, "id", *last_id));
      c.path = std::string(entity) + "/query";
      c.body = json::serialize(page_query.to_json());
    } else {
      c.body = json::serialize(q.to_json());
      if (next.empty()) {
        c.path = std::string(entity) + "/query";
      } else {
        c.absolute_url = next;
        c.path = std::string(entity) + "/query/next";
      }
    }
    auto r = call(c);
    if (!r) return std::move(r).error();

    auto v = json::parse(r->body);
    if (!v || !v->is_object()) {
      return Error(ErrorCode::kProtocol, context + ": the answer is not a JSON object");
    }
    const bj::object& o = v->get_object();
    const bj::value* page_items = json::find_ci(o, "items");
    if (!page_items || !page_items->is_array()) {
      return Error(ErrorCode::kProtocol, context + ": the answer has no items array");
    }
    std::size_t count = 0;
    for (const auto& item : page_items->get_array()) {
      if (!item.is_object()) {
        return Error(ErrorCode::kProtocol, context + ": an item is not a JSON object");
      }
      if (auto id = item_id(item.get_object()); id && (!last_id || *id > *last_id)) last_id = id;
      items.push_back(item.get_object());
      ++count;
    }

    if (paging == Paging::kIdCursor) {
      if (count < static_cast<std::size_t>(page_size)) return items;
      if (!last_id) return Error(ErrorCode::kProtocol, context + ": items carry no id to page by");
      continue;
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
                         secrets()) +
                  "); refusing to send credentials there");
      e.request_sent = false;
      options_.logger.warn(e.message);
      return e;
    }
  }
}

Result<std::vector<bj::object>> Client::query(std::string_view entity, const Query& q,
                                              Paging paging) {
  const auto big = oversized_condition(q);
  if (!big) {
    auto items = query_pages(entity, q, paging);
    if (!items) return items;
    std::map<Id, bj::object> by_id;
    std::vector<bj::object> without_id;
    for (auto& item : *items) {
      if (auto id = item_id(item)) {
        by_id.emplace(*id, std::move(item));
      } else {
        without_id.push_back(std::move(item));
      }
    }
    auto out = sorted_by_id(std::move(by_id));
    for (auto& item : without_id) out.push_back(std::move(item));
    return out;
  }

  // Split the oversized condition into parts of at most 500 and combine the parts' results:
  // `in` and or-groups by union, `notIn` by intersection.
  const Filter& f = q.filter[*big];
  std::vector<Filter> parts;
  bool intersect = false;
  if (f.is_group()) {
    const auto& items = f.items();
    for (std::size_t i = 0; i < items.size(); i += 500) {
      const auto end = std::min(items.size(), i + 500);
      parts.push_back(
          Filter::any_of(std::vector<Filter>(items.begin() + static_cast<std::ptrdiff_t>(i),
                                             items.begin() + static_cast<std::ptrdiff_t>(end))));
    }
  } else {
    intersect = *f.op() == Op::kNotIn;
    const bj::array& values = f.value().get_array();
    for (std::size_t i = 0; i < values.size(); i += 500) {
      bj::array chunk(
          values.begin() + static_cast<std::ptrdiff_t>(i),
          values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), i + 500)));
      Filter part = Filter::condition(*f.op(), f.field(), std::move(chunk));
      if (f.is_udf()) part.udf();
      parts.push_back(std::move(part));
    }
  }

  std::map<Id, bj::object> merged;
  std::map<Id, std::size_t> seen;
  for (const auto& part : parts) {
    Query sub = q;
    sub.filter[*big] = part;
    auto items = query(entity, sub, paging);
    if (!items) return std::move(items).error();
    for (auto& item : *items) {
      const auto id = item_id(item);
      if (!id)
        return Error(ErrorCode::kProtocol,
                     "query " + std::string(entity) + ": items carry no id to merge by");
      if (++seen[*id] == 1) merged.emplace(*id, std::move(item));
    }
  }
  if (intersect) {
    for (auto it = merged.begin(); it != merged.end();) {
      it = seen[it->first] == parts.size() ? std::next(it) : merged.erase(it);
    }
  }
  return sorted_by_id(std::move(merged));
}

Result<std::vector<bj::object>> Client::query_in(std::string_view entity, const std::string& field,
                                                 const std::vector<std::int64_t>& ids,
                                                 const Query& extra) {
  if (ids.empty()) return std::vector<bj::object>();
  std::vector<std::int64_t> unique = ids;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  Query q = extra;
  q.filter.push_back(Filter::in(field, unique));
  return query(entity, q);
}

Result<std::int64_t> Client::count(std::string_view entity, const Query& q) {
  if (auto valid = q.validate(); !valid) return std::move(valid).error();
  Call c;
  c.method = http::Method::kPost;
  c.path = std::string(entity) + "/query/count";
  c.body = json::serialize(q.to_json());
  c.context = "count " + std::string(entity);
  auto r = call(c);
  if (!r) return std::move(r).error();
  auto v = json::parse(r->body);
  if (v && v->is_object()) {
    if (auto n = json::read_int(v->get_object(), "queryCount", c.context); n && n->has_value()) {
      return **n;
    }
  }
  return Error(ErrorCode::kProtocol, c.context + ": the answer has no queryCount");
}

Result<std::optional<bj::object>> Client::get(std::string_view entity, Id id) {
  Call c;
  c.method = http::Method::kGet;
  c.path = std::string(entity) + "/" + std::to_string(id);
  c.context = "GET " + c.path;
  auto r = call(c);
  if (!r) {
    if (r.error().code == ErrorCode::kNotFound) return std::optional<bj::object>();
    return std::move(r).error();
  }
  auto v = json::parse(r->body);
  if (!v || !v->is_object()) return Error(ErrorCode::kProtocol, c.context + ": not JSON");
  const bj::value* item = json::find_ci(v->get_object(), "item");
  if (!item || item->is_null()) return std::optional<bj::object>();
  if (!item->is_object()) return Error(ErrorCode::kProtocol, c.context + ": item is not an object");
  return std::optional<bj::object>(item->get_object());
}

Result<Id> Client::create(std::string_view path, const bj::object& body) {
  Call c;
  c.method = http::Method::kPost;
  c.path = std::string(path);
  c.body = json::serialize(body);
  c.kind = RequestKind::kCreate;
  c.context = "POST " + std::string(path);
  auto r = call(c);
  if (!r) return std::move(r).error();
  auto v = json::parse(r->body);
  if (!v || !v->is_object()) {
    Error e(ErrorCode::kProtocol, c.context + ": the answer is not a JSON object");
    e.request_sent = true;
    return e;
  }
  auto id = json::read_int(v->get_object(), "itemId", c.context);
  if (!id || !id->has_value()) {
    Error e(ErrorCode::kProtocol, c.context + ": the answer has no itemId");
    e.request_sent = true;
    e.http_status = r->status;
    return e;
  }
  return **id;
}

Result<void> Client::update(std::string_view path, Id id, const bj::object& fields) {
  bj::object body = fields;
  body["id"] = id;
  Call c;
  c.method = http::Method::kPatch;
  c.path = std::string(path);
  c.body = json::serialize(body);
  c.kind = RequestKind::kUpdate;
  c.context = "PATCH " + std::string(path) + " id " + std::to_string(id);
  auto r = call(c);
  if (!r) return std::move(r).error();
  return {};
}

Result<bool> Client::update_changed(std::string_view path, Id id, const bj::object& before,
                                    const bj::object& after) {
  bj::object changes;
  for (const auto& kv : after) {
    if (lower(std::string(kv.key())) == "id") continue;
    const bj::value* old = json::find_ci(before, kv.key());
    if (!old || *old != kv.value()) changes[kv.key()] = kv.value();
  }
  if (changes.empty()) return false;
  auto r = update(path, id, changes);
  if (!r) return std::move(r).error();
  return true;
}

Result<bj::value> Client::get_metadata(std::string path) {
  Call c;
  c.path = std::move(path);
  c.context = "GET " + c.path;
  auto r = call(c);
  if (!r) return std::move(r).error();
  return json::parse(r->body);
}

Result<EntityInfo> Client::entity_info(std::string_view entity) {
  const auto now = options_.environment.current_time();
  {
    std::lock_guard lock(metadata_mutex_);
    if (auto it = info_cache_.find(entity); it != info_cache_.end() && now < it->second.expires) {
      return it->second.info;
    }
  }
  auto v = get_metadata(std::string(entity) + "/entityInformation");
  if (!v) return std::move(v).error();
  auto info = EntityInfo::from_json(*v);
  if (!info) return info;
  std::lock_guard lock(metadata_mutex_);
  info_cache_[std::string(entity)] = CachedInfo{*info, now + options_.metadata_ttl};
  return info;
}

Result<std::vector<FieldInfo>> Client::load_fields(std::string_view entity, bool force) {
  const auto now = options_.environment.current_time();
  if (!force) {
    std::lock_guard lock(metadata_mutex_);
    if (auto it = fields_cache_.find(entity);
        it != fields_cache_.end() && now < it->second.expires) {
      return it->second.fields;
    }
  }
  auto v = get_metadata(std::string(entity) + "/entityInformation/fields");
  if (!v) return std::move(v).error();
  auto fields = fields_from_json(*v);
  if (!fields) return fields;
  std::lock_guard lock(metadata_mutex_);
  fields_cache_[std::string(entity)] = CachedFields{*fields, now + options_.metadata_ttl};
  return fields;
}

Result<std::vector<FieldInfo>> Client::fields(std::string_view entity) {
  return load_fields(entity, false);
}

Result<std::int64_t> Client::picklist_value(std::string_view entity, std::string_view field,
                                            std::string_view label_or_value) {
  const std::string wanted = lower(std::string(label_or_value));
  for (int pass = 0; pass < 2; ++pass) {
    // The second pass refreshes the cache once: the value may have been added since.
    auto fields = load_fields(entity, pass == 1);
    if (!fields) return std::move(fields).error();
    const FieldInfo* f = find_field(*fields, field);
    if (!f) {
      if (pass == 0) continue;
      return Error(ErrorCode::kInvalidArgument,
                   std::string(entity) + " has no field '" + std::string(field) + "'");
    }
    if (!f->is_picklist) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(entity) + "." + f->name + " is not a picklist");
    }
    // An active match wins over an inactive one with the same label.
    const PicklistValue* match = nullptr;
    for (const auto& pv : f->picklist_values) {
      if (lower(pv.label) != wanted && pv.value != label_or_value) continue;
      if (!match || (pv.is_active && !match->is_active)) match = &pv;
    }
    if (match) {
      const PicklistValue& pv = *match;
      if (!pv.is_active) {
        const std::string active = active_labels(*f);
        return Error(ErrorCode::kInvalidArgument,
                     std::string(entity) + "." + f->name + ": '" + pv.label +
                         "' is inactive in this tenant; active values: " + active);
      }
      try {
        return std::stoll(pv.value);
      } catch (...) {
        return Error(ErrorCode::kProtocol, std::string(entity) + "." + f->name +
                                               ": picklist value '" + pv.value +
                                               "' is not an integer");
      }
    }
    if (pass == 1) {
      const std::string active = active_labels(*f);
      return Error(ErrorCode::kInvalidArgument, std::string(entity) + "." + f->name +
                                                    ": no value '" + std::string(label_or_value) +
                                                    "'; active values: " + active);
    }
  }
  return Error(ErrorCode::kInternal, "picklist lookup fell through");
}

}  // namespace autotask_sync
