// The logger's configuration: names of levels and formats, as records show them and as the
// environment spells them, and where the settings come from (the environment, read once, or
// configure()).
#pragma once

#include <lambda/log.hpp>

#include <optional>
#include <string_view>

namespace lambda::log::detail {

// "TRACE", "DEBUG", "INFO", "WARN", "ERROR" or "FATAL".
std::string_view level_name(level l) noexcept;

// The level a name stands for, in any letter case; nullopt for anything else.
std::optional<level> parse_level(std::string_view name) noexcept;

// "JSON" or "Text", in any letter case; nullopt for anything else.
std::optional<format> parse_format(std::string_view name) noexcept;

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
