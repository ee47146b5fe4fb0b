// Alone in its file: only programs that log floating point link std::to_chars(double).
#include <lambda/log.hpp>

#include <charconv>

namespace lambda::log::detail {

void append_floating(std::string& out, double value) {
  char digits[32];  // the shortest round-trip form of any double takes at most 24
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace lambda::log::detail
