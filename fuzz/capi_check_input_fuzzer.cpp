// atsync_check_run's input JSON ({"mappings", "usage", "portal": {"orgs"}}) through the C API.
//
// The client's base_url carries user information, which the HTTPS transport refuses before it
// connects (kSecurity, never retried): an input that passes validation reaches the readiness check, whose
// first request then fails at once, so the harness exercises the whole input path and needs no
// network.
#include "fuzz_support.hpp"

#include "autotask_sync.h"

#include <cstring>

namespace {

[[maybe_unused]] const bool kNoSystemCaStore = autotask_fuzz::skip_system_ca_store();

atsync_client* offline_client() {
  static atsync_client* client = [] {
    const std::string config = R"({
      "autotask": {
        "username": "fuzz-user@example.com",
        "secret": "fuzz-secret",
        "integration_code": "FUZZ-INTEGRATION",
        "base_url": "https://nobody@127.0.0.1:9/ATServicesRest/"
      },
      "billing": {"time_zone": "UTC", "effective_date": "period"}
    })";
    atsync_client* created = nullptr;
    if (atsync_client_create(config.data(), config.size(), &created) != ATSYNC_OK) {
      autotask_fuzz::invariant_broken();
    }
    return created;
  }();
  return client;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atsync_client* client = offline_client();
  char* report = nullptr;
  std::size_t report_len = 0;
  const atsync_status status =
      atsync_check_run(client, reinterpret_cast<const char*>(data), size, &report, &report_len);
  if (status == ATSYNC_OK) {
    if (report == nullptr || std::strlen(report) != report_len) autotask_fuzz::invariant_broken();
  } else if (report != nullptr || std::strlen(atsync_last_error_message()) == 0) {
    autotask_fuzz::invariant_broken();
  }
  atsync_string_free(report);
  return 0;
}
