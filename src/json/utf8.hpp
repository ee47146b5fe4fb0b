// UTF-8 well-formedness per RFC 3629 (Unicode Table 3-7), one sequence at a time.
#pragma once

#include <cstddef>

namespace lambda::json::detail {

enum class utf8_verdict : unsigned char { valid, invalid, truncated };

struct utf8_sequence {
  utf8_verdict verdict;
  // valid: the sequence's length. invalid: the length of its maximal ill-formed subpart (what
  // one U+FFFD replaces). truncated: the bytes present, all a valid prefix.
  unsigned length;
};

// Checks the sequence that starts at `p`, whose lead byte is >= 0x80; `available` > 0 bytes
// may be read. Rejects overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and code points
// above U+10FFFF by bounding the second byte, as Table 3-7 does.
inline utf8_sequence check_utf8(const unsigned char* p, std::size_t available) noexcept {
  const unsigned char lead = p[0];
  unsigned length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead < 0xC2) return {utf8_verdict::invalid, 1};  // continuation byte or overlong lead
  if (lead < 0xE0) {
    length = 2;
  } else if (lead < 0xF0) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // below: overlong
    if (lead == 0xED) high = 0x9F;  // above: surrogates
  } else if (lead < 0xF5) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // below: overlong
    if (lead == 0xF4) high = 0x8F;  // above: beyond U+10FFFF
  } else {
    return {utf8_verdict::invalid, 1};
  }
  if (available < 2) return {utf8_verdict::truncated, 1};
  if (p[1] < low || p[1] > high) return {utf8_verdict::invalid, 1};
  for (unsigned i = 2; i < length; ++i) {
    if (available <= i) return {utf8_verdict::truncated, i};
    if ((p[i] & 0xC0) != 0x80) return {utf8_verdict::invalid, i};
  }
  return {utf8_verdict::valid, length};
}

}  // namespace lambda::json::detail
