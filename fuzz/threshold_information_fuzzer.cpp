// ThresholdInformation: the input is the answer to the budget poll.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  autotask_fuzz::MockClient mock{std::string(autotask_fuzz::text(data, size))};
  auto budget = mock.client->refresh_budget();
  if (budget) (void)budget->share();
  return 0;
}
