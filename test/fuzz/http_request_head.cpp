// Fuzz target: http::parse_request_head (src/http/parser.hpp), the server side of our HTTP.
//
// Oracles: a head parsed whole and parsed as growing prefixes (random splits, and one byte at a
// time for short inputs, each call told what it already scanned) gets the same status, length
// and fields; a complete head ends in CRLF CRLF, its views stay inside it, its names are tokens,
// its values are trimmed field bytes, its framing is consistent; the bytes after a head do not
// change it; the input repeated past max_head_bytes is never incomplete (it is complete,
// malformed or too_large), even when it is made only of empty lines ("\r\n").
//
//   make fuzz FUZZ_TARGETS=http_request_head FUZZ_SECONDS=60
#include <array>
#include <string>

#include "head_oracle.hpp"

namespace {

using namespace lambda;

http::parse_result parse(std::string_view bytes, http::request_head& head,
                         std::span<http::header> storage, std::size_t scanned) {
  return http::parse_request_head(bytes, head, storage, scanned);
}

// A head that never ends must be cut off at the limit, whatever it is made of.
void check_limit(std::string_view input) {
  if (input.empty()) return;
  std::string big;
  big.reserve(http::max_head_bytes + input.size());
  while (big.size() < http::max_head_bytes) big += input;
  std::array<http::header, http::max_headers> storage;
  http::request_head head;
  const auto r = http::parse_request_head(big, head, storage);
  fuzz::check(r.status != http::parse_status::incomplete, "parse_request_head: incomplete past max_head_bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::check_head<http::request_head>(input, parse);
  check_limit(input);
  return 0;
}
