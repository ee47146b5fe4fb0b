// Turns what a record holds into text: the "{}" substitution of messages, argument values as
// text or JSON, and timestamps.
#pragma once

#include <lambda/log.hpp>

#include <chrono>
#include <cstddef>
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

// RFC 3339 in UTC with milliseconds, e.g. 2025-11-30T08:15:42.137Z, for times from 1970 on
// (system_clock itself ends in 2262).
void append_timestamp(std::string& out, std::chrono::system_clock::time_point t);

// The same into a fixed buffer, without allocating or touching thread-local state: safe in a
// signal handler.
inline constexpr std::size_t timestamp_size = 24;
void format_timestamp(char (&out)[timestamp_size], std::chrono::system_clock::time_point t) noexcept;

}  // namespace lambda::log::detail
