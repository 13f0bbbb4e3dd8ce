// atsync_sync_run's input JSON ({"mappings": [...], "usage": [...]}) through the C API.
// The client never reaches a server (capi_offline_client.hpp).
#include "capi_offline_client.hpp"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  atsync_client* client = autotask_fuzz::offline_client();
  char* report = nullptr;
  std::size_t report_len = 0;
  const atsync_status status =
      atsync_sync_run(client, reinterpret_cast<const char*>(data), size, 1, &report, &report_len);
  if (status == ATSYNC_OK) {
    if (report == nullptr || std::strlen(report) != report_len) autotask_fuzz::invariant_broken();
  } else if (report != nullptr || std::strlen(atsync_last_error_message()) == 0) {
    autotask_fuzz::invariant_broken();
  }
  atsync_string_free(report);
  return 0;
}
