// Query pages: the input is the body of every page a listing gets, items and pageDetails with its
// nextPageUrl (the client follows it only to the zone's own origin, for a few pages here). Inputs
// of odd length page by id cursor instead; both end in typed decoding of the items.
#include "fuzz_support.hpp"

#include <autotask_sync/client/query.hpp>
#include <autotask_sync/model/entities.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  autotask_fuzz::MockClient mock{std::string(autotask_fuzz::text(data, size))};
  autotask_sync::Query query;
  query.filter.push_back(autotask_sync::Filter::eq("isActive", true));
  const auto paging =
      size % 2 == 0 ? autotask_sync::Paging::kNextPageUrl : autotask_sync::Paging::kIdCursor;
  auto items = mock.client->query("Companies", query, paging);
  if (items) {
    for (const auto& item : *items) (void)autotask_sync::Company::from_json(item);
  }
  auto count = mock.client->count("Companies", query);
  (void)count;
  auto one = mock.client->get("Contracts", 300);
  (void)one;
  return 0;
}
