#include <lambda/json.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "json/pointer.hpp"

namespace lambda::json {
namespace {

using detail::array_index;
using detail::pointer_tokens;

bool names_member(std::string_view reference, const token& key) noexcept {
  return detail::names_member(reference, key.text, key.escaped);
}


// Reads the rest of the value that `first` begins; returns its last token (or an error).
token skip_value(tokenizer& reader, const token& first) noexcept {
  if (first.kind != token_kind::object_begin && first.kind != token_kind::array_begin) return first;
  std::size_t open = 1;
  for (;;) {
    const token t = reader.next();
    switch (t.kind) {
      case token_kind::object_begin:
      case token_kind::array_begin:
        ++open;
        break;
      case token_kind::object_end:
      case token_kind::array_end:
        if (--open == 0) return t;
        break;
      case token_kind::error:
        return t;
      default:
        break;
    }
  }
}

// After an object_begin: the value of the member `reference` names, an error token, or
// nothing when the object has no such member.
std::optional<token> member_value(tokenizer& reader, std::string_view reference) noexcept {
  for (;;) {
    const token key = reader.next();
    if (key.kind == token_kind::object_end) return std::nullopt;
    if (key.kind == token_kind::error) return key;
    const token value = reader.next();
    if (names_member(reference, key)) return value;
    const token last = skip_value(reader, value);
    if (last.kind == token_kind::error) return last;
  }
}

// After an array_begin: the element `reference` indexes, an error token, or nothing.
std::optional<token> element_value(tokenizer& reader, std::string_view reference) noexcept {
  const std::optional<std::size_t> index = array_index(reference);
  if (!index) return std::nullopt;
  for (std::size_t i = 0;; ++i) {
    const token element = reader.next();
    if (element.kind == token_kind::array_end) return std::nullopt;
    if (element.kind == token_kind::error || i == *index) return element;
    const token last = skip_value(reader, element);
    if (last.kind == token_kind::error) return last;
  }
}

// The value `first` begins, through `last`, as it is written in the document.
std::string_view json_text(std::string_view document, const token& first, const token& last) {
  switch (first.kind) {
    case token_kind::string:
      return document.substr(first.offset, first.text.size() + 2);
    case token_kind::object_begin:
    case token_kind::array_begin:
      return document.substr(first.offset, last.offset + 1 - first.offset);
    default:
      return first.text;
  }
}

// Where the value is found or found missing; reading on to the end then checks the rest.
result<std::string_view> locate(std::string_view document, pointer_tokens path, tokenizer& reader) {
  token t = reader.next();
  while (t.kind != token_kind::error) {
    if (path.done()) {
      const token last = skip_value(reader, t);
      if (last.kind == token_kind::error) break;
      return {json_text(document, t, last), status::ok, {}};
    }
    const std::string_view reference = path.next();
    std::optional<token> child;
    if (t.kind == token_kind::object_begin) child = member_value(reader, reference);
    if (t.kind == token_kind::array_begin) child = element_value(reader, reference);
    if (!child) return {{}, status::missing, {}};
    t = *child;
  }
  return {{}, status::malformed, reader.error()};
}

}  // namespace

result<std::string_view> find(std::string_view document, std::string_view pointer) {
  const pointer_tokens path(pointer);
  tokenizer reader(document);
  result<std::string_view> found = locate(document, path, reader);
  for (;;) {
    const token_kind kind = reader.next().kind;
    if (kind == token_kind::end) return found;
    if (kind == token_kind::error) return {{}, status::malformed, reader.error()};
  }
}

}  // namespace lambda::json
