// Records written where the logger's usual path is not allowed: in a signal handler.
#pragma once

#include <lambda/log.hpp>

#include <span>
#include <string_view>

namespace lambda::log::detail {

// Writes one record at `l` in the configured format, with one write(2), without allocating,
// locking or touching thread-local state: async-signal-safe. It carries no invocation tags.
// Messages longer than about 1 KiB are cut.
void write_signal_safe(level l, std::string_view message) noexcept;

// The same for a record about an invocation, with fields: `request_id` (may be empty) and `ric`
// (0: none) tag it as records inside an invocation are tagged, and `fields` is JSON object
// members, "\"a\":1,\"b\":[2]", written after the message. The record is built in `buffer`
// and cut to fit it (still one well-formed line).
void write_signal_safe(level l, std::string_view message, std::string_view request_id, unsigned ric,
                       std::string_view fields, std::span<char> buffer) noexcept;

}  // namespace lambda::log::detail
