#include <lambda/json.hpp>

#include <cstring>

#include "json/string_blocks.hpp"
#include "json/unescape.hpp"

namespace lambda::json {

namespace {

using detail::stretch_size;

// Up to 64 bytes from `from` to `to`: whole 32-byte copies, so that a run's length is no branch
// in the common case of a short run between two escapes. 64 bytes on from either may be used.
void copy_run(char* to, const char* from, unsigned length) noexcept {
  std::memcpy(to, from, 32);
  if (length > 32) std::memcpy(to + 32, from + 32, 32);
}

struct progress {
  const char* in;
  char* out;
  std::uint64_t carry = 0;  // 1 when `in` is a byte that an escape before it stands for
};

// Whether the escape \c stands for c itself: \" in a JSON body, \\ in a path, \/.
bool stands_for_itself(char c) noexcept { return (c == '"') | (c == '\\') | (c == '/'); }

// Unescapes a stretch at a time from at.in, into at.out, while before `stop`. Needs 128 bytes
// from there to be readable (a stretch, then a run's copy or a \u escape from its last byte), and
// as many writable; `end` bounds what an escape may take. The last stretch may pass `stop`, and
// then its bytes past it are copied as they are.
progress unescape_stretches(progress at, const char* stop, const char* end) noexcept {
  const char* p = at.in;
  char* o = at.out;
  std::uint64_t carry = at.carry;  // the stretch starts with an escaped byte
  while (p < stop) {
    const char* const stretch = p;
    std::uint64_t backslashes = detail::stretch_bytes(stretch, '\\');
    // Most escapes in text that encoders write stand for themselves (above), so first each
    // backslash that starts an escape is simply dropped: a run copied for each, and nothing
    // waited for from one escape to the next. Should any escape stand for something else, the
    // stretch is done again below.
    std::uint64_t carry_out = carry;
    const std::uint64_t escapes = backslashes & ~carry & ~detail::escaped_bytes<stretch_size>(backslashes, carry_out);
    char* const out = o;
    unsigned from = 0;  // the stretch's first byte not yet written
    bool others = false;
    for (std::uint64_t drops = escapes; drops != 0; drops &= drops - 1) {
      const unsigned at = detail::first_flagged_bit(drops);
      copy_run(o, stretch + from, at - from);
      o += at - from;
      from = at + 1;
      others |= !stands_for_itself(stretch[from]);
    }
    if (!others) {
      copy_run(o, stretch + from, stretch_size - from);
      o += stretch_size - from;
      p = stretch + stretch_size;
      carry = carry_out;
      continue;
    }
    o = out;
    from = 0;
    // Else each escape in turn, decoded: the run before it copied whole.
    backslashes &= ~carry;  // the byte an escape at the end of the last stretch stands for
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

}  // namespace

std::size_t unescape(std::string_view text, char* out) noexcept {
  const char* const end = text.data() + text.size();
  // In place while two stretches are left (`out`, which never runs ahead of text, then has room
  // for what a stretch writes too); the last bytes through a copy padded with zeros, which are no
  // backslashes, so that they pass through unchanged and can be told apart from the text's own.
  const progress done = text.size() >= 2 * stretch_size
                            ? unescape_stretches({text.data(), out}, end - 2 * stretch_size + 1, end)
                            : progress{text.data(), out};
  const auto left = static_cast<std::size_t>(end - done.in);
  if (left == 0) return static_cast<std::size_t>(done.out - out);
  char in[4 * stretch_size] = {}, decoded[4 * stretch_size];
  std::memcpy(in, done.in, left);
  const progress tail = unescape_stretches({in, decoded, done.carry}, in + left, in + left);
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
