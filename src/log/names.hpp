// Names of levels and formats, as records show them and as the environment spells them.
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

}  // namespace lambda::log::detail
