// Small text helpers shared by the simulator's parts.
#pragma once

#include <string>
#include <string_view>

namespace autotask_sim::detail {

// ASCII case-insensitive equality: paths, entity and field names, JSON keys.
bool iequals(std::string_view a, std::string_view b) noexcept;

// Unicode case folding with NFC composition, so "CAFÉ" and "café" compare equal the way a
// case-insensitive, accent-sensitive database collation does. Invalid UTF-8 is folded as ASCII.
std::string fold_case(std::string_view text);

}  // namespace autotask_sim::detail
