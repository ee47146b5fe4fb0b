// A document validated once, then walked by skipping: every function here may assume the text
// is valid JSON, which is what makes skipping a value a scan for its end rather than a parse.
#include <lambda/json.hpp>

#include <cstring>

#include "json/pointer.hpp"
#include "json/scan.hpp"
#include "json/string_blocks.hpp"
#include "json/swar.hpp"
#include "json/unescape.hpp"

namespace lambda::json {
namespace {

using detail::is_whitespace;

const char* skip_whitespace(const char* p, const char* end) noexcept {
  while (p < end && is_whitespace(*p)) ++p;
  return p;
}

// The offset of the first quote not escaped in the block or stretch `b` of Width bytes, or
// Width when there is none; updates `carry` as escaped_bytes() does.
template <unsigned Width>
unsigned closing_quote(const detail::block_bits& b, std::uint64_t& carry) noexcept {
  std::uint64_t quotes = b.quotes;
  if ((b.backslashes | carry) != 0) quotes &= ~detail::escaped_bytes<Width>(b.backslashes, carry);
  return quotes != 0 ? detail::first_flagged_bit(quotes) : Width;
}

// Past the closing quote of a string from p, its bytes past the first block: stretches, then
// blocks and bytes at the end of the document. Out of line, so that skip_string stays small
// where it is inlined, for the many strings that end in their first block.
[[gnu::noinline]] const char* skip_long_string(const char* p, const char* end, std::uint64_t carry) noexcept {
  using detail::block_size;
  using detail::stretch_size;
  for (; end - p >= stretch_size; p += stretch_size) {
    const unsigned at = closing_quote<stretch_size>(detail::string_stretch(p, false), carry);
    if (at != stretch_size) return p + at + 1;
  }
  for (; end - p >= block_size; p += block_size) {
    const unsigned at = closing_quote<block_size>(detail::string_block(p, false), carry);
    if (at != block_size) return p + at + 1;
  }
  for (bool escaped = carry != 0;; ++p) {
    if (escaped) {
      escaped = false;
    } else if (*p == '\\') {
      escaped = true;
    } else if (*p == '"') {
      return p + 1;
    }
  }
}

// Past the closing quote of the string whose opening quote is at p. In valid JSON the string
// ends at the first quote not escaped, so only quotes and backslashes matter, and backslash runs
// are followed across blocks rather than stopped at.
const char* skip_string(const char* p, const char* end) noexcept {
  ++p;
  std::uint64_t carry = 0;  // the bytes at p start with an escaped byte
  if (end - p < detail::block_size) return skip_long_string(p, end, carry);
  const unsigned at = closing_quote<detail::block_size>(detail::string_block(p, false), carry);
  if (at != detail::block_size) return p + at + 1;
  return skip_long_string(p + detail::block_size, end, carry);
}

// Past the object or array whose opening bracket is at p, a stretch of 64 bytes at a time:
// the brackets that count are those outside strings, and a string is what lies between two
// quotes that are not escaped. Every stretch costs the same few dozen instructions, however
// many strings and escapes it holds (fewer inside a string), and then a step for each bracket
// outside strings.
const char* skip_container(const char* p, const char* end) noexcept {
  using detail::stretch_size;
  std::uint64_t carry = 0;      // the stretch starts with an escaped byte
  std::uint64_t in_string = 0;  // all ones when the stretch starts inside a string
  std::size_t depth = 0;
  for (;; p += stretch_size) {
    // The document's last bytes are read from a copy padded with spaces, so as not to read past
    // its end; the container always ends before it does.
    char padded[stretch_size];
    const char* bytes = p;
    if (end - p < stretch_size) {
      std::memset(padded, ' ', sizeof padded);
      std::memcpy(padded, p, static_cast<std::size_t>(end - p));
      bytes = padded;
    }
    const detail::block_bits s = detail::string_stretch(bytes, false);
    const std::uint64_t quotes = s.quotes & ~detail::escaped_bytes<stretch_size>(s.backslashes, carry);
    const std::uint64_t strings = detail::prefix_xor(quotes) ^ in_string;
    in_string = 0 - (strings >> 63);
    if (strings == ~std::uint64_t{0}) continue;  // all inside one string, as most of a long one is
    const detail::bracket_bits b = detail::bracket_stretch(bytes);
    const std::uint64_t opens = b.opens & ~strings, closes = b.closes & ~strings;
    for (std::uint64_t brackets = opens | closes; brackets != 0; brackets &= brackets - 1) {
      const unsigned i = detail::first_flagged_bit(brackets);
      if ((opens >> i) & 1) {
        ++depth;
      } else if (--depth == 0) {
        return p + i + 1;
      }
    }
  }
}

// Past the value starting at p.
const char* skip_value(const char* p, const char* end) noexcept {
  if (*p == '"') return skip_string(p, end);
  if (*p != '{' && *p != '[') {
    while (p < end && *p != ',' && *p != '}' && *p != ']' && !is_whitespace(*p)) ++p;
    return p;
  }
  return skip_container(p, end);
}

// The first byte of the container's first entry, or its closing bracket.
const char* first_entry(std::string_view container) noexcept {
  return skip_whitespace(container.data() + 1, container.data() + container.size());
}

const char* bound_of(std::string_view container) noexcept { return container.data() + container.size(); }

// From just past an entry: the next entry's first byte, or the closing bracket.
const char* next_entry(const char* p, const char* end) noexcept {
  p = skip_whitespace(p, end);
  if (p < end && *p == ',') p = skip_whitespace(p + 1, end);
  return p;
}


bool key_names(std::string_view key, std::string_view name) noexcept {
  if (key.find('\\') == std::string_view::npos) return key == name;
  detail::json_string_bytes bytes(key);
  std::size_t i = 0;
  for (char c; bytes.next(c); ++i) {
    if (i == name.size() || name[i] != c) return false;
  }
  return i == name.size();
}

bool is_kind(std::string_view json, char first) noexcept { return !json.empty() && json.front() == first; }

}  // namespace

document::document(std::string_view text) noexcept {
  if (!is_valid(text)) {
    // Rare, so the tokenizer, which says why, reads it again.
    tokenizer reader(text);
    token_kind kind;
    do {
      kind = reader.next().kind;
    } while (kind != token_kind::error && kind != token_kind::end);
    error_ = reader.error();
    if (kind == token_kind::error) return;
    // The tokenizer is the reference: were the two ever to disagree, the text is valid.
  }
  // Valid, so the one value is all of the text but the whitespace around it.
  const char* first = skip_whitespace(text.data(), text.data() + text.size());
  const char* last = text.data() + text.size();
  while (is_whitespace(last[-1])) --last;
  root_ = value(std::string_view(first, static_cast<std::size_t>(last - first)));
}

std::string_view value::extent() const noexcept {
  const char* end = skip_value(json_.data(), json_.data() + json_.size());
  return {json_.data(), static_cast<std::size_t>(end - json_.data())};
}

value_kind value::kind() const noexcept {
  switch (json_.empty() ? 'n' : json_.front()) {
    case '{': return value_kind::object;
    case '[': return value_kind::array;
    case '"': return value_kind::string;
    case 't':
    case 'f': return value_kind::boolean;
    case 'n': return value_kind::null;
    default: return value_kind::number;
  }
}

value value::operator[](std::string_view name) const noexcept {
  for (const member& m : members()) {
    if (key_names(m.raw_key, name)) return m.value;
  }
  return {};
}

value value::operator[](std::size_t index) const noexcept {
  for (const value& element : elements()) {
    if (index-- == 0) return element;
  }
  return {};
}

value value::at(std::string_view pointer) const {
  detail::pointer_tokens path(pointer);
  value current = *this;
  while (current && !path.done()) {
    const std::string_view reference = path.next();
    if (current.kind() == value_kind::object) {
      value found;
      for (const member& m : current.members()) {
        if (detail::names_member(reference, m.raw_key, m.raw_key.find('\\') != std::string_view::npos)) {
          found = m.value;
          break;
        }
      }
      current = found;
    } else if (auto index = detail::array_index(reference); index && current.kind() == value_kind::array) {
      current = current[*index];
    } else {
      current = {};
    }
  }
  return current;
}

result<std::string_view> value::get_string(std::string& scratch) const {
  if (!*this) return {{}, status::missing, {}};
  if (!is_kind(json_, '"')) return {{}, status::wrong_type, {}};
  const std::string_view quoted = json();
  const std::string_view text = quoted.substr(1, quoted.size() - 2);
  if (text.find('\\') == std::string_view::npos) return {text, status::ok, {}};
  scratch.clear();
  append_unescaped(scratch, text);
  return {scratch, status::ok, {}};
}

result<std::string> value::get_string() const {
  if (!*this) return {{}, status::missing, {}};
  if (!is_kind(json_, '"')) return {{}, status::wrong_type, {}};
  result<std::string> r;
  const std::string_view quoted = json();
  append_unescaped(r.value, quoted.substr(1, quoted.size() - 2));
  return r;
}

result<std::int64_t> value::get_int() const noexcept {
  if (!*this) return {0, status::missing, {}};
  if (kind() != value_kind::number) return {0, status::wrong_type, {}};
  return to_int64(json());
}

result<double> value::get_double() const noexcept {
  if (!*this) return {0, status::missing, {}};
  if (kind() != value_kind::number) return {0, status::wrong_type, {}};
  return to_double(json());
}

result<bool> value::get_bool() const noexcept {
  if (!*this) return {false, status::missing, {}};
  if (json() == "true") return {true, status::ok, {}};
  if (json() == "false") return {false, status::ok, {}};
  return {false, status::wrong_type, {}};
}

element_range value::elements() const noexcept {
  return element_range(is_kind(json_, '[') ? json_ : std::string_view());
}

member_range value::members() const noexcept {
  return member_range(is_kind(json_, '{') ? json_ : std::string_view());
}

std::size_t value::size() const noexcept {
  std::size_t count = 0;
  if (kind() == value_kind::array) {
    for (auto it = elements().begin(), end = elements().end(); it != end; ++it) ++count;
  } else if (kind() == value_kind::object) {
    for (auto it = members().begin(), end = members().end(); it != end; ++it) ++count;
  }
  return count;
}

bool member::key_is(std::string_view name) const noexcept { return key_names(raw_key, name); }

std::string member::key() const {
  std::string out;
  append_unescaped(out, raw_key);
  return out;
}

element_range::iterator::iterator(const char* at, const char* bound) noexcept : at_(at), bound_(bound) { read(); }

void element_range::iterator::read() noexcept {
  if (*at_ == ']') {
    at_ = nullptr;
    current_ = {};
    return;
  }
  current_ = value(at_, bound_);
}

element_range::iterator& element_range::iterator::operator++() noexcept {
  const std::string_view done = current_.json();
  at_ = next_entry(done.data() + done.size(), bound_);
  read();
  return *this;
}

element_range::iterator element_range::begin() const noexcept {
  if (array_.empty()) return {};
  return {first_entry(array_), bound_of(array_)};
}

element_range::iterator element_range::end() const noexcept { return {}; }

member_range::iterator::iterator(const char* at, const char* bound) noexcept : at_(at), bound_(bound) { read(); }

member_range::iterator& member_range::iterator::operator++() noexcept {
  const std::string_view done = current_.value.json();
  at_ = next_entry(done.data() + done.size(), bound_);
  read();
  return *this;
}

// A member from its key's quote: the key's text, and its value, whose end is found later.
void member_range::iterator::read() noexcept {
  if (*at_ == '}') {
    at_ = nullptr;
    current_ = {};
    return;
  }
  const char* key_end = skip_string(at_, bound_);
  const char* colon = skip_whitespace(key_end, bound_);
  const char* at = skip_whitespace(colon + 1, bound_);
  current_ = {std::string_view(at_ + 1, static_cast<std::size_t>(key_end - at_ - 2)), value(at, bound_)};
}

member_range::iterator member_range::begin() const noexcept {
  if (object_.empty()) return {};
  return {first_entry(object_), bound_of(object_)};
}

member_range::iterator member_range::end() const noexcept { return {}; }

}  // namespace lambda::json
