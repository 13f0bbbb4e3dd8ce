// ContractServiceAdjustments: validating one and applying it to the contract service's units rows
// the way Autotask does, including creating a contract service when the contract has none for the
// service (the implicit line an integration must avoid).
#pragma once

#include "store.hpp"

#include <autotask_sim/simulator.hpp>
#include <autotask_sync/core/result.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace autotask_sim::detail {

struct AdjustmentRules {
  EffectiveDateRule effective_date_rule = EffectiveDateRule::kDatePart;
  std::chrono::minutes database_utc_offset{0};
  SameDateAdjustments same_date = SameDateAdjustments::kAccumulate;
  std::string
      modified_stamp;  // "YYYY-MM-DDThh:mm:ss" written to the contract's lastModifiedDateTime
};

// Applies the adjustment in `body` and records it; returns the new adjustment's id. When the
// request came through Contracts/{id}/ServiceAdjustments, `path_contract_id` is that id. Errors
// carry http_status 500 and a message naming the field; on error nothing has changed.
autotask_sync::Result<std::int64_t> apply_adjustment(Store& store, const boost::json::object& body,
                                                     std::optional<std::int64_t> path_contract_id,
                                                     const AdjustmentRules& rules);

}  // namespace autotask_sim::detail
