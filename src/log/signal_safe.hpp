// Records written where the logger's usual path is not allowed: in a signal handler.
#pragma once

#include <lambda/log.hpp>

#include <string_view>

namespace lambda::log::detail {

// Writes one record at `l` in the configured format, with one write(2), without allocating,
// locking or touching thread-local state: async-signal-safe. It carries no invocation tags.
// Messages longer than about 1 KiB are cut.
void write_signal_safe(level l, std::string_view message) noexcept;

}  // namespace lambda::log::detail
