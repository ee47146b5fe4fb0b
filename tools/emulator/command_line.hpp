// What the user asks of the emulator: its command line, and batch mode's input: one JSON event
// per line, or one JSON document (pretty-printed or not) from a file.
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
  std::string event;           // one JSON document, any layout: a file, or "-" for stdin
  int repeat = 1;
  int concurrency = 0;         // 0: classic Lambda, one invocation at a time
  std::chrono::milliseconds timeout{3000};
  std::string serve;           // serve mode's address; empty: batch mode
  bool http_api = false;       // --http: serve mode takes API Gateway HTTP API requests
  std::string function_name = "local-function";
  int memory_mb = 128;
  std::string log_format;      // empty: Text, or JSON on Managed Instances
  std::string log_level;       // empty: not set
  std::string handler;         // _HANDLER; empty: the function name
  std::vector<std::string> env;  // "NAME=value" from --env, in order: they win over the emulator's
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

// Reads the whole input as one JSON document (strict RFC 8259), whatever its layout, and returns
// it as one event (line 1) without the whitespace around it; or one error, "FILE:LINE:COLUMN:
// reason", when it is not one.
event_lines read_event_document(std::istream& in, std::string_view name);

// Reads every line; blank lines are skipped, a trailing CR is dropped. Each other line must be
// one valid JSON document (strict RFC 8259).
event_lines read_event_lines(std::istream& in, std::string_view name);

}  // namespace lambda::emulator
