// The header lines of a /next answer: what the platform tells a runtime about one invocation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "event.hpp"

namespace lambda::emulator {

// Appends raw "Name: value\r\n" lines; headers the event leaves empty are not sent.
void append_next_headers(std::string& out, const event& e, std::string_view request_id,
                         std::int64_t deadline_ms, std::string_view default_function_arn);

}  // namespace lambda::emulator
