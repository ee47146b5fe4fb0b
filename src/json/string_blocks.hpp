// Sixteen bytes of a string at a time: which are backslashes, quotes, control characters or not
// ASCII, and which an escape's backslash escapes. SSE2 where the target has it (every x86-64),
// else SWAR words; both give the same bits.
#pragma once

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json/swar.hpp"

namespace lambda::json::detail {

// Strings in events are short, and their escapes close together: 32-byte blocks cost more.
// escaped_bytes() counts on a block's bits fitting in half of a 32-bit mask.
inline constexpr unsigned block_size = 16;

// One bit per byte of a block, bit i for byte i.
struct block_bits {
  std::uint32_t backslashes;
  std::uint32_t quotes;
  std::uint32_t others;  // control characters and non-ASCII bytes, when asked for (else 0)
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

// The bytes of a block that an escape's backslash escapes, from its backslashes and `carry`,
// set when the block before ended in a backslash that escapes this block's first byte; updates
// `carry` for the next block. A run of backslashes escapes the byte after it when the run is
// odd: adding each run's start to the run carries past its end only for runs that start on an
// odd bit, and flipping the even bits then marks what follows odd runs (simdjson's trick).
inline std::uint32_t escaped_bytes(std::uint32_t backslashes, std::uint32_t& carry) noexcept {
  constexpr std::uint32_t even = 0x5555;
  backslashes &= ~carry;  // escaped itself, so it starts no escape
  const std::uint32_t follows = (backslashes << 1) | carry;
  const std::uint32_t odd_starts = backslashes & ~even & ~follows;
  const std::uint32_t sums = odd_starts + backslashes;
  carry = sums >> block_size;
  return (even ^ (sums << 1)) & follows & 0xFFFF;
}

}  // namespace lambda::json::detail
