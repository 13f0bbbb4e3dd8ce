// atsync_client_create: the config JSON through the C API, which must fail with a status and a
// message, never crash or throw. Creating a client opens no connection.
//
// Inputs that name a device or kernel file are skipped: autotask.ca_file is read whole by design,
// and a config is the host's own file, so "/dev/zero" as a CA file is not an input to defend.
#include "fuzz_support.hpp"

#include "autotask_sync.h"

#include <cstring>

namespace {
[[maybe_unused]] const bool kNoSystemCaStore = autotask_fuzz::skip_system_ca_store();
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = autotask_fuzz::text(data, size);
  for (const char* special : {"/dev", "/proc", "/sys"}) {
    if (input.find(special) != std::string_view::npos) return -1;
  }
  atsync_client* client = nullptr;
  const atsync_status status =
      atsync_client_create(reinterpret_cast<const char*>(data), size, &client);
  if (status == ATSYNC_OK) {
    if (client == nullptr) autotask_fuzz::invariant_broken();
    (void)atsync_client_request_count(client);
    atsync_client_destroy(client);
  } else {
    if (client != nullptr) autotask_fuzz::invariant_broken();
    if (std::strlen(atsync_last_error_message()) == 0) autotask_fuzz::invariant_broken();
  }
  return 0;
}
