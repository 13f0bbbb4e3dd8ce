// Logging: the library never prints. Everything it has to say goes to a callback the host
// supplies, with a level. Lines are single sentences without credentials or request bodies.
#pragma once

#include <functional>
#include <string_view>

namespace autotask_sync {

enum class LogLevel : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

const char* to_string(LogLevel level) noexcept;

// Called from whichever thread logs; the callback must be thread-safe when the client is shared.
using LogCallback = std::function<void(LogLevel, std::string_view line)>;

// A callback plus the lowest level it wants. A default-constructed Logger drops everything.
class Logger {
 public:
  Logger() = default;
  Logger(LogCallback callback, LogLevel min_level)
      : callback_(std::move(callback)), min_level_(min_level) {}

  // Check before building an expensive line.
  bool enabled(LogLevel level) const noexcept {
    return callback_ && level >= min_level_ && level != LogLevel::kOff;
  }
  void log(LogLevel level, std::string_view line) const {
    if (enabled(level)) callback_(level, line);
  }
  void debug(std::string_view line) const { log(LogLevel::kDebug, line); }
  void info(std::string_view line) const { log(LogLevel::kInfo, line); }
  void warn(std::string_view line) const { log(LogLevel::kWarn, line); }
  void error(std::string_view line) const { log(LogLevel::kError, line); }

 private:
  LogCallback callback_;
  LogLevel min_level_ = LogLevel::kOff;
};

}  // namespace autotask_sync
