#include <autotask_sync/client/errors.hpp>
#include <autotask_sync/model/json_util.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <cctype>

namespace autotask_sync {
namespace bj = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

bool any_contains(const std::vector<std::string>& texts, std::string_view needle) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return contains_ci(t, needle); });
}

bool looks_like_html(std::string_view body) {
  auto start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  return body[start] == '<';
}

Error make(ErrorCode code, std::string message, const http::Response& r,
           std::vector<std::string> texts) {
  Error e(code, std::move(message));
  e.http_status = r.status;
  e.server_errors = std::move(texts);
  e.request_sent = true;
  return e;
}

}  // namespace

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    // The raw text and the percent-encoded spellings a URL or form may carry: hex digits in
    // either case, and a space as "%20" or "+".
    const std::string encoded = boost::urls::encode(s, boost::urls::unreserved_chars);
    std::string lower_hex = encoded;
    for (std::size_t i = 0; i + 2 < lower_hex.size(); ++i) {
      if (lower_hex[i] != '%') continue;
      for (std::size_t k = i + 1; k <= i + 2; ++k) {
        lower_hex[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower_hex[k])));
      }
    }
    auto space_as_plus = [](std::string form) {
      for (auto pos = form.find("%20"); pos != std::string::npos; pos = form.find("%20", pos + 1)) {
        form.replace(pos, 3, "+");
      }
      return form;
    };
    std::vector<std::string> forms{s};
    for (const std::string& form :
         {encoded, lower_hex, space_as_plus(encoded), space_as_plus(lower_hex)}) {
      if (std::find(forms.begin(), forms.end(), form) == forms.end()) forms.push_back(form);
    }
    for (const auto& form : forms) {
      for (auto pos = text.find(form); pos != std::string::npos; pos = text.find(form, pos + 3)) {
        text.replace(pos, form.size(), "***");
      }
    }
  }
  return text;
}

std::vector<std::string> server_error_texts(std::string_view body) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  bj::value v = bj::parse(bj::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return out;
  const bj::object& o = v.get_object();
  if (const bj::value* errors = json::find_ci(o, "errors"); errors && errors->is_array()) {
    for (const auto& e : errors->get_array()) {
      if (e.is_string()) {
        out.emplace_back(e.get_string());
      } else if (e.is_object()) {
        if (const bj::value* m = json::find_ci(e.get_object(), "message"); m && m->is_string()) {
          out.emplace_back(m->get_string());
        }
      }
    }
  }
  if (out.empty()) {
    if (const bj::value* m = json::find_ci(o, "Message"); m && m->is_string()) {
      out.emplace_back(m->get_string());
    }
  }
  return out;
}

bool is_json_response(const http::Response& response) {
  if (auto ct = response.headers.get("Content-Type")) {
    if (contains_ci(*ct, "json")) return true;
    if (contains_ci(*ct, "html")) return false;
  }
  return !looks_like_html(response.body);
}

std::optional<Error> classify_response(const http::Response& r, std::string_view context,
                                       const std::vector<std::string>& secrets) {
  const bool json_body = is_json_response(r);
  std::vector<std::string> texts =
      json_body ? server_error_texts(r.body) : std::vector<std::string>{};
  for (auto& t : texts) t = redact(std::move(t), secrets);
  const std::string where(context);
  const std::string status = "HTTP " + std::to_string(r.status);

  if (any_contains(texts, "thread threshold") || any_contains(texts, "itgenatr005") ||
      any_contains(texts, "thread limit")) {
    return make(ErrorCode::kThreadLimit,
                where + ": Autotask's limit of concurrent requests per endpoint was exceeded (" +
                    status + ")",
                r, std::move(texts));
  }
  if (r.status >= 200 && r.status < 300) {
    if (!json_body) {
      return make(ErrorCode::kOutage,
                  where + ": Autotask answered with an HTML page instead of JSON (" + status +
                      "); it is probably in maintenance",
                  r, {});
    }
    return std::nullopt;
  }
  if (!json_body) {
    return make(ErrorCode::kOutage,
                where + ": Autotask answered " + status +
                    " with an HTML page; it is probably in maintenance or unavailable",
                r, {});
  }
  if (r.status == 429) {
    return make(ErrorCode::kRateLimited,
                where + ": the tenant's hourly Autotask request budget is spent (" + status + ")",
                r, std::move(texts));
  }
  if (r.status == 401) {
    return make(
        ErrorCode::kAuthentication,
        where + ": Autotask refused the credentials (" + status + "); check the API user's secret",
        r, std::move(texts));
  }
  if (any_contains(texts, "zone information could not be determined")) {
    return make(ErrorCode::kAuthentication,
                where +
                    ": Autotask does not know this API username (use the API user's key, "
                    "not a person's e-mail address)",
                r, std::move(texts));
  }
  if (any_contains(texts, "integrationcode is invalid")) {
    return make(ErrorCode::kAuthentication,
                where + ": Autotask rejected the integration code (API tracking identifier)", r,
                std::move(texts));
  }
  if (r.status == 403) {
    return make(ErrorCode::kPermission,
                where + ": the API user's security level does not allow this (" + status + ")", r,
                std::move(texts));
  }
  if (r.status == 404) {
    return make(ErrorCode::kNotFound, where + ": not found (" + status + ")", r, std::move(texts));
  }
  if (r.status == 405) {
    return make(ErrorCode::kProtocol,
                where + ": Autotask does not allow this method on this path (" + status + ")", r,
                std::move(texts));
  }
  if (r.status == 409) {
    return make(ErrorCode::kConflict, where + ": conflict (" + status + ")", r, std::move(texts));
  }
  if (r.status == 502 || r.status == 503 || r.status == 504) {
    return make(ErrorCode::kOutage, where + ": Autotask is unavailable (" + status + ")", r,
                std::move(texts));
  }
  if (r.status >= 500 && texts.empty()) {
    return make(ErrorCode::kOutage, where + ": Autotask failed without a reason (" + status + ")",
                r, {});
  }
  return make(ErrorCode::kValidation, where + ": Autotask refused the request (" + status + ")", r,
              std::move(texts));
}

}  // namespace autotask_sync
