// Apart from json_writer.cpp so that only binaries that write a double link std::to_chars'
// floating-point tables.
#include <lambda/json.hpp>

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace lambda::json {

writer& writer::value(double d) {
  if (!std::isfinite(d)) {
    throw std::logic_error("lambda::json::writer: NaN and infinities have no JSON form");
  }
  // Shortest round-trip form needs at most 24 characters ("-2.2250738585072014e-308").
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, d);
  append_number(text, end);
  return *this;
}

}  // namespace lambda::json
