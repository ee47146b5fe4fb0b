// The emulator's command line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace lambda::emulator {

struct cli_options {
  std::string events;          // a file, or "-" for stdin (batch mode)
  int repeat = 1;
  int concurrency = 0;         // 0: classic Lambda, one invocation at a time
  std::chrono::milliseconds timeout{3000};
  std::string serve;           // serve mode's address; empty: batch mode
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

}  // namespace lambda::emulator
