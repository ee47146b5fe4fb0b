// Character classes of RFC 9110 §5.6 and RFC 9112, shared by the head and chunked parsers, the
// request head writer and the endpoint parser.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace lambda::http::chars {

// Function objects rather than functions, so that passing one to an algorithm inlines it.
inline constexpr auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
inline constexpr auto is_alpha = [](char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
};

inline constexpr std::array<bool, 256> token_table = [] {
  std::array<bool, 256> table{};
  for (int i = 0; i < 256; ++i) {
    const auto c = static_cast<char>(i);
    table[i] = is_digit(c) || is_alpha(c);
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

inline constexpr auto is_token = [](char c) { return token_table[static_cast<unsigned char>(c)]; };
inline constexpr auto is_visible = [](char c) { return c > 0x20 && c < 0x7f; };
// field-vchar, SP, HTAB and obs-text: anything but controls and DEL.
inline constexpr auto is_field = [](char c) {
  auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
};
inline constexpr auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// True when `accepts` holds for every byte of `text`. No early exit: the loop then vectorises,
// and valid input is the common case.
template <typename Predicate>
bool all_of(std::string_view text, Predicate accepts) {
  bool all = true;
  for (char c : text) all &= accepts(c);
  return all;
}

// A token (RFC 9110 §5.6.2): a method, a field name.
inline bool is_token_text(std::string_view text) { return !text.empty() && all_of(text, is_token); }

// True when every byte of `text` is a field byte: 8 bytes at a time while none is a control
// byte or DEL, then byte by byte from the first word holding one (a HTAB, or an error).
inline bool all_field_bytes(std::string_view text) {
  constexpr std::uint64_t ones = 0x0101010101010101;
  constexpr std::uint64_t highs = 0x8080808080808080;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, text.data() + i, sizeof word);
    const std::uint64_t below_space = (word - 0x20 * ones) & ~word & highs;
    const std::uint64_t del = word ^ (0x7f * ones);
    if ((below_space | ((del - ones) & ~del & highs)) != 0) break;
  }
  for (; i < text.size(); ++i) {
    if (!is_field(text[i])) return false;
  }
  return true;
}

}  // namespace lambda::http::chars
