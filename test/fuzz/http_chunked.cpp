// Fuzz target: http::chunked_decoder (src/http/parser.hpp, chunked.cpp), both decode(data) and
// decode(data, chunk_ends) with its trailer fields.
//
// Oracle: a reference decoder written here, over the whole input at once, by RFC 9112 §7.1 as
// the decoder's comment narrows it (hex size, OWS then ';' extensions of field bytes, CRLF
// everywhere, trailer fields "token:OWS value OWS", limits of max_head_bytes per size line or
// trailer section and max_headers trailer fields). The decoder, fed whole, in random pieces and
// one byte at a time, must give the reference's status, body, chunk sizes, trailers and length,
// and leave the bytes after the body untouched.
//
//   make fuzz FUZZ_TARGETS=http_chunked FUZZ_SECONDS=60
#include <string>
#include <utility>
#include <vector>

#include "fuzz.hpp"
#include "http/chars.hpp"
#include "http/parser.hpp"

namespace {

using namespace lambda;
using http::parse_status;
using trailer_list = std::vector<std::pair<std::string, std::string>>;

struct decoded {
  parse_status status = parse_status::incomplete;
  std::string body;
  std::vector<std::size_t> chunk_ends;
  trailer_list trailers;  // complete only
  std::size_t consumed = 0;  // complete only
};

class reference {
 public:
  explicit reference(std::string_view in) : in_(in) {}

  decoded run() {
    out_.status = body();
    if (out_.status == parse_status::complete) out_.consumed = at_;
    else out_.trailers.clear();
    return out_;
  }

 private:
  // Every framing byte counts towards its line's (or the trailer section's) limit, before it is
  // looked at; `ok` is false when there is no byte left.
  bool take(char& c, parse_status& stop) {
    if (at_ == in_.size()) {
      stop = parse_status::incomplete;
      return false;
    }
    if (++line_ > http::max_head_bytes) {
      stop = parse_status::too_large;
      return false;
    }
    c = in_[at_++];
    return true;
  }

  parse_status body() {
    for (;;) {
      std::uint64_t size = 0;
      if (parse_status s = size_line(size); s != parse_status::complete) return s;
      if (size == 0) return trailer_section();
      const std::size_t here = std::min<std::uint64_t>(size, in_.size() - at_);
      out_.body.append(in_.substr(at_, here));
      at_ += here;
      if (here < size) return parse_status::incomplete;
      out_.chunk_ends.push_back(static_cast<std::size_t>(size));
      if (parse_status s = crlf(); s != parse_status::complete) return s;
    }
  }

  parse_status crlf() {
    parse_status stop{};
    char c = 0;
    if (!take(c, stop)) return stop;
    if (c != '\r') return parse_status::malformed;
    if (!take(c, stop)) return stop;
    if (c != '\n') return parse_status::malformed;
    line_ = 0;
    return parse_status::complete;
  }

  parse_status size_line(std::uint64_t& size) {
    parse_status stop{};
    char c = 0;
    if (!take(c, stop)) return stop;
    if (http::chars::hex_value(c) < 0) return parse_status::malformed;
    size = static_cast<std::uint64_t>(http::chars::hex_value(c));
    for (;;) {
      if (!take(c, stop)) return stop;
      if (http::chars::hex_value(c) < 0) break;
      if (size >> 60 != 0) return parse_status::malformed;
      size = size * 16 + static_cast<std::uint64_t>(http::chars::hex_value(c));
    }
    while (http::chars::is_ows(c)) {
      if (!take(c, stop)) return stop;
    }
    if (c == ';') {
      for (;;) {
        if (!take(c, stop)) return stop;
        if (c == '\r') break;
        if (!http::chars::is_field(c)) return parse_status::malformed;
      }
    }
    if (c != '\r') return parse_status::malformed;
    if (!take(c, stop)) return stop;
    if (c != '\n') return parse_status::malformed;
    line_ = 0;
    return parse_status::complete;
  }

