// Reading the fields of one record: every failure names the source, the record and the field.
#pragma once

#include <lambda/events.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace lambda::events::detail {

// A field's place in its record for error messages, in parts joined by '.' only on failure:
// "body", or {"messageAttributes", name, "stringValue"}.
struct path {
  path(const char* field) noexcept : parts{field, {}, {}} {}
  path(std::string_view first, std::string_view second, std::string_view third = {}) noexcept
      : parts{first, second, third} {}
  std::string text() const;
  std::string_view parts[3];
};

// Throws malformed_event: "malformed SQS event: Records[3].body is not a string".
[[noreturn]] void fail(const record_ref& r, const path& at, std::string_view problem);

// A string's bytes, unescaped: a view of the event when it holds no escape, else of the scratch.
std::string_view text_of(const event_core& event, json::value string);

// Required fields throw when absent or of another type; optional ones answer nullopt (or an
// absent value) when absent or null, and throw when of another type.
std::string_view required_string(const record_ref& r, json::value v, const path& at);
std::optional<std::string_view> optional_string(const record_ref& r, json::value v, const path& at);
std::optional<std::int64_t> optional_int(const record_ref& r, json::value v, const path& at);
double required_double(const record_ref& r, json::value v, const path& at);
json::value optional_object(const record_ref& r, json::value v, const path& at);

// SQS system attributes hold their numbers as strings, e.g. "ApproximateReceiveCount": "1".
std::int64_t int_in_string(const record_ref& r, json::value v, const path& at);

}  // namespace lambda::events::detail
