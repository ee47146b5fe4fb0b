// HTTP/1.1 message heads and chunked bodies (RFC 9112), parsed over caller-owned bytes: nothing
// is allocated or copied, every view points into the caller's buffer (but for the trailer fields
// a chunked_decoder is asked to keep).
//
//   std::array<lambda::http::header, lambda::http::max_headers> storage;
//   lambda::http::response_head head;
//   auto r = lambda::http::parse_response_head(bytes, head, storage);
//   if (r.status == lambda::http::parse_status::incomplete) { /* recv more, call again */ }
//   if (r.status == lambda::http::parse_status::complete) {
//     auto id = lambda::http::find_header(head.headers, "lambda-runtime-aws-request-id");
//     auto body_starts_at = r.consumed;
//   }
//
// Strictness, chosen because the peers we talk to (the Runtime API, our own runtime) always send
// well-formed CRLF messages, and leniency is where request smuggling lives:
// - a bare LF or a bare CR anywhere in a head is malformed (RFC 9112 §2.2 only MAY accept LF);
// - obs-fold (a line starting with SP/HTAB) is malformed, even in responses, where §5.2 would
//   have a user agent replace it with SP: that would mean rewriting the caller's bytes;
// - whitespace between a field name and its colon is malformed (§5.1);
// - Content-Length must be digits without overflow; duplicates (as fields or a comma list) must
//   agree; Transfer-Encoding must be exactly "chunked" (no other coding is supported), must not
//   come with Content-Length (§6.3 says to handle that as an error) nor in an HTTP/1.0 message.
// Requests may be preceded by empty lines, which are skipped (§2.2) but count toward the head's
// limit. A caller that receives a head piece by piece should drop them as they come (see
// leading_empty_lines), or every call scans them again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace lambda::http {

// A head (start line, fields, the final empty line) longer than this is too_large.
inline constexpr std::size_t max_head_bytes = 64 * 1024;
// More fields than this (or than the storage given) is too_large.
inline constexpr std::size_t max_headers = 64;

struct header {
  std::string_view name;
  std::string_view value;  // without leading or trailing whitespace
};

// too_large is malformed input that broke a limit; it gets its own value because callers report
// it differently.
enum class parse_status { complete, incomplete, malformed, too_large };

struct parse_result {
  parse_status status = parse_status::incomplete;
  std::size_t consumed = 0;  // complete: bytes of the head, including its final CRLF CRLF
  std::string_view reason;   // malformed / too_large: a short static phrase
};

// What the fields say about the body and the connection.
struct framing {
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;  // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
};

struct request_head {
  std::string_view method;
  std::string_view target;
  int minor_version = 1;
  std::span<const header> headers;
  framing body;
};

struct response_head {
  int minor_version = 1;
  int status = 0;
  std::string_view reason;
  std::span<const header> headers;
  framing body;
};

// `scanned` is how many bytes of `bytes` an earlier call that answered incomplete was given:
// they are not rescanned for the end of the head, so a head that arrives one byte at a time
// costs linear time. Pass 0 when in doubt.
parse_result parse_request_head(std::string_view bytes, request_head& out,
                                std::span<header> storage, std::size_t scanned = 0) noexcept;
parse_result parse_response_head(std::string_view bytes, response_head& out,
                                 std::span<header> storage, std::size_t scanned = 0) noexcept;

// The bytes of the empty lines (CRLF pairs) at the start of `bytes`.
std::size_t leading_empty_lines(std::string_view bytes) noexcept;

enum class body_kind { none, length, chunked, until_close };

// RFC 9112 §6.3: a request without Content-Length or chunked coding has no body.
body_kind request_body_kind(const request_head& head) noexcept;
// RFC 9112 §6.3: answers to HEAD, 1xx, 204 and 304 have none; without framing fields the body
// runs until the server closes the connection.
body_kind response_body_kind(const response_head& head, bool answers_head_request) noexcept;

bool iequals(std::string_view a, std::string_view b) noexcept;
// The first field named `name` (any case), or "" when there is none.
std::string_view find_header(std::span<const header> headers, std::string_view name) noexcept;

struct chunked_result {
  parse_status status = parse_status::incomplete;
  std::size_t decoded = 0;   // body bytes now at the start of the data given
  std::size_t consumed = 0;  // complete: bytes of the data given that were chunked framing or body
  std::string_view reason;   // malformed / too_large: a short static phrase
};

// Decodes a chunked body in place as it arrives: each call moves the body bytes it finds to the
// front of the data given; everything given is consumed until the body ends. Chunk extensions
// are skipped. A chunk-size line or trailer section longer than max_head_bytes, or more than
// max_headers trailer fields, is too_large.
//
// decode(data) checks the trailer fields and drops them; it allocates nothing. A caller that
// needs more uses decode(data, chunk_ends) for the whole body instead: it also tells where each
// chunk ends, and keeps the trailer fields in storage the decoder owns, so they outlive the
// buffers the body was decoded in:
//
//   lambda::http::chunked_decoder decoder;
//   std::vector<std::size_t> chunk_ends;
//   auto r = decoder.decode(bytes, chunk_ends);  // bytes: a std::span<char> just received
//   // r.decoded body bytes now start at bytes.data(); chunk_ends got the size of each non-empty
//   // chunk whose last byte was among them. Once r.status is complete:
//   auto type = lambda::http::find_header(decoder.trailers(), "Lambda-Runtime-Function-Error-Type");
class chunked_decoder {
 public:
  chunked_decoder() = default;
  // A move keeps the trailer fields' views valid (their storage moves along); a copy could not.
  chunked_decoder(chunked_decoder&&) = default;
  chunked_decoder& operator=(chunked_decoder&&) = default;

  chunked_result decode(std::span<char> data) noexcept;
  chunked_result decode(std::span<char> data, std::vector<std::size_t>& chunk_ends);
  bool done() const noexcept { return state_ == state::done; }
  // Once done, after decode(data, chunk_ends): the trailer fields, valid until the decoder is
  // destroyed or assigned to.
  std::span<const header> trailers() const noexcept { return trailers_; }

 private:
  enum class state : std::uint8_t {
    size_first, size, size_space, extension, size_lf, data, data_cr, data_lf,
    trailer_start, trailer_name, trailer_ows, trailer_value, trailer_lf, end_lf, done,
  };
  template <bool record>
  chunked_result run(std::span<char> data, std::vector<std::size_t>* chunk_ends) noexcept(!record);
  // One byte of framing; answers complete when it was accepted.
  template <bool record>
  parse_status advance(char c, std::string_view& reason) noexcept(!record);
  void split_trailers();

  state state_ = state::size_first;
  std::uint64_t chunk_size_ = 0;
  std::uint64_t chunk_left_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t trailer_fields_ = 0;
  // Recorded only: the trailer lines as "name:value\n", the value without surrounding OWS.
  std::vector<char> trailer_text_;
  std::vector<header> trailers_;  // views into trailer_text_, made once it no longer grows
};

}  // namespace lambda::http
