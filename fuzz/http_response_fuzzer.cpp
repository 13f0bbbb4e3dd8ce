// HTTP responses as the HTTPS transport reads them (detail::parse_response: the transport's own
// parser set-up, limits and error mapping), with small limits so that oversized inputs are
// reachable. The same bytes delivered in one read and in small pieces must give the same
// response, or both fail; a failure is always kProtocol or kTransport. Which of the two may
// depend on the pieces: Beast parses a header eagerly on the first read but, after a read that
// ended mid-header, waits for the blank line, so a malformed header cut short by the end of the
// connection is "not valid HTTP" in one read and "closed during the response" in pieces
// (fuzz/corpus/http_response/malformed_header_then_eof.http). Neither is accepted.
#include "fuzz_support.hpp"

#include "http/beast_transport_detail.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  autotask_sync::http::BeastTransportOptions options;
  options.max_response_header_bytes = std::size_t{2} * 1024;
  options.max_response_body_bytes = std::size_t{16} * 1024;
  const auto bytes = autotask_fuzz::text(data, size);
  namespace detail = autotask_sync::http::detail;
  auto whole = detail::parse_response(bytes, options);
  auto pieces = detail::parse_response(bytes, options, 1 + size % 13);
  if (whole.ok() != pieces.ok()) autotask_fuzz::invariant_broken();
  if (whole.ok()) {
    if (whole->status != pieces->status || whole->body != pieces->body ||
        whole->headers.entries() != pieces->headers.entries() ||
        whole->body.size() > options.max_response_body_bytes) {
      autotask_fuzz::invariant_broken();
    }
  } else {
    for (const auto* failed : {&whole, &pieces}) {
      const auto code = failed->error().code;
      if (code != autotask_sync::ErrorCode::kProtocol &&
          code != autotask_sync::ErrorCode::kTransport) {
        autotask_fuzz::invariant_broken();
      }
    }
  }
  return 0;
}
