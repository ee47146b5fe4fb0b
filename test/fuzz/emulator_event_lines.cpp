// Fuzz target: the emulator's batch input and command line (tools/emulator/command_line.hpp):
// read_event_lines over the input, and parse_cli over the input split at '\0' as argv.
//
// Oracles: read_event_lines keeps exactly the lines (split at '\n', a trailing '\r' dropped,
// blank ones skipped) that are valid JSON, as they are and with their line numbers, and reports
// every other non-blank line once, as "NAME:LINE: ..."; parse_cli either returns or throws
// std::invalid_argument, and what it returns is within the documented ranges.
//
//   make fuzz FUZZ_TARGETS=emulator_event_lines FUZZ_SECONDS=60
#include <lambda/json.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../tools/emulator/command_line.hpp"
#include "fuzz.hpp"

namespace {

using namespace lambda;

void check_event_lines(std::string_view input) {
  std::istringstream in{std::string(input)};
  const emulator::event_lines got = emulator::read_event_lines(in, "events.jsonl");
  std::size_t event = 0, error = 0, number = 0;
  for (std::size_t start = 0; start < input.size();) {
    const std::size_t lf = input.find('\n', start);
    std::string line(input.substr(start, lf == std::string_view::npos ? lf : lf - start));
    start = lf == std::string_view::npos ? input.size() : lf + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (json::is_valid(line)) {
      fuzz::check(event < got.events.size() && got.events[event].json == line && got.events[event].line == number,
                  "a valid line is not an event, or another one");
      ++event;
    } else {
      fuzz::check(error < got.errors.size() &&
                      got.errors[error].starts_with("events.jsonl:" + std::to_string(number) + ": "),
                  "an invalid line is not reported, or with another line number");
      ++error;
    }
  }
  fuzz::check(event == got.events.size() && error == got.errors.size(), "more events or errors than lines");
}

void check_cli(std::string_view input) {
  std::vector<std::string> words{"lambda-emulator"};
  for (std::size_t start = 0; start <= input.size() && words.size() < 32;) {
    const std::size_t nul = input.find('\0', start);
    words.emplace_back(input.substr(start, nul == std::string_view::npos ? nul : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  std::vector<const char*> argv;
  for (const std::string& w : words) argv.push_back(w.c_str());
  try {
    const emulator::cli_options o = emulator::parse_cli(static_cast<int>(argv.size()), argv.data());
    if (o.help) return;
    fuzz::check(!o.bootstrap.empty(), "no bootstrap, yet no error");
    fuzz::check(o.repeat >= 1 && o.repeat <= 1000000, "repeat out of range");
    fuzz::check(o.concurrency >= 0 && o.concurrency <= 1600, "concurrency out of range");
    fuzz::check(o.memory_mb >= 128 && o.memory_mb <= 32768, "memory out of range");
    fuzz::check(o.timeout.count() > 0 && o.timeout.count() <= 86400 * 1000, "timeout out of range");
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_event_lines(input);
  check_cli(input);
  return 0;
}
