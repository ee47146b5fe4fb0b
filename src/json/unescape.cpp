#include <lambda/json.hpp>

#include <cstring>

#include "json/string_blocks.hpp"
#include "json/unescape.hpp"

namespace lambda::json {

std::size_t unescape(std::string_view text, char* out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  char* o = out;
  // A block at a time while two are left, so that each 16-byte copy below reads within text and
  // writes within `out` (which never runs ahead of text). Every two-byte escape of a block is
  // decoded from the block's one mask of backslashes, without loading the block again; a \u
  // escape goes to the general decoder.
  while (end - p >= 2 * detail::block_size) {
    const char* const block = p;
    std::uint64_t backslashes = detail::string_block(block, false).backslashes;
    unsigned from = 0;  // the block's first byte not yet written
    for (;;) {
      std::memcpy(o, block + from, detail::block_size);
      if (backslashes == 0) {
        o += detail::block_size - from;
        p = block + detail::block_size;
        break;
      }
      const unsigned at = detail::first_flagged_bit(backslashes);
      o += at - from;
      const char decoded = detail::decoded_short_escape(block[at + 1]);
      if (decoded == 0) {
        p = block + at;
        const detail::decoded_escape escape = detail::decode_escape(p, static_cast<std::size_t>(end - p), o);
        if (escape.consumed == 0) {
          *o++ = *p++;  // not an escape: copied through
        } else {
          o += escape.length;
          p += escape.consumed;
        }
        break;
      }
      *o++ = decoded;
      from = at + 2;
      backslashes &= ~((std::uint64_t{4} << at) - 1);  // the escape's two bytes are done
      if (from >= detail::block_size) {
        p = block + from;
        break;
      }
    }
  }
  while (p < end) {
    const auto left = static_cast<std::size_t>(end - p);
    const auto* backslash = static_cast<const char*>(std::memchr(p, '\\', left));
    const char* run_end = backslash != nullptr ? backslash : end;
    std::memcpy(o, p, static_cast<std::size_t>(run_end - p));
    o += run_end - p;
    p = run_end;
    if (p == end) break;
    const detail::decoded_escape escape =
        detail::decode_escape(p, static_cast<std::size_t>(end - p), o);
    if (escape.consumed == 0) {
      *o++ = *p++;  // not an escape: copied through
      continue;
    }
    o += escape.length;
    p += escape.consumed;
  }
  return static_cast<std::size_t>(o - out);
}

void append_unescaped(std::string& out, std::string_view text) {
  const std::size_t old_size = out.size();
  out.resize(old_size + text.size());
  out.resize(old_size + unescape(text, out.data() + old_size));
}

}  // namespace lambda::json
