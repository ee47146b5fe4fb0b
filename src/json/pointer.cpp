#include <lambda/json.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "json/unescape.hpp"

namespace lambda::json {
namespace {

// The reference tokens of a JSON Pointer, still ~-escaped, one at a time.
class pointer_tokens {
 public:
  explicit pointer_tokens(std::string_view pointer) : rest_(pointer) {
    if (!pointer.empty() && pointer.front() != '/') {
      throw std::invalid_argument("lambda::json: a JSON Pointer is empty or starts with '/'");
    }
    for (std::size_t i = pointer.find('~'); i != std::string_view::npos;
         i = pointer.find('~', i + 1)) {
      const char escaped = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (escaped != '0' && escaped != '1') {
        throw std::invalid_argument("lambda::json: in a JSON Pointer '~' is followed by 0 or 1");
      }
    }
  }

  bool done() const noexcept { return rest_.empty(); }

  std::string_view next() noexcept {
    rest_.remove_prefix(1);  // the '/'
    const std::size_t end = std::min(rest_.find('/'), rest_.size());
    const std::string_view token = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return token;
  }

 private:
  std::string_view rest_;
};

// The bytes a JSON string's text stands for, decoded one at a time.
class json_string_bytes {
 public:
  explicit json_string_bytes(std::string_view text) noexcept
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool next(char& c) noexcept {
    if (pending_at_ < pending_size_) {
      c = pending_[pending_at_++];
      return true;
    }
    if (p_ == end_) return false;
    if (*p_ == '\\') {
      const detail::decoded_escape escape =
          detail::decode_escape(p_, static_cast<std::size_t>(end_ - p_), pending_);
      if (escape.consumed != 0) {
        p_ += escape.consumed;
        pending_size_ = escape.length;
        pending_at_ = 1;
        c = pending_[0];
        return true;
      }
    }
    c = *p_++;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  char pending_[4] = {};
  unsigned pending_size_ = 0;
  unsigned pending_at_ = 0;
};

// The bytes a pointer's reference token stands for: "~1" is '/', "~0" is '~'.
class pointer_token_bytes {
 public:
  explicit pointer_token_bytes(std::string_view token) noexcept : rest_(token) {}

  bool next(char& c) noexcept {
    if (rest_.empty()) return false;
    c = rest_.front();
    std::size_t used = 1;
    if (c == '~') {
      c = rest_[1] == '1' ? '/' : '~';
      used = 2;
    }
    rest_.remove_prefix(used);
    return true;
  }

 private:
  std::string_view rest_;
};

bool names_member(std::string_view reference, const token& key) noexcept {
  if (!key.escaped && reference.find('~') == std::string_view::npos) return reference == key.text;
  json_string_bytes name(key.text);
  pointer_token_bytes wanted(reference);
  for (;;) {
    char a = 0;
    char b = 0;
    const bool more_a = name.next(a);
    const bool more_b = wanted.next(b);
    if (more_a != more_b) return false;
    if (!more_a) return true;
    if (a != b) return false;
  }
}

// RFC 6901 array indexes: "0" or digits without a leading zero.
std::optional<std::size_t> array_index(std::string_view reference) noexcept {
  if (reference.empty() || (reference.size() > 1 && reference.front() == '0')) return std::nullopt;
  std::size_t index = 0;
  for (const char c : reference) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::size_t>(c - '0');
    if (index > (static_cast<std::size_t>(-1) - digit) / 10) return std::nullopt;
    index = index * 10 + digit;
  }
  return index;
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
