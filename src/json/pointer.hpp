// JSON Pointer reference tokens and key comparison without unescaping into memory: what find()
// and document lookups share.
#pragma once

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "json/unescape.hpp"

namespace lambda::json::detail {

// The reference tokens of a JSON Pointer, still ~-escaped, one at a time.
class pointer_tokens {
 public:
  explicit pointer_tokens(std::string_view pointer) : rest_(pointer) {
    if (!pointer.empty() && pointer.front() != '/') {
      throw std::invalid_argument("lambda::json: a JSON Pointer is empty or starts with '/'");
    }
    for (std::size_t i = pointer.find('~'); i != std::string_view::npos;
         i = pointer.find('~', i + 1)) {
      const char escaped = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (escaped != '0' && escaped != '1') {
        throw std::invalid_argument("lambda::json: in a JSON Pointer '~' is followed by 0 or 1");
      }
    }
  }

  bool done() const noexcept { return rest_.empty(); }

  std::string_view next() noexcept {
    rest_.remove_prefix(1);  // the '/'
    const std::size_t end = std::min(rest_.find('/'), rest_.size());
    const std::string_view token = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return token;
  }

 private:
  std::string_view rest_;
};

// The bytes a JSON string's text stands for, decoded one at a time.
class json_string_bytes {
 public:
  explicit json_string_bytes(std::string_view text) noexcept
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool next(char& c) noexcept {
    if (pending_at_ < pending_size_) {
      c = pending_[pending_at_++];
      return true;
    }
    if (p_ == end_) return false;
    if (*p_ == '\\') {
      const detail::decoded_escape escape =
          detail::decode_escape(p_, static_cast<std::size_t>(end_ - p_), pending_);
      if (escape.consumed != 0) {
        p_ += escape.consumed;
        pending_size_ = escape.length;
        pending_at_ = 1;
        c = pending_[0];
        return true;
      }
    }
    c = *p_++;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  char pending_[4] = {};
  unsigned pending_size_ = 0;
  unsigned pending_at_ = 0;
};

// The bytes a pointer's reference token stands for: "~1" is '/', "~0" is '~'.
class pointer_token_bytes {
 public:
  explicit pointer_token_bytes(std::string_view token) noexcept : rest_(token) {}

  bool next(char& c) noexcept {
    if (rest_.empty()) return false;
    c = rest_.front();
    std::size_t used = 1;
    if (c == '~') {
      c = rest_[1] == '1' ? '/' : '~';
      used = 2;
    }
    rest_.remove_prefix(used);
    return true;
  }

 private:
  std::string_view rest_;
};

// Whether a JSON Pointer's reference token names the key whose text (between the quotes) is
// `key`, which holds escapes when `escaped`.
inline bool names_member(std::string_view reference, std::string_view key, bool escaped) noexcept {
  if (!escaped && reference.find('~') == std::string_view::npos) return reference == key;
  json_string_bytes name(key);
  pointer_token_bytes wanted(reference);
  for (;;) {
    char a = 0;
    char b = 0;
    const bool more_a = name.next(a);
    const bool more_b = wanted.next(b);
    if (more_a != more_b) return false;
    if (!more_a) return true;
    if (a != b) return false;
  }
}

// RFC 6901 array indexes: "0" or digits without a leading zero.
inline std::optional<std::size_t> array_index(std::string_view reference) noexcept {
  if (reference.empty() || (reference.size() > 1 && reference.front() == '0')) return std::nullopt;
  std::size_t index = 0;
  for (const char c : reference) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::size_t>(c - '0');
    if (index > (static_cast<std::size_t>(-1) - digit) / 10) return std::nullopt;
    index = index * 10 + digit;
  }
  return index;
}

}  // namespace lambda::json::detail
