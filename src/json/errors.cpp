#include <lambda/json.hpp>

namespace lambda::json {

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
