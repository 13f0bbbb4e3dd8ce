// A C API client that can never reach a server, for the C API's input fuzz targets.
//
// Its base_url carries user information, which the HTTPS transport refuses before it connects
// (kSecurity, never retried): an input that passes validation reaches the run, whose first
// request then fails at once, so a harness exercises the whole input path and needs no network.
#pragma once

#include "fuzz_support.hpp"

#include "autotask_sync.h"

#include <string>

namespace autotask_fuzz {

inline atsync_client* offline_client() {
  [[maybe_unused]] static const bool no_system_ca_store = skip_system_ca_store();
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
      invariant_broken();
    }
    return created;
  }();
  return client;
}

}  // namespace autotask_fuzz
