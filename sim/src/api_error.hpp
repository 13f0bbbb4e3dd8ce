// An error the simulator answers with: an HTTP status and the one text Autotask would put in its
// body. 401, 405 and 415 bodies are ASP.NET's {"Message": "..."}; every other status uses
// {"errors": ["..."]}.
#pragma once

#include <autotask_sync/core/result.hpp>

#include <string>

namespace autotask_sim::detail {

inline autotask_sync::Error api_error(int status, std::string text) {
  using autotask_sync::ErrorCode;
  ErrorCode code = ErrorCode::kValidation;
  if (status == 401) code = ErrorCode::kAuthentication;
  if (status == 404) code = ErrorCode::kNotFound;
  if (status == 405 || status == 415 || status == 501) code = ErrorCode::kUnsupported;
  autotask_sync::Error e(code, text);
  e.http_status = status;
  e.server_errors.push_back(std::move(text));
  return e;
}

inline autotask_sync::Error query_error(std::string text) {
  return api_error(500, std::move(text));
}

}  // namespace autotask_sim::detail
