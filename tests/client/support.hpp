// What the client suites share: the test tenant's credentials and zone, JSON answers, and an
// injected clock that records every wait instead of sleeping.
#pragma once

#include <autotask_sync/client/policies.hpp>
#include <autotask_sync/http/transport.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace client_test {

namespace at = autotask_sync;
namespace http = autotask_sync::http;
using ms = std::chrono::milliseconds;
using sys_clock = std::chrono::system_clock;

inline const std::string kUser = "api.user@example.com";
inline const std::string kSecret = "Sx7#kQ2!vW9z";
inline const std::string kZoneUrl = "https://webservices5.autotask.net/ATServicesRest/";
inline const std::string kApi = kZoneUrl + "V1.0/";
inline const std::string kZoneBody =
    R"({"zoneName":"US East 5","url":"https://webservices5.autotask.net/ATServicesRest/",)"
    R"("webUrl":"https://ww5.autotask.net/","ci":29683616})";
inline const sys_clock::time_point kStart =
    std::chrono::sys_days{std::chrono::year{2026} / 3 / 10} + std::chrono::hours{12};

// A new integration code per call: the process-wide gates and budget are keyed by it, so tests
// that use their own code cannot see each other's state.
inline std::string fresh_code(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + std::to_string(++n) + "QXZ";
}

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

inline http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

struct FakeTime {
  struct State {
    std::mutex mutex;
    sys_clock::time_point now = kStart;
    std::vector<ms> waits;
  };
  std::shared_ptr<State> s = std::make_shared<State>();

  at::Environment environment(double random = 0.5) const {
    at::Environment e;
    auto st = s;
    e.now = [st] {
      std::lock_guard lock(st->mutex);
      return st->now;
    };
    e.sleep = [st](ms d) {
      std::lock_guard lock(st->mutex);
      st->waits.push_back(d);
      st->now += d;
    };
    e.random = [random] { return random; };
    return e;
  }
  void advance(ms d) const {
    std::lock_guard lock(s->mutex);
    s->now += d;
  }
  void set(sys_clock::time_point t) const {
    std::lock_guard lock(s->mutex);
    s->now = t;
  }
  // The recorded waits in milliseconds, comma-separated: "60000,60000".
  std::string waits() const {
    std::lock_guard lock(s->mutex);
    std::string out;
    for (const auto& w : s->waits) out += (out.empty() ? "" : ",") + std::to_string(w.count());
    return out;
  }
};

}  // namespace client_test
