// The oracle both head targets share: a head parsed whole must be parsed the same when it comes
// in pieces (each call told how much it already scanned), and what a complete parse hands out
// must hold by the parser's own rules.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "fuzz.hpp"
#include "http/chars.hpp"
#include "http/parser.hpp"

namespace lambda::fuzz {

struct head_outcome {
  http::parse_status status;
  std::size_t consumed;
  std::string fields;  // complete: everything parsed, written out for comparison
};

inline std::string describe(const http::framing& f) {
  return (f.content_length ? std::to_string(*f.content_length) : std::string("-")) +
         (f.chunked ? " chunked" : "") + (f.keep_alive ? " keep-alive" : " close");
}

inline std::string describe(const http::request_head& h) {
  std::string out = std::string(h.method) + " " + std::string(h.target) + " 1." +
                    std::to_string(h.minor_version) + " " + describe(h.body);
  for (const http::header& f : h.headers) out += "\n" + std::string(f.name) + ":" + std::string(f.value);
  return out;
}

inline std::string describe(const http::response_head& h) {
  std::string out = "1." + std::to_string(h.minor_version) + " " + std::to_string(h.status) + " " +
                    std::string(h.reason) + " " + describe(h.body);
  for (const http::header& f : h.headers) out += "\n" + std::string(f.name) + ":" + std::string(f.value);
  return out;
}

inline bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// What holds of every complete head, whatever its kind.
template <typename Head>
void check_complete(std::string_view bytes, const http::parse_result& r, const Head& head) {
  check(r.consumed >= 4 && r.consumed <= bytes.size(), "consumed out of range");
  check(bytes.substr(r.consumed - 4, 4) == "\r\n\r\n", "a complete head ends with CRLF CRLF");
  check(head.headers.size() <= http::max_headers, "more than max_headers fields");
  const std::string_view parsed = bytes.substr(0, r.consumed);
  for (const http::header& f : head.headers) {
    check(inside(f.name, parsed) && inside(f.value, parsed), "a field views outside the head");
    check(http::chars::is_token_text(f.name), "a field name is not a token");
    check(http::chars::all_field_bytes(f.value), "a field value holds a control byte");
    check(f.value.empty() || (!http::chars::is_ows(f.value.front()) && !http::chars::is_ows(f.value.back())),
          "a field value keeps surrounding whitespace");
  }
  check(!(head.body.chunked && head.body.content_length), "both chunked and Content-Length");
  check(!(head.body.chunked && head.minor_version == 0), "chunked in HTTP/1.0");
}

// Parses `bytes` whole, then as growing prefixes ending at `ends`, and checks they agree: the
// first prefix that is not incomplete must answer what the whole answers.
template <typename Head, typename Parse>
head_outcome parse_in_pieces(std::string_view bytes, const std::vector<std::size_t>& ends, Parse parse) {
  std::array<http::header, http::max_headers> storage;
  std::size_t scanned = 0;
  for (std::size_t end : ends) {
    exact_copy prefix(bytes.substr(0, end));
    Head head;
    const http::parse_result r = parse(prefix.view(), head, storage, scanned);
    if (r.status == http::parse_status::incomplete) {
      scanned = end;
      continue;
    }
    return {r.status, r.consumed, r.status == http::parse_status::complete ? describe(head) : std::string()};
  }
  return {http::parse_status::incomplete, 0, {}};
}

template <typename Head, typename Parse>
void check_head(std::string_view input, Parse parse) {
  exact_copy whole(input);
  std::array<http::header, http::max_headers> storage;
  Head head;
  const http::parse_result r = parse(whole.view(), head, storage, 0);
  head_outcome expected{r.status, r.consumed, {}};
  if (r.status == http::parse_status::complete) {
    check_complete(whole.view(), r, head);
    expected.fields = describe(head);
    // What follows a head does not change it.
    Head alone;
    exact_copy just_head(input.substr(0, r.consumed));
    const http::parse_result again = parse(just_head.view(), alone, storage, 0);
    check(again.status == http::parse_status::complete && again.consumed == r.consumed &&
              describe(alone) == expected.fields,
          "the head alone parses differently than followed by more bytes");
  } else {
    check(r.consumed == 0, "consumed set on a head that is not complete");
    check(r.status == http::parse_status::incomplete || !r.reason.empty(), "an error without a reason");
  }

  splitter split(input);
  for (const auto& ends : {split.ends(input.size()), split.ends(input.size()),
                           input.size() <= 1024 ? splitter::bytewise(input.size()) : split.ends(input.size())}) {
    const head_outcome pieces = parse_in_pieces<Head>(input, ends, parse);
    check(pieces.status == expected.status, "fed in pieces, the head gets another status");
    check(pieces.consumed == expected.consumed, "fed in pieces, the head has another length");
    check(pieces.fields == expected.fields, "fed in pieces, the head parses to other fields");
  }
}

}  // namespace lambda::fuzz
