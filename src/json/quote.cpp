#include <lambda/json.hpp>

#include "json/swar.hpp"
#include "json/utf8.hpp"

namespace lambda::json {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

void append_escaped(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  constexpr char hex[] = "0123456789abcdef";
  const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
  out.append(escape, sizeof escape);
}

}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  const char* p = s.data();
  const char* const end = p + s.size();
  for (;;) {
    const char* stop = detail::find_string_stopper(p, end);
    out.append(p, stop);
    if (stop == end) break;
    const auto c = static_cast<unsigned char>(*stop);
    if (c < 0x80) {
      append_escaped(out, c);
      p = stop + 1;
      continue;
    }
    const auto sequence = detail::check_utf8(reinterpret_cast<const unsigned char*>(stop),
                                             static_cast<std::size_t>(end - stop));
    if (sequence.verdict == detail::utf8_verdict::valid) {
      out.append(stop, sequence.length);
    } else {
      out += replacement_character;  // a truncated tail is a maximal subpart too
    }
    p = stop + sequence.length;
  }
  out += '"';
}

}  // namespace lambda::json
