// A chunked request body decoded in place as it arrives, as the library's http::chunked_decoder
// does, but keeping what that one drops: where each chunk ends (the emulator shows and times a
// streamed answer chunk by chunk) and the trailer fields (a streamed answer's error comes in
// them).
//
//   lambda::emulator::chunked_body_decoder decoder;
//   std::vector<std::size_t> chunks;
//   auto r = decoder.decode(bytes, chunks);  // bytes: a std::span<char> just received
//   // r.decoded body bytes now start at bytes.data(); `chunks` got the sizes of the chunks that
//   // ended in them. Once r.status is complete:
//   auto type = lambda::http::find_header(decoder.trailers(), "Lambda-Runtime-Function-Error-Type");
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "http/parser.hpp"

namespace lambda::emulator {

class chunked_body_decoder {
 public:
  // A chunk-size line, or the whole trailer section, longer than this is too_large.
  static constexpr std::size_t max_line_bytes = http::max_head_bytes;

  // Moves the body bytes found in `data` to its front (decoded) and appends to `chunks_done` the
  // size of each non-empty chunk whose last byte was among them. Everything given is consumed
  // until the body ends; complete says how much of it the body took.
  http::chunked_result decode(std::span<char> data, std::vector<std::size_t>& chunks_done);
  bool done() const noexcept { return state_ == state::done; }
  // Once done: the trailer fields, views into storage the decoder owns.
  std::span<const http::header> trailers() const noexcept { return trailers_; }

 private:
  enum class state : std::uint8_t {
    size_first, size, size_space, extension, size_lf, data, data_cr, data_lf,
    trailer_start, trailer_line, trailer_lf, end_lf, done,
  };
  http::parse_status advance(char c, std::string_view& reason);
  http::parse_status split_trailers(std::string_view& reason);

  state state_ = state::size_first;
  std::uint64_t chunk_size_ = 0;
  std::uint64_t chunk_left_ = 0;
  std::size_t line_bytes_ = 0;
  std::string trailer_text_;  // the trailer lines, each ended by '\n'
  std::vector<http::header> trailers_;
};

}  // namespace lambda::emulator
