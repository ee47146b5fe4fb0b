// RFC 3339 timestamps in UTC with milliseconds, e.g. 2025-11-30T08:15:42.137Z.
#pragma once

#include <chrono>
#include <string>

namespace lambda::log::detail {

// For times between the years 1970 and 9999, the only ones a clock shows in practice.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point t);

}  // namespace lambda::log::detail
