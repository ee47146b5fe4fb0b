#include "http/parser.hpp"

#include <algorithm>
#include <cstring>

#include "http/chars.hpp"

namespace lambda::http {
using chars::hex_value;
using chars::is_ows;

chunked_result chunked_decoder::decode(std::span<char> data) noexcept {
  return run<false>(data, nullptr);
}

chunked_result chunked_decoder::decode(std::span<char> data, std::vector<std::size_t>& chunk_ends) {
  return run<true>(data, &chunk_ends);
}

// `record` is a template argument so that decode(data) pays nothing for what it does not keep.
template <bool record>
chunked_result chunked_decoder::run(std::span<char> data,
                                    std::vector<std::size_t>* chunk_ends) noexcept(!record) {
  std::size_t in = 0;
  std::size_t out = 0;
  while (in < data.size() && state_ != state::done) {
    if (state_ == state::data) {
      const auto n =
          static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, data.size() - in));
      // Until the first framing byte the body is already where it belongs.
      if (out != in) std::memmove(data.data() + out, data.data() + in, n);
      in += n;
      out += n;
      chunk_left_ -= n;
      if (chunk_left_ != 0) continue;
      if constexpr (record) chunk_ends->push_back(static_cast<std::size_t>(chunk_size_));
      state_ = state::data_cr;
      continue;
    }
    std::string_view reason;
    const parse_status status = advance<record>(data[in++], reason);
    if (status != parse_status::complete) return {status, out, 0, reason};
  }
  if (state_ == state::done) return {parse_status::complete, out, in, {}};
  return {parse_status::incomplete, out, in, {}};
}

template <bool record>
parse_status chunked_decoder::advance(char c, std::string_view& reason) noexcept(!record) {
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
      chunk_size_ = static_cast<std::uint64_t>(hex_value(c));
      state_ = state::size;
      break;
    case state::size:
      if (hex_value(c) >= 0) {
        if (chunk_size_ > (UINT64_MAX >> 4)) return fail("chunk size overflows");
        chunk_size_ = chunk_size_ << 4 | static_cast<std::uint64_t>(hex_value(c));
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
      if (!chars::is_token(c)) return fail(is_ows(c) ? "obs-fold in trailer" : "invalid trailer name");
      if (++trailer_fields_ > max_headers) {
        reason = "too many trailer fields (more than 64)";
        return parse_status::too_large;
      }
      if constexpr (record) trailer_text_.push_back(c);
      state_ = state::trailer_name;
      break;
    case state::trailer_name:
      if (c == ':') state_ = state::trailer_ows;
      else if (!chars::is_token(c)) return fail("invalid trailer name");
      if constexpr (record) trailer_text_.push_back(c);
      break;
    case state::trailer_ows:
      if (is_ows(c)) break;
      state_ = state::trailer_value;
      [[fallthrough]];
    case state::trailer_value:
      if (c == '\r') {
        if constexpr (record) {
          while (is_ows(trailer_text_.back())) trailer_text_.pop_back();
        }
        state_ = state::trailer_lf;
        break;
      }
      if (!chars::is_field(c)) return fail("invalid character in trailer value");
      if constexpr (record) trailer_text_.push_back(c);
      break;
    case state::trailer_lf:
      if (c != '\n') return fail("bare CR in trailer");
      if constexpr (record) trailer_text_.push_back('\n');
      state_ = state::trailer_start;
      break;
    case state::end_lf:
      if (c != '\n') return fail("bare CR at end of chunked body");
      state_ = state::done;
      if constexpr (record) split_trailers();
      break;
    case state::data:
    case state::done:
      break;
  }
  return parse_status::complete;
}

// Once the body has ended, so that trailer_text_ no longer moves under the views.
void chunked_decoder::split_trailers() {
  trailers_.reserve(trailer_fields_);
  std::string_view text(trailer_text_.data(), trailer_text_.size());
  while (!text.empty()) {
    const std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(line.size() + 1);
    const std::size_t colon = line.find(':');
    trailers_.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
}

}  // namespace lambda::http
