// What the user asks of the emulator: its command line, and batch mode's input of one JSON
// event per line.
#pragma once

#include <chrono>
#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace lambda::emulator {

struct cli_options {
  std::string events;          // a file, or "-" for stdin (batch mode)
  int repeat = 1;
  int concurrency = 0;         // 0: classic Lambda, one invocation at a time
  std::chrono::milliseconds timeout{3000};
  std::string serve;           // serve mode's address; empty: batch mode
  bool http_api = false;       // --http: serve mode takes API Gateway HTTP API requests
  std::string function_name = "local-function";
  int memory_mb = 128;
  std::string log_format;      // empty: Text, or JSON on Managed Instances
  std::string log_level;       // empty: not set
  std::vector<std::string> bootstrap;  // the program and its arguments, after "--"
  bool help = false;

  bool managed_instances() const noexcept { return concurrency > 0; }
  int in_flight_limit() const noexcept { return concurrency > 0 ? concurrency : 1; }
};

// Throws std::invalid_argument with a sentence naming the bad option.
cli_options parse_cli(int argc, const char* const* argv);

extern const char* const usage_text;

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
