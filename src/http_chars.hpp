// Character classes of RFC 9110 §5.6 and RFC 9112, shared by the head and chunked parsers.
#pragma once

#include <array>
#include <string_view>

namespace lambda::http::chars {

inline constexpr std::array<bool, 256> token_table = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline bool is_token(char c) { return token_table[static_cast<unsigned char>(c)]; }
inline bool is_visible(char c) { return c > 0x20 && c < 0x7f; }
// field-vchar, SP, HTAB and obs-text: anything but controls and DEL.
inline bool is_field(char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace lambda::http::chars
