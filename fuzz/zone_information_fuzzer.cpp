// zoneInformation: the input is the lookup's answer, read once through Autotask's own lookup
// (which may only name webservicesN.autotask.net zones) and once through a configured one.
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(autotask_fuzz::text(data, size));
  for (bool configured : {false, true}) {
    auto options = autotask_fuzz::quick_options();
    options.base_url.reset();
    if (configured) options.zone_lookup_url = "https://lookup.example.com/zoneInformation";
    autotask_fuzz::MockClient mock(body, options);
    auto zone = mock.client->zone();
    if (zone && zone->url.empty()) autotask_fuzz::invariant_broken();
  }
  return 0;
}
