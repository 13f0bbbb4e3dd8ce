// Helpers shared by the integration tests.
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace integration {

// A file's whole text; empty when it cannot be read.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// 2026-12-03 10:00 UTC: December's rows of the fixtures are open, November's posted.
inline std::chrono::system_clock::time_point run_time() {
  using namespace std::chrono;
  return sys_days{year{2026} / 12 / 3} + hours{10};
}

}  // namespace integration
