#include "chunked_body.hpp"

#include <algorithm>
#include <cstring>

#include "http/chars.hpp"

namespace lambda::emulator {
namespace chars = http::chars;
using http::parse_status;

http::chunked_result chunked_body_decoder::decode(std::span<char> data,
                                                  std::vector<std::size_t>& chunks_done) {
  std::size_t in = 0;
  std::size_t out = 0;
  while (in < data.size() && state_ != state::done) {
    if (state_ == state::data) {
      auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, data.size() - in));
      std::memmove(data.data() + out, data.data() + in, n);
      in += n;
      out += n;
      chunk_left_ -= n;
      if (chunk_left_ == 0) {
        chunks_done.push_back(static_cast<std::size_t>(chunk_size_));
        state_ = state::data_cr;
      }
      continue;
    }
    std::string_view reason;
    parse_status status = advance(data[in++], reason);
    if (status != parse_status::complete) return {status, out, 0, reason};
  }
  if (state_ == state::done) return {parse_status::complete, out, in, {}};
  return {parse_status::incomplete, out, in, {}};
}

parse_status chunked_body_decoder::advance(char c, std::string_view& reason) {
  auto fail = [&](std::string_view why) {
    reason = why;
    return parse_status::malformed;
  };
  if (++line_bytes_ > max_line_bytes) {
    reason = state_ >= state::trailer_start ? "trailer section larger than 64 KiB"
                                            : "chunk-size line larger than 64 KiB";
    return parse_status::too_large;
  }
  switch (state_) {
    case state::size_first:
      if (chars::hex_value(c) < 0) return fail("invalid chunk size");
      chunk_size_ = static_cast<std::uint64_t>(chars::hex_value(c));
      state_ = state::size;
      break;
    case state::size:
      if (chars::hex_value(c) >= 0) {
        if (chunk_size_ > (UINT64_MAX >> 4)) return fail("chunk size overflows");
        chunk_size_ = chunk_size_ << 4 | static_cast<std::uint64_t>(chars::hex_value(c));
        break;
      }
      [[fallthrough]];
    case state::size_space:
      if (c == ';') state_ = state::extension;
      else if (chars::is_ows(c)) state_ = state::size_space;
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
      chunk_left_ = chunk_size_;
      state_ = chunk_size_ == 0 ? state::trailer_start : state::data;
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
      if (c == '\r') {
        state_ = state::end_lf;
        break;
      }
      if (!chars::is_token(c)) return fail(chars::is_ows(c) ? "obs-fold in trailer" : "invalid trailer name");
      trailer_text_ += c;
      state_ = state::trailer_line;
      break;
    case state::trailer_line:
      if (c == '\r') state_ = state::trailer_lf;
      else if (!chars::is_field(c)) return fail("invalid character in trailer");
      else trailer_text_ += c;
      break;
    case state::trailer_lf:
      if (c != '\n') return fail("bare CR in trailer");
      trailer_text_ += '\n';
      state_ = state::trailer_start;
      break;
    case state::end_lf:
      if (c != '\n') return fail("bare CR at end of chunked body");
      state_ = state::done;
      return split_trailers(reason);
    case state::data:
    case state::done:
      break;
  }
  return parse_status::complete;
}

// Called once the body has ended, so trailer_text_ no longer moves under the views.
parse_status chunked_body_decoder::split_trailers(std::string_view& reason) {
  std::string_view text = trailer_text_;
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(line.size() + 1);
    auto colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    if (colon == std::string_view::npos || !chars::is_token_text(name)) {
      reason = "invalid trailer name";
      return parse_status::malformed;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && chars::is_ows(value.front())) value.remove_prefix(1);
    while (!value.empty() && chars::is_ows(value.back())) value.remove_suffix(1);
    if (trailers_.size() == http::max_headers) {
      reason = "too many trailer fields";
      return parse_status::too_large;
    }
    trailers_.push_back({name, value});
  }
  return parse_status::complete;
}

}  // namespace lambda::emulator
