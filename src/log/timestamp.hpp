// RFC 3339 timestamps in UTC with milliseconds, e.g. 2025-11-30T08:15:42.137Z.
#pragma once

#include <chrono>
#include <string>

namespace lambda::log::detail {

// For times from 1970 on (system_clock itself ends in 2262).
void append_timestamp(std::string& out, std::chrono::system_clock::time_point t);

}  // namespace lambda::log::detail
