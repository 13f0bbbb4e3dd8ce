// The plan file of `autotask-sync apply --plan` (Plan::from_json). What is accepted must survive
// a round trip: serialising the plan and reading it again gives the same JSON.
#include "fuzz_support.hpp"

#include <autotask_sync/model/json_util.hpp>
#include <autotask_sync/sync/plan.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto doc = autotask_sync::json::parse(autotask_fuzz::text(data, size));
  if (!doc) return 0;
  auto plan = autotask_sync::Plan::from_json(*doc);
  if (!plan) {
    if (plan.error().message.empty()) autotask_fuzz::invariant_broken();
    return 0;
  }
  const boost::json::object once = plan->to_json();
  auto again = autotask_sync::Plan::from_json(once);
  if (!again) autotask_fuzz::invariant_broken();
  if (autotask_sync::json::serialize(again->to_json()) != autotask_sync::json::serialize(once)) {
    autotask_fuzz::invariant_broken();
  }
  return 0;
}
