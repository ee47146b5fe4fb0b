// Turns log arguments into text: the "{}" substitution of messages and the values of fields.
#pragma once

#include <lambda/log.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace lambda::log::detail {

struct argument_access {
  // As the argument reads inside a message: strings as they are, numbers in decimal.
  static void append_text(std::string& out, const argument& a);
  // As a JSON value: strings quoted and escaped; NaN and infinities, which JSON cannot hold,
  // as the strings "nan", "inf" and "-inf".
  static void append_json(std::string& out, const argument& a);
};

// Appends `format` with each "{}" replaced by the next argument; see log.hpp for mismatches.
void append_message(std::string& out, std::string_view format, std::initializer_list<argument> args);

}  // namespace lambda::log::detail
