// Error bodies: the input is the body of a response classified under each status Autotask uses
// for failures (and 200, where an HTML outage page can also arrive), as JSON and as HTML, and
// read for its errors[] texts. The redacted texts must never hold the secret.
#include "fuzz_support.hpp"

#include <autotask_sync/client/errors.hpp>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(autotask_fuzz::text(data, size));
  const std::vector<std::string> secrets = {"fuzz-secret", "fuzz-user@example.com"};
  (void)autotask_sync::server_error_texts(body);
  for (const char* type : {"application/json; charset=utf-8", "text/html"}) {
    for (int status : {200, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504}) {
      autotask_sync::http::Response response;
      response.status = status;
      response.headers.set("Content-Type", type);
      response.headers.set("Retry-After", "30");
      response.body = body;
      (void)autotask_sync::is_json_response(response);
      auto error = autotask_sync::classify_response(response, "POST Companies/query", secrets);
      if (!error) continue;
      const std::string described = error->describe();
      if (described.find("fuzz-secret") != std::string::npos) autotask_fuzz::invariant_broken();
    }
  }
  return 0;
}
