#include <lambda/json.hpp>

#include <cstring>

#include "json/string_blocks.hpp"
#include "json/unescape.hpp"

namespace lambda::json {

std::size_t unescape(std::string_view text, char* out) noexcept {
  const char* p = text.data();
  const char* const end = p + text.size();
  char* o = out;
  // A block at a time, copied whole: `out` has room for it, since it never runs ahead of text.
  // A byte beyond the block remains, so an escape's second byte is always there to read.
  while (end - p > detail::block_size) {
    const std::uint32_t backslashes = detail::string_block(p, false).backslashes;
    std::memcpy(o, p, detail::block_size);
    if (backslashes == 0) {
      p += detail::block_size;
      o += detail::block_size;
      continue;
    }
    const unsigned plain = detail::first_flagged_bit(backslashes);
    p += plain;
    o += plain;
    if (const char decoded = detail::decoded_short_escape(p[1])) {
      *o++ = decoded;
      p += 2;
      continue;
    }
    const detail::decoded_escape escape = detail::decode_escape(p, static_cast<std::size_t>(end - p), o);
    if (escape.consumed == 0) {
      *o++ = *p++;  // not an escape: copied through
      continue;
    }
    o += escape.length;
    p += escape.consumed;
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
