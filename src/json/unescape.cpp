#include <lambda/json.hpp>

#include <cstdint>
#include <cstring>

#include "json/drop_bytes.hpp"
#include "json/string_blocks.hpp"
#include "json/unescape.hpp"

namespace lambda::json {

namespace {

using detail::copy_run;
using detail::stretch_size;

struct progress {
  const char* in;
  char* out;
  std::uint64_t carry = 0;  // 1 when `in` is a byte that an escape before it stands for
};

// Whether the escape \c stands for c itself: \" in a JSON body, \\ in a path, \/.
bool stands_for_itself(char c) noexcept { return (c == '"') | (c == '\\') | (c == '/'); }

// The same for each byte of a stretch, one bit per byte, from its bits `b`.
std::uint64_t stand_for_themselves(const detail::block_bits& b, const char* stretch) noexcept {
  return b.backslashes | b.quotes | detail::stretch_bytes(stretch, '/');
}

// The backslashes that start an escape, the stretch's first byte escaped when `carry` is set;
// updates `carry` for the stretch after, as escaped_bytes() does.
std::uint64_t escape_starts(std::uint64_t backslashes, std::uint64_t& carry) noexcept {
  const std::uint64_t first_escaped = carry;
  return backslashes & ~first_escaped & ~detail::escaped_bytes<stretch_size>(backslashes, carry);
}

// Unescapes a stretch at a time from at.in, into at.out, up to `end` while the bytes before
// `readable` allow: each stretch reads its 64 bytes and the next, and all but the fastest path
// read 128 bytes from the stretch (a run's copy, or a \u escape from its last byte). As much may
// be written. The last stretch may pass `end`, and then its bytes past it are copied as they are.
progress unescape_stretches(progress at, const char* end, const char* readable) noexcept {
  const char* p = at.in;
  char* o = at.out;
  std::uint64_t carry = at.carry;  // the stretch starts with an escaped byte
  while (p < end && readable - p > stretch_size) {
    const char* const stretch = p;
    const detail::block_bits b = detail::string_stretch(stretch, false);
    std::uint64_t carry_out = carry;
    const std::uint64_t escapes = escape_starts(b.backslashes, carry_out);
    // Most escapes in text that encoders write stand for themselves (above): then dropping the
    // backslashes that start them is all there is to do.
    const std::uint64_t itself = stand_for_themselves(b, stretch) >> 1 |
                                 std::uint64_t{stands_for_itself(stretch[stretch_size])} << (stretch_size - 1);
    const bool drop_only = (escapes & ~itself) == 0;
#if defined(__x86_64__)
    if (drop_only && detail::has_ssse3) {
      o = detail::drop_bytes_ssse3(stretch, escapes, o);
      p = stretch + stretch_size;
      carry = carry_out;
      continue;
    }
#endif
    if (readable - p < 2 * stretch_size) break;
    if (drop_only) {
      o = detail::drop_bytes_one_by_one(stretch, escapes, o);
      p = stretch + stretch_size;
      carry = carry_out;
      continue;
    }
    // Else each escape in turn, decoded: the run before it copied whole.
    std::uint64_t backslashes = b.backslashes & ~carry;  // carry: not an escape, but escaped
    unsigned from = 0;  // the stretch's first byte not yet written
    while (backslashes != 0) {
      const unsigned at = detail::first_flagged_bit(backslashes);
      copy_run(o, stretch + from, at - from);
      o += at - from;
      if (const char decoded = detail::decoded_short_escape(stretch[at + 1])) {
        *o++ = decoded;
        from = at + 2;
      } else {
        const detail::decoded_escape escape =
            detail::decode_escape(stretch + at, static_cast<std::size_t>(end - (stretch + at)), o);
        if (escape.consumed == 0) {
          *o++ = '\\';  // not an escape: copied through
          from = at + 1;
        } else {
          o += escape.length;
          from = at + escape.consumed;
        }
      }
      backslashes = from < stretch_size ? backslashes & (~std::uint64_t{0} << from) : 0;
    }
    if (from < stretch_size) {
      copy_run(o, stretch + from, stretch_size - from);
      o += stretch_size - from;
      from = stretch_size;
    }
    p = stretch + from;
    carry = 0;
  }
  return {p, o, carry};
}

#if defined(__x86_64__)
// The last bytes of a text of at least 64, from at.in (at least one byte, at most 64 before the
// end), by the SSSE3 fast path: the text's last stretch is read, and its bytes before at.in are
// dropped with the backslashes. Null when an escape there stands for something else, or when an
// escape's backslash is the last byte.
char* unescape_last_stretch(progress at, const char* end) noexcept {
  const char* const last = end - stretch_size;
  const auto done = static_cast<unsigned>(at.in - last);  // the stretch's bytes already written
  const detail::block_bits b = detail::string_stretch(last, false);
  const std::uint64_t backslashes = b.backslashes >> done;  // bit 0: at.in
  std::uint64_t carry = at.carry;
  const std::uint64_t escapes = escape_starts(backslashes, carry);
  const std::uint64_t itself = stand_for_themselves(b, last) >> done >> 1;
  if ((escapes & ~itself) != 0) return nullptr;
  char kept[stretch_size + 8];  // as drop_bytes_ssse3 may write 8 bytes on
  const char* kept_end = detail::drop_bytes_ssse3(last, (escapes << done) | ((std::uint64_t{1} << done) - 1), kept);
  std::memcpy(at.out, kept, static_cast<std::size_t>(kept_end - kept));
  return at.out + (kept_end - kept);
}
#endif

}  // namespace

std::size_t unescape(std::string_view text, char* out) noexcept {
  const char* const end = text.data() + text.size();
  // Straight from the text as far as it can be read ahead (`out`, which never runs ahead of the
  // text, then has room for what a stretch writes too). Then the last bytes: as the text's last
  // stretch where that serves, else through a copy padded with zeros, which are no backslashes,
  // so that they pass through unchanged and can be told apart from the text's own. Fewer than
  // 128 bytes are left, and a stretch starting before them reads and writes 128 bytes at most.
  const progress done = unescape_stretches({text.data(), out}, end, end);
  const auto left = static_cast<std::size_t>(end - done.in);
  if (left == 0) return static_cast<std::size_t>(done.out - out);
#if defined(__x86_64__)
  if (detail::has_ssse3 && left <= stretch_size && text.size() >= stretch_size) {
    if (const char* last = unescape_last_stretch(done, end)) return static_cast<std::size_t>(last - out);
  }
#endif
  char in[4 * stretch_size] = {}, decoded[4 * stretch_size];
  std::memcpy(in, done.in, left);
  const progress tail = unescape_stretches({in, decoded, done.carry}, in + left, in + sizeof in);
  const auto written = static_cast<std::size_t>(tail.out - decoded) - static_cast<std::size_t>(tail.in - (in + left));
  std::memcpy(done.out, decoded, written);
  return static_cast<std::size_t>(done.out - out) + written;
}

void append_unescaped(std::string& out, std::string_view text) {
  const std::size_t old_size = out.size();
  out.resize(old_size + text.size());
  out.resize(old_size + unescape(text, out.data() + old_size));
}

}  // namespace lambda::json
