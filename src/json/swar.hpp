// Eight bytes at a time: the string scanners' fast path (plain C++, no SIMD intrinsics).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace lambda::json::detail {

static_assert(std::endian::native == std::endian::little,
              "the scanners take the first flagged byte to be the lowest one");

inline constexpr std::uint64_t ones = 0x0101010101010101;
inline constexpr std::uint64_t high_bits = 0x8080808080808080;

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Sets the high bit of each byte of `word` that is '"', '\\', a control character (< 0x20)
// or not ASCII (>= 0x80). A subtraction's borrow may also flag bytes above a flagged one, so
// only the lowest flag is exact: callers take just that one.
// (x - 1) turns a zero byte into 0xFF; bytes with the high bit already set are flagged by
// `word` itself, which is why the usual "& ~x" terms are not needed.
inline std::uint64_t string_stoppers(std::uint64_t word) noexcept {
  const std::uint64_t quote = word ^ (ones * '"');
  const std::uint64_t backslash = word ^ (ones * '\\');
  return ((quote - ones) | (backslash - ones) | (word - ones * 0x20) | word) & high_bits;
}

// Index (0..7) of the lowest flagged byte of a non-zero mask.
inline unsigned first_flagged(std::uint64_t mask) noexcept {
  return static_cast<unsigned>(std::countr_zero(mask)) / 8;
}

// Index of the lowest set bit of a non-zero mask of one bit per byte (byte_bits(), block_bits).
inline unsigned first_flagged_bit(std::uint64_t bits) noexcept { return static_cast<unsigned>(std::countr_zero(bits)); }

inline bool is_string_stopper(unsigned char c) noexcept {
  return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

// The first string stopper in [p, end), or end.
inline const char* find_string_stopper(const char* p, const char* end) noexcept {
  for (; end - p >= 8; p += 8) {
    if (const std::uint64_t mask = string_stoppers(load8(p))) return p + first_flagged(mask);
  }
  while (p < end && !is_string_stopper(static_cast<unsigned char>(*p))) ++p;
  return p;
}

// Exact masks: the high bit of every byte that is `c`, or that is a control character (< 0x20)
// or not ASCII. Masking off the high bits first keeps each byte's sum from carrying into the next.
inline std::uint64_t bytes_equal(std::uint64_t word, char c) noexcept {
  const std::uint64_t x = word ^ (ones * static_cast<unsigned char>(c));
  return ~(((x & ~high_bits) + ~high_bits) | x) & high_bits;
}

inline std::uint64_t bytes_control_or_non_ascii(std::uint64_t word) noexcept {
  return (word | ~((word & ~high_bits) + ones * 0x60)) & high_bits;
}

// An exact mask's flags as one bit per byte, bit i for byte i: the multiplication moves the
// high bit of byte i to bit 56 + i, and no two partial products meet or carry.
inline unsigned byte_bits(std::uint64_t mask) noexcept {
  return static_cast<unsigned>(((mask >> 7) * 0x0102040810204080) >> 56);
}

}  // namespace lambda::json::detail
