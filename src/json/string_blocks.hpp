// Sixteen bytes of a string at a time, or four such blocks as one 64-byte stretch: which are
// backslashes, quotes, control characters or not ASCII, and which an escape's backslash escapes;
// and for skipping a container, which are brackets and which lie inside strings.
// SSE2 where the target has it (every x86-64), else SWAR words; both give the same bits.
#pragma once

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json/swar.hpp"

namespace lambda::json::detail {

// Most strings in events are short (keys, ids) and end in their first block; a long one (a body)
// goes on a stretch at a time, which costs less per byte.
inline constexpr unsigned block_size = 16;
inline constexpr unsigned stretch_size = 64;

// One bit per byte of a block or a stretch, bit i for byte i.
struct block_bits {
  std::uint64_t backslashes;
  std::uint64_t quotes;
  std::uint64_t others;  // control characters and non-ASCII bytes, when asked for (else 0)
};

inline block_bits string_block_swar(const char* p, bool others) noexcept {
  const std::uint64_t low = load8(p);
  const std::uint64_t high = load8(p + 8);
  const auto bits = [](std::uint64_t low_mask, std::uint64_t high_mask) {
    return byte_bits(low_mask) | (byte_bits(high_mask) << 8);
  };
  block_bits b{bits(bytes_equal(low, '\\'), bytes_equal(high, '\\')), bits(bytes_equal(low, '"'), bytes_equal(high, '"')), 0};
  if (others) b.others = bits(bytes_control_or_non_ascii(low), bytes_control_or_non_ascii(high));
  return b;
}

#if defined(__SSE2__)
inline block_bits string_block_sse2(const char* p, bool others) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const auto bits = [](__m128i mask) { return static_cast<std::uint32_t>(_mm_movemask_epi8(mask)); };
  block_bits b{bits(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))), bits(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'))), 0};
  // A signed comparison: non-ASCII bytes are negative, so one finds them with the controls.
  if (others) b.others = bits(_mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)));
  return b;
}
#endif

// The block at p; `others` says whether to find control and non-ASCII bytes too.
inline block_bits string_block(const char* p, bool others) noexcept {
#if defined(__SSE2__)
  return string_block_sse2(p, others);
#else
  return string_block_swar(p, others);
#endif
}

// The stretch at p: four blocks' bits side by side (written out: a loop is not unrolled at -O2).
[[gnu::always_inline]] inline block_bits string_stretch(const char* p, bool others) noexcept {
  static_assert(stretch_size == 4 * block_size);
  const block_bits b0 = string_block(p, others), b1 = string_block(p + block_size, others),
                   b2 = string_block(p + 2 * block_size, others), b3 = string_block(p + 3 * block_size, others);
  const auto join = [](std::uint64_t first, std::uint64_t second, std::uint64_t third, std::uint64_t fourth) {
    return first | second << 16 | third << 32 | fourth << 48;
  };
  return {join(b0.backslashes, b1.backslashes, b2.backslashes, b3.backslashes),
          join(b0.quotes, b1.quotes, b2.quotes, b3.quotes), join(b0.others, b1.others, b2.others, b3.others)};
}

// The bytes of a stretch that are `c`, one bit per byte.
[[gnu::always_inline]] inline std::uint64_t stretch_bytes(const char* p, char c) noexcept {
  std::uint64_t bits = 0;
  for (unsigned i = 0; i < stretch_size; i += block_size) {
#if defined(__SSE2__)
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const std::uint64_t block = static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(c))));
#else
    const std::uint64_t block = byte_bits(bytes_equal(load8(p + i), c)) | (byte_bits(bytes_equal(load8(p + i + 8), c)) << 8);
#endif
    bits |= block << i;
  }
  return bits;
}

// The opening and closing brackets of a stretch, one bit per byte: '[' and '{', ']' and '}'.
// Setting bit 5 folds '[' onto '{' and ']' onto '}', and no other byte onto either.
struct bracket_bits {
  std::uint64_t opens;
  std::uint64_t closes;
};

inline bracket_bits bracket_block_swar(const char* p) noexcept {
  const std::uint64_t low = load8(p) | (ones * 0x20), high = load8(p + 8) | (ones * 0x20);
  return {byte_bits(bytes_equal(low, '{')) | (byte_bits(bytes_equal(high, '{')) << 8),
          byte_bits(bytes_equal(low, '}')) | (byte_bits(bytes_equal(high, '}')) << 8)};
}

#if defined(__SSE2__)
inline bracket_bits bracket_block_sse2(const char* p) noexcept {
  const __m128i folded = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8(0x20));
  const auto bits = [](__m128i mask) { return static_cast<std::uint32_t>(_mm_movemask_epi8(mask)); };
  return {bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('{'))), bits(_mm_cmpeq_epi8(folded, _mm_set1_epi8('}')))};
}
#endif

inline bracket_bits bracket_block(const char* p) noexcept {
#if defined(__SSE2__)
  return bracket_block_sse2(p);
#else
  return bracket_block_swar(p);
#endif
}

[[gnu::always_inline]] inline bracket_bits bracket_stretch(const char* p) noexcept {
  const bracket_bits b0 = bracket_block(p), b1 = bracket_block(p + block_size), b2 = bracket_block(p + 2 * block_size),
                     b3 = bracket_block(p + 3 * block_size);
  return {b0.opens | b1.opens << 16 | b2.opens << 32 | b3.opens << 48,
          b0.closes | b1.closes << 16 | b2.closes << 32 | b3.closes << 48};
}

// Bit i set when an odd number of bits 0..i are: with `quotes` the unescaped quotes of a stretch,
// the bytes inside strings, opening quotes included (a carry-less multiplication by all ones).
inline std::uint64_t prefix_xor(std::uint64_t bits) noexcept {
  bits ^= bits << 1;
  bits ^= bits << 2;
  bits ^= bits << 4;
  bits ^= bits << 8;
  bits ^= bits << 16;
  return bits ^ (bits << 32);
}

// The bytes of a block (Width 16) or a stretch (Width 64) that an escape's backslash escapes,
// from its backslashes and `carry`, set when the bytes before ended in a backslash that escapes
// this one's first byte; updates `carry` for the bytes after. A run of backslashes escapes the
// byte after it when the run is odd: adding each run's start to the run carries past its end
// only for runs that start on an odd bit, and flipping the even bits then marks what follows odd
// runs (simdjson's trick).
template <unsigned Width>
std::uint64_t escaped_bytes(std::uint64_t backslashes, std::uint64_t& carry) noexcept {
  static_assert(Width == block_size || Width == stretch_size);
  constexpr std::uint64_t even = 0x5555555555555555;
  backslashes &= ~carry;  // escaped itself, so it starts no escape
  const std::uint64_t follows = (backslashes << 1) | carry;
  const std::uint64_t odd_starts = backslashes & ~even & ~follows;
  std::uint64_t sums = 0;
  [[maybe_unused]] const bool overflow = __builtin_add_overflow(odd_starts, backslashes, &sums);
  if constexpr (Width == stretch_size) {
    carry = overflow;
    return (even ^ (sums << 1)) & follows;
  } else {
    carry = (sums >> Width) & 1;
    return (even ^ (sums << 1)) & follows & ((std::uint64_t{1} << Width) - 1);
  }
}

}  // namespace lambda::json::detail
