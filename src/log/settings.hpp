// Where the logger's configuration comes from: the environment, read once, or configure().
#pragma once

#include <lambda/log.hpp>

#include <string_view>

namespace lambda::log::detail {

// What the environment asks for, plus the values it did not understand (empty when none).
struct environment_reading {
  settings chosen;
  std::string_view unknown_level;
  std::string_view unknown_format;
};

// Each argument is a variable's value, or null when it is unset; empty counts as unset.
environment_reading read_environment(const char* log_level, const char* log_format,
                                     const char* initialization_type) noexcept;

// Configures the logger as `reading` says, then logs one warning per value not understood.
void apply(const environment_reading& reading);

}  // namespace lambda::log::detail
