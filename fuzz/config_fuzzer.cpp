// The config document (parse_config), with every environment variable set. What parses must
// hold no mapping or usage entry the validation should have refused.
#include "fuzz_support.hpp"

#include <autotask_sync/sync/config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name.empty()) return std::nullopt;
    return std::string("secret-from-") + name;
  };
  auto config = autotask_sync::parse_config(autotask_fuzz::text(data, size), env);
  if (!config) {
    if (config.error().message.empty()) autotask_fuzz::invariant_broken();
    return 0;
  }
  // The README's rules: every mapping names its org, usage counts whole users, 0 or more.
  for (const auto& mapping : config->mappings) {
    if (mapping.org_id.empty()) autotask_fuzz::invariant_broken();
  }
  for (const auto& usage : config->usage) {
    if (usage.high_water_mark < 0) autotask_fuzz::invariant_broken();
  }
  return 0;
}