  parse_status trailer_section() {
    parse_status stop{};
    char c = 0;
    std::size_t fields = 0;
    for (;;) {
      if (!take(c, stop)) return stop;
      if (c == '\r') {
        if (!take(c, stop)) return stop;
        return c == '\n' ? parse_status::complete : parse_status::malformed;
      }
      if (!http::chars::is_token(c)) return parse_status::malformed;
      if (++fields > http::max_headers) return parse_status::too_large;
      std::string name(1, c);
      for (;;) {
        if (!take(c, stop)) return stop;
        if (c == ':') break;
        if (!http::chars::is_token(c)) return parse_status::malformed;
        name += c;
      }
      std::string value;
      for (;;) {
        if (!take(c, stop)) return stop;
        if (c == '\r') break;
        if (!http::chars::is_field(c)) return parse_status::malformed;
        if (!value.empty() || !http::chars::is_ows(c)) value += c;
      }
      while (!value.empty() && http::chars::is_ows(value.back())) value.pop_back();
      if (!take(c, stop)) return stop;
      if (c != '\n') return parse_status::malformed;
      out_.trailers.emplace_back(std::move(name), std::move(value));
    }
  }

  std::string_view in_;
  std::size_t at_ = 0;
  std::size_t line_ = 0;
  decoded out_;
};

// Feeds the decoder the pieces of `input` ending at `ends`, as a connection would: each call
// gets the bytes not consumed yet, the body moved to their front.
decoded run_decoder(std::string_view input, const std::vector<std::size_t>& ends, bool record) {
  fuzz::exact_copy bytes(input);
  http::chunked_decoder decoder;
  decoded got;
  std::size_t start = 0;
  for (std::size_t end : ends) {
    if (end == start) continue;
    std::span<char> piece(bytes.data() + start, end - start);
    std::vector<std::size_t> chunk_ends;
    const http::chunked_result r = record ? decoder.decode(piece, chunk_ends) : decoder.decode(piece);
    fuzz::check(r.decoded <= piece.size(), "decoded more bytes than given");
    got.body.append(piece.data(), r.decoded);
    got.chunk_ends.insert(got.chunk_ends.end(), chunk_ends.begin(), chunk_ends.end());
    got.status = r.status;
    if (r.status == parse_status::incomplete) {
      fuzz::check(r.consumed == piece.size(), "incomplete without consuming everything given");
      start = end;
      continue;
    }
    if (r.status != parse_status::complete) {
      fuzz::check(!r.reason.empty(), "an error without a reason");
      return got;
    }
    fuzz::check(decoder.done(), "complete but not done");
    fuzz::check(r.consumed <= piece.size(), "consumed more than given");
    got.consumed = start + r.consumed;
    fuzz::check(bytes.view().substr(got.consumed) == input.substr(got.consumed),
                "the bytes after the body were changed");
    if (record) {
      for (const http::header& h : decoder.trailers()) got.trailers.emplace_back(h.name, h.value);
    }
    return got;
  }
  fuzz::check(!decoder.done(), "done but never answered complete");
  return got;
}

void compare(const decoded& want, const decoded& got, bool record, const char* how) {
  const std::string where = std::string(" (") + how + (record ? ", recording)" : ")");
  fuzz::check(got.status == want.status, "status differs from the reference" + where);
  fuzz::check(got.body == want.body, "body differs from the reference" + where);
  fuzz::check(got.consumed == want.consumed, "length differs from the reference" + where);
  if (!record) return;
  fuzz::check(got.chunk_ends == want.chunk_ends, "chunk ends differ from the reference" + where);
  fuzz::check(got.trailers == want.trailers, "trailers differ from the reference" + where);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const decoded want = reference(input).run();
  fuzz::splitter split(input);
  for (bool record : {false, true}) {
    compare(want, run_decoder(input, {size}, record), record, "whole");
    compare(want, run_decoder(input, split.ends(size), record), record, "in pieces");
    if (size <= 1024) compare(want, run_decoder(input, fuzz::splitter::bytewise(size), record), record, "bytewise");
  }
  return 0;
}
