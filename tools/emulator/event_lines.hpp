// Batch mode's input: one JSON event per line.
#pragma once

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace lambda::emulator {

struct event_line {
  std::size_t line = 0;  // from 1, in the input
  std::string json;
};

struct event_lines {
  std::vector<event_line> events;
  std::vector<std::string> errors;  // "FILE:LINE: reason", one per malformed line
};

// Reads every line; blank lines are skipped, a trailing CR is dropped. Each other line must be
// one valid JSON document (strict RFC 8259).
event_lines read_event_lines(std::istream& in, std::string_view name);

}  // namespace lambda::emulator
