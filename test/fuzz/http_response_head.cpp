// Fuzz target: http::parse_response_head (src/http/parser.hpp), what the runtime reads from the
// Runtime API.
//
// Oracles: a head parsed whole and parsed as growing prefixes (random splits, and one byte at a
// time for short inputs, each call told what it already scanned) gets the same status, length
// and fields; a complete head ends in CRLF CRLF, its views stay inside it, its names are tokens,
// its values are trimmed field bytes, its framing is consistent, its status is 100..599 and
// response_body_kind agrees with it; the bytes after a head do not change it; the input repeated
// past max_head_bytes is never incomplete.
//
//   make fuzz FUZZ_TARGETS=http_response_head FUZZ_SECONDS=60
#include <array>
#include <string>

#include "head_oracle.hpp"

namespace {

using namespace lambda;

http::parse_result parse(std::string_view bytes, http::response_head& head,
                         std::span<http::header> storage, std::size_t scanned) {
  const http::parse_result r = http::parse_response_head(bytes, head, storage, scanned);
  if (r.status != http::parse_status::complete) return r;
  fuzz::check(head.status >= 100 && head.status <= 599, "status code out of range");
  const http::body_kind kind = http::response_body_kind(head, false);
  const bool bodiless = head.status < 200 || head.status == 204 || head.status == 304;
  fuzz::check(http::response_body_kind(head, true) == http::body_kind::none, "an answer to HEAD with a body");
  fuzz::check(bodiless ? kind == http::body_kind::none
                       : kind == (head.body.chunked          ? http::body_kind::chunked
                                  : head.body.content_length ? http::body_kind::length
                                                             : http::body_kind::until_close),
              "response_body_kind disagrees with the head");
  return r;
}

void check_limit(std::string_view input) {
  if (input.empty()) return;
  std::string big;
  big.reserve(http::max_head_bytes + input.size());
  while (big.size() < http::max_head_bytes) big += input;
  std::array<http::header, http::max_headers> storage;
  http::response_head head;
  const auto r = http::parse_response_head(big, head, storage);
  fuzz::check(r.status != http::parse_status::incomplete, "incomplete past max_head_bytes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz::check_head<http::response_head>(input, parse);
  check_limit(input);
  return 0;
}
