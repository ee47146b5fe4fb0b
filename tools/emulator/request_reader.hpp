// Frames HTTP/1.1 requests out of the bytes one connection receives, with the library's parser:
// the head, then a Content-Length or chunked body (decoded in place). Nothing is copied out: a
// complete request is a set of views into the reader's buffer.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "http/parser.hpp"

namespace lambda::emulator {

struct received_request {
  std::string_view method;
  std::string_view target;
  std::span<const http::header> headers;
  std::string_view body;
  bool keep_alive = true;

  std::string_view header(std::string_view name) const noexcept {
    return http::find_header(headers, name);
  }
};

class request_reader {
 public:
  static constexpr std::size_t default_max_body = 16 * 1024 * 1024;

  explicit request_reader(std::size_t max_body = default_max_body) : max_body_(max_body) {}

  // Where to receive the next bytes; empty once the buffer holds as much as one request may be.
  std::span<char> space();
  void received(std::size_t count) noexcept { size_ += count; }

  // complete: `out` views the request until consume() or space(). malformed / too_large: the
  // connection cannot be read any further; error() says why.
  http::parse_status next(received_request& out);
  void consume();

  // True once when the head in progress asked "Expect: 100-continue" (curl does for bodies over
  // 1 KiB, then waits a second for the go-ahead) and its body has not all come yet.
  bool take_continue_request() noexcept { return std::exchange(expects_continue_, false); }

  std::string_view error() const noexcept { return error_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  http::parse_status read_head();
  http::parse_status read_chunked_body();
  http::parse_status fail(http::parse_status status, std::string_view reason) noexcept;
  void reallocate(std::size_t capacity);

  std::size_t max_body_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t scanned_ = 0;  // head bytes the parser has already looked at
  // Set once the head of the request in progress is complete.
  std::size_t head_bytes_ = 0;
  http::body_kind body_kind_ = http::body_kind::none;
  std::size_t body_length_ = 0;
  http::chunked_decoder chunked_;
  std::size_t body_end_ = 0;   // chunked: end of the decoded body
  std::size_t raw_next_ = 0;   // chunked: first byte not yet decoded
  std::size_t request_end_ = 0;
  bool expects_continue_ = false;
  std::string_view error_;
  std::array<http::header, http::max_headers> headers_;
};

}  // namespace lambda::emulator
