// Dropping some bytes of a 64-byte stretch and keeping the rest in order: how unescaping removes
// the backslashes of escapes that stand for the byte after them. One run copied per dropped byte
// anywhere; eight bytes at a time with no branch where the CPU has SSSE3.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <tmmintrin.h>
#endif

#include "json/string_blocks.hpp"

namespace lambda::json::detail {

// Up to 64 bytes from `from` to `to`: whole 32-byte copies, so that a run's length is no branch
// in the common case of a short run between two escapes. 64 bytes on from either may be used.
inline void copy_run(char* to, const char* from, unsigned length) noexcept {
  std::memcpy(to, from, 32);
  if (length > 32) std::memcpy(to + 32, from + 32, 32);
}

// The bytes of the stretch but those flagged in `drops`, in order, to o; returns past them. A run
// copied for each dropped byte, with copy_run: it reads up to 96 bytes from the stretch and
// writes up to 96 from o (64 past what it returns).
inline char* drop_bytes_one_by_one(const char* stretch, std::uint64_t drops, char* o) noexcept {
  unsigned from = 0;
  for (; drops != 0; drops &= drops - 1) {
    const unsigned at = first_flagged_bit(drops);
    copy_run(o, stretch + from, at - from);
    o += at - from;
    from = at + 1;
  }
  copy_run(o, stretch + from, stretch_size - from);
  return o + (stretch_size - from);
}

#if defined(__x86_64__)
// The same, eight bytes at a time with no branch: SSSE3's byte shuffle gathers the bytes an
// 8-bit mask keeps, through a table of 256 shuffles. Every x86-64 CPU Lambda runs on has SSSE3;
// the build's baseline (SSE2) does not, so the CPU is asked once (has_ssse3 below).
struct compaction {
  std::uint64_t shuffle[256];  // for each 8-bit mask: the indexes of the bytes it keeps, first
  unsigned char kept[256];     // how many those are
};

inline constexpr compaction compactions = [] {
  compaction c{};
  for (unsigned mask = 0; mask < 256; ++mask) {
    unsigned n = 0;
    for (unsigned i = 0; i < 8; ++i) {
      if (((mask >> i) & 1) == 0) c.shuffle[mask] |= std::uint64_t{i} << (8 * n++);
    }
    c.kept[mask] = static_cast<unsigned char>(n);
  }
  return c;
}();

[[gnu::target("ssse3")]] inline char* drop_bytes_ssse3(const char* stretch, std::uint64_t drops, char* o) noexcept {
  constexpr std::uint64_t high_half = 0x0808080808080808;  // the same indexes, into bytes 8..15
  for (unsigned i = 0; i < stretch_size; i += block_size) {
    const unsigned low = static_cast<unsigned>(drops >> i) & 0xFF, high = static_cast<unsigned>(drops >> (i + 8)) & 0xFF;
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(stretch + i));
    const __m128i kept = _mm_shuffle_epi8(
        bytes, _mm_set_epi64x(static_cast<std::int64_t>(compactions.shuffle[high] + high_half),
                              static_cast<std::int64_t>(compactions.shuffle[low])));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o), kept);
    o += compactions.kept[low];
    _mm_storel_epi64(reinterpret_cast<__m128i*>(o), _mm_unpackhi_epi64(kept, kept));
    o += compactions.kept[high];
  }
  return o;
}

// Asked while the program starts; anything unescaped before then (in another global's
// constructor, say) reads false and takes the portable way, with the same result. Tests clear
// it, so that the portable way, arm64's, is checked on any CPU.
inline bool has_ssse3 = (__builtin_cpu_init(), __builtin_cpu_supports("ssse3"));
#endif

}  // namespace lambda::json::detail
