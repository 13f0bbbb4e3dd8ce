// Entity metadata: the input answers both entityInformation ({"info": ...}) and
// entityInformation/fields ({"fields": [...]} with picklists); a picklist lookup then reads it.
#include "fuzz_support.hpp"

#include <autotask_sync/client/metadata.hpp>
#include <autotask_sync/model/json_util.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(autotask_fuzz::text(data, size));
  autotask_fuzz::MockClient mock{body};
  (void)mock.client->entity_info("Contracts");
  auto fields = mock.client->fields("Contracts");
  if (fields) (void)autotask_sync::find_field(*fields, "status");
  (void)mock.client->picklist_value("Contracts", "status", "Active");
  (void)mock.client->picklist_value("Contracts", "contractType", "7");

  // The decoders on their own too, for inputs the client refuses before decoding.
  if (auto value = autotask_sync::json::parse(body)) {
    (void)autotask_sync::EntityInfo::from_json(*value);
    (void)autotask_sync::fields_from_json(*value);
    (void)autotask_sync::FieldInfo::from_json(*value);
  }
  return 0;
}
