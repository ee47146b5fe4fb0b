#include <lambda/json.hpp>

#include <algorithm>
#include <stdexcept>

#include "json/scan.hpp"

namespace lambda::json {

using detail::scan_result;
using detail::scan_status;

// The header names the scanners' result through this, keeping detail:: out of it.
struct tokenizer::scan : scan_result {};

tokenizer::tokenizer(std::size_t max_depth) : max_depth_(max_depth) {
  if (max_depth > max_nesting) {
    throw std::invalid_argument("lambda::json::tokenizer: max_depth exceeds max_nesting");
  }
}

tokenizer::tokenizer(std::string_view document, std::size_t max_depth) : tokenizer(max_depth) {
  input_ = document;
  finished_ = true;
}

void tokenizer::feed(std::string_view received) {
  if (finished_) throw std::logic_error("lambda::json::tokenizer: feed() after finish()");
  if (received.size() < input_.size()) {
    throw std::logic_error("lambda::json::tokenizer: feed() with less input than before");
  }
  input_ = received;
}

void tokenizer::finish() noexcept { finished_ = true; }

token tokenizer::fail(error_code code, std::size_t offset) noexcept {
  error_ = {code, offset};
  expect_ = expect::failed;
  return {token_kind::error, false, {}, offset};
}

tokenizer::expect tokenizer::after_value() const noexcept {
  return nesting_.depth() == 0 ? expect::trailing : expect::separator;
}

token tokenizer::out_of_input() noexcept {
  if (!finished_) return {token_kind::need_more, false, {}, input_.size()};
  if (expect_ == expect::trailing) {
    expect_ = expect::done;
    return {token_kind::end, false, {}, input_.size()};
  }
  if (expect_ == expect::document) return fail(error_code::empty_document, input_.size());
  return fail(error_code::unexpected_end, input_.size());
}

token tokenizer::next() noexcept {
  for (;;) {
    if (expect_ == expect::done) return {token_kind::end, false, {}, input_.size()};
    if (expect_ == expect::failed) return {token_kind::error, false, {}, error_.offset};
    const char* const data = input_.data();
    std::size_t pos = pos_;
    while (pos < input_.size() && detail::is_whitespace(data[pos])) ++pos;
    pos_ = pos;
    if (pos == input_.size()) return out_of_input();
    const char c = data[pos];
    switch (expect_) {
      case expect::colon:
        if (c != ':') return fail(error_code::expected_colon, pos_);
        ++pos_;
        expect_ = expect::value;
        continue;
      case expect::separator:
        if (c != ',') return close(c);
        ++pos_;
        expect_ = nesting_.in_object() ? expect::key : expect::element;
        continue;
      case expect::trailing:
        return fail(error_code::trailing_characters, pos_);
      case expect::first_key:
        if (c == '}') return close(c);
        return key(c);
      case expect::key:
        if (c == '}') return fail(error_code::trailing_comma, pos_);
        return key(c);
      case expect::first_element:
        if (c == ']') return close(c);
        return value(c);
      case expect::element:
        if (c == ']') return fail(error_code::trailing_comma, pos_);
        return value(c);
      default:
        return value(c);
    }
  }
}

token tokenizer::value(char c) noexcept {
  switch (c) {
    case '{': return open(true, token_kind::object_begin);
    case '[': return open(false, token_kind::array_begin);
    case '"': return string_token(token_kind::string);
    case 't': return literal("true", token_kind::true_value);
    case 'f': return literal("false", token_kind::false_value);
    case 'n': return literal("null", token_kind::null_value);
    default: break;
  }
  if (c == '-' || detail::is_digit(c)) return number();
  return fail(error_code::expected_value, pos_);
}

token tokenizer::key(char c) noexcept {
  if (c != '"') return fail(error_code::expected_key, pos_);
  return string_token(token_kind::key);
}

token tokenizer::open(bool object, token_kind kind) noexcept {
  if (nesting_.depth() == max_depth_) return fail(error_code::too_deep, pos_);
  nesting_.open(object);
  expect_ = object ? expect::first_key : expect::first_element;
  const token t{kind, false, slice(pos_, 1), pos_};
  ++pos_;
  return t;
}

token tokenizer::close(char c) noexcept {
  const char wanted = nesting_.in_object() ? '}' : ']';
  if (c != wanted) return fail(error_code::expected_comma_or_end, pos_);
  nesting_.close();
  expect_ = after_value();
  const token t{c == '}' ? token_kind::object_end : token_kind::array_end, false,
                slice(pos_, 1), pos_};
  ++pos_;
  return t;
}

token tokenizer::finish_scalar(const scan& s, token_kind kind, bool escaped) noexcept {
  if (s.status == scan_status::invalid) return fail(s.error, s.position);
  if (s.status == scan_status::truncated) {
    if (finished_) return fail(error_code::unexpected_end, input_.size());
    return {token_kind::need_more, false, {}, input_.size()};
  }
  const std::size_t start = pos_;
  pos_ = s.position;
  const bool quoted = kind == token_kind::key || kind == token_kind::string;
  expect_ = kind == token_kind::key ? expect::colon : after_value();
  if (quoted) return {kind, escaped, slice(start + 1, pos_ - start - 2), start};
  return {kind, false, slice(start, pos_ - start), start};
}

token tokenizer::string_token(token_kind kind) noexcept {
  const std::size_t from = string_resume_ != 0 ? string_resume_ : pos_ + 1;
  bool escaped = string_escaped_;
  const scan s{detail::scan_string(input_.data(), input_.size(), from, escaped)};
  if (s.status == scan_status::truncated) {
    string_resume_ = s.position;
    string_escaped_ = escaped;
  } else {
    string_resume_ = 0;
    string_escaped_ = false;
  }
  return finish_scalar(s, kind, escaped);
}

token tokenizer::number() noexcept {
  const scan s{detail::scan_number(input_.data(), input_.size(), pos_, finished_)};
  return finish_scalar(s, token_kind::number, false);
}

token tokenizer::literal(std::string_view text, token_kind kind) noexcept {
  const std::size_t available = std::min(text.size(), input_.size() - pos_);
  const auto [mismatch, unused] = std::mismatch(text.begin(), text.begin() + available,
                                                input_.begin() + pos_);
  if (mismatch != text.begin() + available) {
    const auto offset = pos_ + static_cast<std::size_t>(mismatch - text.begin());
    return fail(error_code::invalid_literal, offset);
  }
  const scan s{{available < text.size() ? scan_status::truncated : scan_status::complete,
                pos_ + text.size()}};
  return finish_scalar(s, kind, false);
}


const char* parse_error::reason() const noexcept {
  switch (code) {
    case error_code::none: return "";
    case error_code::empty_document: return "empty document";
    case error_code::unexpected_end: return "unexpected end of input";
    case error_code::expected_value: return "expected a value";
    case error_code::expected_key: return "expected a double-quoted key";
    case error_code::expected_colon: return "expected ':' after a key";
    case error_code::expected_comma_or_end: return "expected ',' or the closing bracket";
    case error_code::trailing_comma: return "trailing comma";
    case error_code::trailing_characters: return "unexpected text after the value";
    case error_code::invalid_literal: return "invalid literal (true, false and null only)";
    case error_code::invalid_number: return "invalid number";
    case error_code::leading_zero: return "number with a leading zero";
    case error_code::control_character: return "unescaped control character in a string";
    case error_code::invalid_escape: return "invalid escape sequence";
    case error_code::invalid_unicode_escape: return "\\u escape without four hex digits";
    case error_code::lone_surrogate: return "\\u escape of an unpaired surrogate";
    case error_code::invalid_utf8: return "invalid UTF-8";
    case error_code::too_deep: return "nesting deeper than the depth limit";
  }
  return "unknown error";
}

}  // namespace lambda::json
