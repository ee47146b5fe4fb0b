#include "log/names.hpp"

#include <array>
#include <cstddef>

namespace lambda::log::detail {
namespace {

constexpr std::array<std::string_view, 6> level_names = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

bool equal_ignoring_case(std::string_view name, std::string_view upper) noexcept {
  if (name.size() != upper.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view level_name(level l) noexcept { return level_names[static_cast<std::size_t>(l)]; }

std::optional<level> parse_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    if (equal_ignoring_case(name, level_names[i])) return static_cast<level>(i);
  }
  return std::nullopt;
}

std::optional<format> parse_format(std::string_view name) noexcept {
  if (equal_ignoring_case(name, "JSON")) return format::json;
  if (equal_ignoring_case(name, "TEXT")) return format::text;
  return std::nullopt;
}

}  // namespace lambda::log::detail
