// Decoding one backslash escape of a JSON string to UTF-8.
#pragma once

#include <cstddef>

#include "json/scan.hpp"

namespace lambda::json::detail {

inline unsigned encode_utf8(char32_t code_point, char* out) noexcept {
  const auto byte = [](char32_t bits) { return static_cast<char>(bits); };
  if (code_point < 0x80) {
    out[0] = byte(code_point);
    return 1;
  }
  if (code_point < 0x800) {
    out[0] = byte(0xC0 | (code_point >> 6));
    out[1] = byte(0x80 | (code_point & 0x3F));
    return 2;
  }
  if (code_point < 0x10000) {
    out[0] = byte(0xE0 | (code_point >> 12));
    out[1] = byte(0x80 | ((code_point >> 6) & 0x3F));
    out[2] = byte(0x80 | (code_point & 0x3F));
    return 3;
  }
  out[0] = byte(0xF0 | (code_point >> 18));
  out[1] = byte(0x80 | ((code_point >> 12) & 0x3F));
  out[2] = byte(0x80 | ((code_point >> 6) & 0x3F));
  out[3] = byte(0x80 | (code_point & 0x3F));
  return 4;
}

// The character a two-byte escape stands for, from the character after its backslash; 0 when
// that is no two-byte escape.
inline char decoded_short_escape(char c) noexcept {
  static constexpr auto table = [] {
    struct bytes {
      char of[256]{};
    } t;
    const char* escapes = "\"\\/bfnrt";
    const char* decoded = "\"\\/\b\f\n\r\t";
    for (int i = 0; i < 8; ++i) t.of[static_cast<unsigned char>(escapes[i])] = decoded[i];
    return t;
  }();
  return table.of[static_cast<unsigned char>(c)];
}

struct decoded_escape {
  unsigned consumed;  // bytes of text the escape took; 0: not a valid escape
  unsigned length;    // bytes written to out (at most 4, never more than consumed)
};

// Decodes the escape whose backslash is at text[0]; `size` bytes may be read. A surrogate
// without its partner (possible only in text no tokenizer checked) becomes U+FFFD.
inline decoded_escape decode_escape(const char* text, std::size_t size, char* out) noexcept {
  if (size < 2) return {0, 0};
  if (const char decoded = decoded_short_escape(text[1])) {
    out[0] = decoded;
    return {2, 1};
  }
  unsigned unit = 0;
  if (text[1] != 'u' || scan_hex4(text, size, 2, 0, unit).status != scan_status::complete) {
    return {0, 0};
  }
  if (is_high_surrogate(unit) && size >= 12 && text[6] == '\\' && text[7] == 'u') {
    unsigned low = 0;
    if (scan_hex4(text, size, 8, 6, low).status == scan_status::complete && is_low_surrogate(low)) {
      const char32_t code_point = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      return {12, encode_utf8(code_point, out)};
    }
  }
  if (is_high_surrogate(unit) || is_low_surrogate(unit)) unit = 0xFFFD;
  return {6, encode_utf8(unit, out)};
}

}  // namespace lambda::json::detail
