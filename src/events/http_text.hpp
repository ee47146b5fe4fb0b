// Text rules the HTTP request and response share: names compared without case, URL percent
// coding, and which bytes a header may hold.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lambda::events {

inline char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

inline int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when `text` needs percent_decode: it holds a '%', or a '+' that decodes to a space.
inline bool needs_percent_decoding(std::string_view text, bool plus_is_space) noexcept {
  for (char c : text) {
    if (c == '%' || (plus_is_space && c == '+')) return true;
  }
  return false;
}

// Decodes %XX (and '+' as a space when asked) into `out`, which has room for text.size() bytes;
// a '%' not followed by two hex digits stays as it is. Returns the bytes written.
std::size_t percent_decode(std::string_view text, bool plus_is_space, char* out) noexcept;

// Appends `text` with every byte but RFC 3986's unreserved ones percent-encoded.
void append_percent_encoded(std::string& out, std::string_view text);

// RFC 9110 token: a header name.
bool is_token(std::string_view name) noexcept;
// A header value: no control character but HTAB, and no DEL.
bool is_field_value(std::string_view value) noexcept;

}  // namespace lambda::events
