// Helpers the HTTP suites share: text search, temporary PEM files and test certificates.
#pragma once

#include "sim/tls_certificate.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

namespace http_test {

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A file in the temporary directory, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("autotask_sync_http_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++) + ".pem");
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline autotask_sim::CertificatePair make_certificate(
    const std::vector<std::string>& dns = {"localhost"},
    const std::vector<std::string>& ips = {"127.0.0.1"}) {
  auto pair = autotask_sim::make_self_signed_certificate(dns, ips);
  REQUIRE(pair.ok());
  return *pair;
}

}  // namespace http_test
