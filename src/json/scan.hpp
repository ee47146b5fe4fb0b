// The tokenizer's inner scanners: one string or number token at a time, over offsets into the
// input, so that a token cut off by the end of the input can be resumed later.
#pragma once

#include <lambda/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <system_error>

#include "json/string_blocks.hpp"
#include "json/swar.hpp"
#include "json/utf8.hpp"

namespace lambda::json::detail {

enum class scan_status : unsigned char { complete, truncated, invalid };

struct scan_result {
  scan_status status;
  // complete: one past the token. truncated: where to resume once more input arrives.
  // invalid: the first byte found wrong.
  std::size_t position;
  error_code error = error_code::none;
};

// The four hex digits at data[p..p+4) of a \u escape whose backslash is at `escape`.
inline scan_result scan_hex4(const char* data, std::size_t size, std::size_t p, std::size_t escape,
                             unsigned& unit) noexcept {
  const std::size_t available = std::min<std::size_t>(4, size - p);
  unit = 0;
  // Into an unsigned, base 16: hex digits of either case only (no sign, no "0x", no blanks).
  const auto [end, ec] = std::from_chars(data + p, data + p + available, unit, 16);
  const auto digits = ec == std::errc{} ? static_cast<std::size_t>(end - (data + p)) : 0;
  if (digits < available) return {scan_status::invalid, escape, error_code::invalid_unicode_escape};
  if (available < 4) return {scan_status::truncated, escape};
  return {scan_status::complete, p + 4};
}

inline bool is_high_surrogate(unsigned unit) noexcept { return unit >= 0xD800 && unit <= 0xDBFF; }
inline bool is_low_surrogate(unsigned unit) noexcept { return unit >= 0xDC00 && unit <= 0xDFFF; }

// The character after the backslash of a two-byte escape.
inline bool is_short_escape(char c) noexcept {
  switch (c) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
      return true;
    default:
      return false;
  }
}

// The escape whose backslash is at data[p]. A high surrogate must be followed at once by a
// \u escape of a low one: the pair is one code point, and either half alone is no character.
inline scan_result scan_escape(const char* data, std::size_t size, std::size_t p) noexcept {
  if (size - p < 2) return {scan_status::truncated, p};
  if (is_short_escape(data[p + 1])) return {scan_status::complete, p + 2};
  if (data[p + 1] != 'u') return {scan_status::invalid, p, error_code::invalid_escape};
  unsigned unit = 0;
  const scan_result first = scan_hex4(data, size, p + 2, p, unit);
  if (first.status != scan_status::complete) return first;
  if (is_low_surrogate(unit)) return {scan_status::invalid, p, error_code::lone_surrogate};
  if (!is_high_surrogate(unit)) return first;
  const std::size_t second = p + 6;
  for (std::size_t i = 0; i < 2; ++i) {
    if (second + i == size) return {scan_status::truncated, p};
    if (data[second + i] != "\\u"[i]) return {scan_status::invalid, p, error_code::lone_surrogate};
  }
  const scan_result low = scan_hex4(data, size, second + 2, second, unit);
  if (low.status == scan_status::truncated) return {scan_status::truncated, p};
  if (low.status == scan_status::invalid) return low;
  if (!is_low_surrogate(unit)) return {scan_status::invalid, p, error_code::lone_surrogate};
  return low;
}

// Where the fast path must stop in the block or stretch `b` of Width bytes: the offset of the
// first byte the slow path must judge (-1: the backslash ending the bytes before, whose escape
// must be judged), or Width when there is none. Sets `escaped` when the bytes it passes hold a
// backslash escape; updates `carry` as escaped_bytes() does. Inlined so that the block's bits stay
// in registers.
template <unsigned Width>
[[gnu::always_inline]] inline std::ptrdiff_t plain_stop(const block_bits& b, std::uint64_t& carry, bool& escaped) noexcept {
  if ((b.backslashes | carry) == 0) {
    if (const std::uint64_t stops = b.quotes | b.others) return first_flagged_bit(stops);
    return Width;
  }
  const std::uint64_t escapes = escaped_bytes<Width>(b.backslashes, carry);
  const std::uint64_t stops = ((b.quotes | b.others) & ~escapes) | (escapes & ~(b.quotes | b.backslashes));
  if (stops == 0) {
    escaped = true;
    return Width;
  }
  const unsigned i = first_flagged_bit(stops);
  if ((b.backslashes & ((std::uint64_t{1} << i) - 1)) != 0) escaped = true;
  return static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>((escapes >> i) & 1);
}

