#include "request_reader.hpp"

#include <algorithm>
#include <cstring>

namespace lambda::emulator {
namespace {

constexpr std::size_t min_space = 4096;
// Bigger buffers are given back once their request is done, so idle connections stay small.
constexpr std::size_t idle_capacity_limit = 64 * 1024;

}  // namespace

void request_reader::reallocate(std::size_t capacity) {
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ > 0) std::memcpy(bigger.get(), buffer_.get(), size_);
  buffer_ = std::move(bigger);
  capacity_ = capacity;
}

std::span<char> request_reader::space() {
  std::size_t limit = http::max_head_bytes + max_body_ + min_space;
  std::size_t wanted = size_ + min_space;
  if (head_bytes_ > 0 && body_kind_ == http::body_kind::length) {
    wanted = std::max(wanted, head_bytes_ + body_length_);
  }
  wanted = std::min(wanted, limit);
  if (capacity_ < wanted) reallocate(std::max(wanted, std::min(capacity_ * 2, limit)));
  return {buffer_.get() + size_, capacity_ - size_};
}

http::parse_status request_reader::fail(http::parse_status status, std::string_view reason) noexcept {
  error_ = reason;
  return status;
}

http::parse_status request_reader::read_head() {
  http::request_head head;
  auto r = http::parse_request_head({buffer_.get(), size_}, head, headers_, scanned_);
  if (r.status == http::parse_status::incomplete) scanned_ = size_;
  if (r.status != http::parse_status::complete) return fail(r.status, r.reason);
  body_kind_ = http::request_body_kind(head);
  if (body_kind_ == http::body_kind::length) {
    if (*head.body.content_length > max_body_) {
      return fail(http::parse_status::too_large, "request body too large");
    }
    body_length_ = static_cast<std::size_t>(*head.body.content_length);
  }
  head_bytes_ = r.consumed;
  body_end_ = raw_next_ = head_bytes_;
  expects_continue_ = body_kind_ != http::body_kind::none &&
                      http::iequals(http::find_header(head.headers, "Expect"), "100-continue");
  chunked_ = {};
  return http::parse_status::complete;
}

http::parse_status request_reader::read_chunked_body() {
  if (chunked_.done()) return http::parse_status::complete;
  if (raw_next_ == size_) return http::parse_status::incomplete;
  char* raw = buffer_.get() + raw_next_;
  auto r = chunked_.decode({raw, size_ - raw_next_});
  if (r.status == http::parse_status::malformed || r.status == http::parse_status::too_large) {
    return fail(r.status, r.reason);
  }
  // The decoder put the body bytes at the front of what it was given; join them to the body.
  std::memmove(buffer_.get() + body_end_, raw, r.decoded);
  body_end_ += r.decoded;
  raw_next_ = r.status == http::parse_status::complete ? raw_next_ + r.consumed : size_;
  if (body_end_ - head_bytes_ > max_body_) {
    return fail(http::parse_status::too_large, "request body too large");
  }
  return r.status;
}

http::parse_status request_reader::next(received_request& out) {
  if (head_bytes_ == 0) {
    auto status = read_head();
    if (status != http::parse_status::complete) return status;
  }
  std::size_t body_begin = head_bytes_;
  std::size_t body_end = head_bytes_;
  if (body_kind_ == http::body_kind::length) {
    if (size_ - head_bytes_ < body_length_) return http::parse_status::incomplete;
    body_end = request_end_ = head_bytes_ + body_length_;
  } else if (body_kind_ == http::body_kind::chunked) {
    auto status = read_chunked_body();
    if (status != http::parse_status::complete) return status;
    body_end = body_end_;
    request_end_ = raw_next_;
  } else {
    request_end_ = head_bytes_;
  }
  expects_continue_ = false;
  // Parsed again for views into the buffer as it is now (it may have moved since the head came).
  http::request_head head;
  http::parse_request_head({buffer_.get(), head_bytes_}, head, headers_);
  out.method = head.method;
  out.target = head.target;
  out.headers = head.headers;
  out.keep_alive = head.body.keep_alive;
  out.body = {buffer_.get() + body_begin, body_end - body_begin};
  return http::parse_status::complete;
}

void request_reader::consume() {
  std::size_t left = size_ - request_end_;
  if (left > 0) std::memmove(buffer_.get(), buffer_.get() + request_end_, left);
  size_ = left;
  scanned_ = head_bytes_ = request_end_ = 0;
  if (capacity_ > idle_capacity_limit && size_ < min_space) reallocate(min_space);
}

}  // namespace lambda::emulator
