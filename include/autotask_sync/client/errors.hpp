// How Autotask's answers map to typed errors. Autotask reports most failures as HTTP 500 with an
// `errors[]` body, bad credentials partly as 500 too, and outages as HTML pages (sometimes with
// status 200), so the status alone does not say what happened.
#pragma once

#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/transport.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autotask_sync {

// The `errors[]` texts of a body (strings, or objects with a "message"), or the ASP.NET
// {"Message": "..."} form; empty when the body has neither.
std::vector<std::string> server_error_texts(std::string_view body);

// Whether the response is Autotask's JSON rather than an HTML or other page.
bool is_json_response(const http::Response& response);

// The typed error for a response that is not a success, or nullopt when it is a usable 2xx JSON
// response. `context` names the call for the message ("POST Contracts/300/ServiceAdjustments").
// Texts are passed through `redact` before they are stored.
std::optional<Error> classify_response(const http::Response& response, std::string_view context,
                                       const std::vector<std::string>& secrets);

// Replaces every occurrence of each non-empty secret (and its URL-encoded form) with "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

}  // namespace autotask_sync
