#include <autotask_sync/core/logger.hpp>
#include <autotask_sync/core/result.hpp>

#include <string>

namespace autotask_sync {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kTransport:
      return "transport";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kAuthentication:
      return "authentication";
    case ErrorCode::kPermission:
      return "permission";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kValidation:
      return "validation";
    case ErrorCode::kRateLimited:
      return "rate_limited";
    case ErrorCode::kThreadLimit:
      return "thread_limit";
    case ErrorCode::kOutage:
      return "outage";
    case ErrorCode::kSecurity:
      return "security";
    case ErrorCode::kProtocol:
      return "protocol";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kInternal:
      return "internal";
  }
  // A value outside the enum can only come from a cast of a foreign number (the C API); report
  // it as a defect rather than returning null to code that prints the result.
  return "internal";
}

std::string Error::describe() const {
  std::string text = to_string(code);
  if (http_status != 0) {
    text += ": HTTP ";
    text += std::to_string(http_status);
  }
  std::string details;
  auto append = [&details](const std::string& part) {
    if (part.empty()) return;
    if (!details.empty()) details += "; ";
    details += part;
  };
  append(message);
  for (const auto& server_error : server_errors) append(server_error);
  if (!details.empty()) {
    text += ": ";
    text += details;
  }
  return text;
}

const char* to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "off";
}

}  // namespace autotask_sync
