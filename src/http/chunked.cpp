#include "http/parser.hpp"

#include <algorithm>
#include <cstring>

#include "http/chars.hpp"

namespace lambda::http {
using chars::hex_value;
using chars::is_ows;

chunked_result chunked_decoder::decode(std::span<char> data) noexcept {
  std::size_t in = 0;
  std::size_t out = 0;
  while (in < data.size() && state_ != state::done) {
    if (state_ == state::data) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, data.size() - in));
      std::memmove(data.data() + out, data.data() + in, n);
      in += n;
      out += n;
      chunk_left_ -= n;
      if (chunk_left_ == 0) state_ = state::data_cr;
      continue;
    }
    std::string_view reason;
    const parse_status status = advance(data[in++], reason);
    if (status != parse_status::complete) return {status, out, 0, reason};
  }
  if (state_ == state::done) return {parse_status::complete, out, in, {}};
  return {parse_status::incomplete, out, in, {}};
}

parse_status chunked_decoder::advance(char c, std::string_view& reason) noexcept {
  auto fail = [&](std::string_view why) {
    reason = why;
    return parse_status::malformed;
  };
  if (++line_bytes_ > max_head_bytes) {
    reason = state_ >= state::trailer_start ? "trailer section larger than 64 KiB"
                                            : "chunk-size line larger than 64 KiB";
    return parse_status::too_large;
  }
  switch (state_) {
    case state::size_first:
      if (hex_value(c) < 0) return fail("invalid chunk size");
      chunk_left_ = static_cast<std::uint64_t>(hex_value(c));
      state_ = state::size;
      break;
    case state::size:
      if (hex_value(c) >= 0) {
        if (chunk_left_ > (UINT64_MAX >> 4)) return fail("chunk size overflows");
        chunk_left_ = chunk_left_ << 4 | static_cast<std::uint64_t>(hex_value(c));
        break;
      }
      [[fallthrough]];
    case state::size_space:
      if (c == ';') state_ = state::extension;
      else if (is_ows(c)) state_ = state::size_space;
      else if (c == '\r') state_ = state::size_lf;
      else return fail("invalid chunk size");
      break;
    case state::extension:
      if (c == '\r') state_ = state::size_lf;
      else if (!chars::is_field(c)) return fail("invalid chunk extension");
      break;
    case state::size_lf:
      if (c != '\n') return fail("bare CR in chunk-size line");
      line_bytes_ = 0;
      state_ = chunk_left_ == 0 ? state::trailer_start : state::data;
      break;
    case state::data_cr:
      if (c != '\r') return fail("chunk data longer than its size");
      state_ = state::data_lf;
      break;
    case state::data_lf:
      if (c != '\n') return fail("bare CR after chunk data");
      line_bytes_ = 0;
      state_ = state::size_first;
      break;
    case state::trailer_start:
      if (c == '\r') state_ = state::end_lf;
      else if (chars::is_token(c)) state_ = state::trailer_name;
      else return fail(is_ows(c) ? "obs-fold in trailer" : "invalid trailer name");
      break;
    case state::trailer_name:
      if (c == ':') state_ = state::trailer_value;
      else if (!chars::is_token(c)) return fail("invalid trailer name");
      break;
    case state::trailer_value:
      if (c == '\r') state_ = state::trailer_lf;
      else if (!chars::is_field(c)) return fail("invalid character in trailer value");
      break;
    case state::trailer_lf:
      if (c != '\n') return fail("bare CR in trailer");
      state_ = state::trailer_start;
      break;
    case state::end_lf:
      if (c != '\n') return fail("bare CR at end of chunked body");
      state_ = state::done;
      break;
    case state::data:
    case state::done:
      break;
  }
  return parse_status::complete;
}

}  // namespace lambda::http