// The string scan's fast path from `p` (not an escaped byte): past printable ASCII and the
// escapes \" and \\, however they fall across blocks, up to the first byte the slow path must
// judge: a quote that is not escaped, a control or non-ASCII byte, the backslash of any other
// escape, or the last few bytes of the input. A block first, then stretches. Inlined into
// scan_string: for the many short strings a call costs as much as their scan.
[[gnu::always_inline]] inline std::size_t skip_plain_string(const char* data, std::size_t size,
                                                            std::size_t p, bool& escaped) noexcept {
  std::uint64_t carry = 0;  // the bytes at p start with an escaped byte
  if (size - p < block_size) return p;
  if (const std::ptrdiff_t stop = plain_stop<block_size>(string_block(data + p, true), carry, escaped);
      stop != block_size) {
    return p + stop;
  }
  for (p += block_size; size - p >= stretch_size; p += stretch_size) {
    const std::ptrdiff_t stop = plain_stop<stretch_size>(string_stretch(data + p, true), carry, escaped);
    if (stop != stretch_size) return p + stop;
  }
  for (; size - p >= block_size; p += block_size) {
    const std::ptrdiff_t stop = plain_stop<block_size>(string_block(data + p, true), carry, escaped);
    if (stop != block_size) return p + stop;
  }
  return p - carry;
}

// A string's contents from `p` (just past the opening quote, or a resume point) through the
// closing quote. Sets `escaped` when it meets a backslash escape.
inline scan_result scan_string(const char* data, std::size_t size, std::size_t p,
                               bool& escaped) noexcept {
  const char* const end = data + size;
  for (;;) {
    p = skip_plain_string(data, size, p, escaped);
    if (p < size && data[p] == '"') return {scan_status::complete, p + 1};
    const char* stop = find_string_stopper(data + p, end);
    p = static_cast<std::size_t>(stop - data);
    if (stop == end) return {scan_status::truncated, p};
    const auto c = static_cast<unsigned char>(*stop);
    if (c == '"') return {scan_status::complete, p + 1};
    if (c == '\\') {
      escaped = true;
      if (size - p >= 2 && is_short_escape(data[p + 1])) {  // the common case, kept inline
        p += 2;
        continue;
      }
      const scan_result escape = scan_escape(data, size, p);
      if (escape.status != scan_status::complete) return escape;
      p = escape.position;
      continue;
    }
    if (c < 0x20) return {scan_status::invalid, p, error_code::control_character};
    const auto* lead = reinterpret_cast<const unsigned char*>(stop);
    const utf8_sequence sequence = check_utf8(lead, size - p);
    if (sequence.verdict == utf8_verdict::truncated) return {scan_status::truncated, p};
    if (sequence.verdict == utf8_verdict::invalid) {
      return {scan_status::invalid, p, error_code::invalid_utf8};
    }
    p += sequence.length;
  }
}

inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// JSON's four whitespace bytes, and no others (no \f or \v).
inline bool is_whitespace(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

inline std::size_t skip_digits(const char* data, std::size_t size, std::size_t p) noexcept {
  while (p < size && is_digit(data[p])) ++p;
  return p;
}

// A number per RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, starting at `p`. One
// that reaches the end of the input is complete only once the input is finished: "12" may yet
// become "123". A truncated number resumes from its first byte (numbers are short).
inline scan_result scan_number(const char* data, std::size_t size, std::size_t start,
                               bool finished) noexcept {
  const scan_result cut_off{scan_status::truncated, start};
  const auto digits_required = [&](std::size_t p) -> scan_result {
    if (p == size) return cut_off;
    if (!is_digit(data[p])) return {scan_status::invalid, p, error_code::invalid_number};
    return {scan_status::complete, skip_digits(data, size, p)};
  };
  const auto complete_at = [&](std::size_t p) -> scan_result {
    if (p == size && !finished) return cut_off;
    return {scan_status::complete, p};
  };

  std::size_t p = start;
  if (data[p] == '-') ++p;
  if (p == size) return cut_off;
  if (data[p] == '0') {
    ++p;
    if (p < size && is_digit(data[p])) return {scan_status::invalid, p, error_code::leading_zero};
  } else {
    const scan_result integer = digits_required(p);
    if (integer.status != scan_status::complete) return integer;
    p = integer.position;
  }
  if (p < size && data[p] == '.') {
    const scan_result fraction = digits_required(p + 1);
    if (fraction.status != scan_status::complete) return fraction;
    p = fraction.position;
  }
  if (p < size && (data[p] == 'e' || data[p] == 'E')) {
    ++p;
    if (p < size && (data[p] == '+' || data[p] == '-')) ++p;
    const scan_result exponent = digits_required(p);
    if (exponent.status != scan_status::complete) return exponent;
    p = exponent.position;
  }
  return complete_at(p);
}

}  // namespace lambda::json::detail
