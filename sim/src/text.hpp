// Small text helpers shared by the simulator's parts.
#pragma once

#include <autotask_sync/core/result.hpp>
#include <autotask_sync/http/transport.hpp>

#include <string>
#include <string_view>

namespace autotask_sim::detail {

// ASCII case-insensitive equality: paths, entity and field names, JSON keys.
using autotask_sync::http::iequals;

// The whole file; kInvalidArgument naming `what` and the path when it cannot be read.
autotask_sync::Result<std::string> read_text_file(const std::string& path, std::string_view what);

// Unicode case folding with NFC composition, so "CAFÉ" and "café" compare equal the way a
// case-insensitive, accent-sensitive database collation does. Invalid UTF-8 is folded as ASCII.
std::string fold_case(std::string_view text);

}  // namespace autotask_sim::detail
