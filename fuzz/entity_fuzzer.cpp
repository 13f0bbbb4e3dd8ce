// One entity's JSON decoder, chosen at build time with ATSYNC_FUZZ_ENTITY (Company, Contract,
// Service, ContractService, ContractServiceUnit, ContractServiceAdjustment, Mapping). The input is
// parsed as JSON and decoded; what decodes must encode, and its encoding must decode again.
#include "fuzz_support.hpp"

#include <autotask_sync/model/entities.hpp>
#include <autotask_sync/model/json_util.hpp>

#ifndef ATSYNC_FUZZ_ENTITY
#error "define ATSYNC_FUZZ_ENTITY to the entity type to fuzz"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using Entity = autotask_sync::ATSYNC_FUZZ_ENTITY;
  auto value = autotask_sync::json::parse(autotask_fuzz::text(data, size));
  if (!value) return 0;
  auto decoded = Entity::from_json(*value);
  if (!decoded) {
    if (decoded.error().message.empty()) autotask_fuzz::invariant_broken();
    return 0;
  }
  const boost::json::value encoded = decoded->to_json();
  (void)autotask_sync::json::serialize(encoded);
  if (!Entity::from_json(encoded)) autotask_fuzz::invariant_broken();
  return 0;
}
