// Passes a bootstrap's output through to stderr unchanged and, after a line holding the
// runtime's crash record (a FATAL log record with a "backtrace"), prints the backtrace
// symbolised by addr2line when the bootstrap is an unstripped ELF file.
//
//   crash_symboliser relay("./bootstrap", environment);
//   child_options setup{.output = child_output::relay,
//                       .on_output = [&](std::string_view piece) { relay.write(piece); }};
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lambda::emulator {

// What a crash record says, parsed from its JSON members (Text or JSON log format).
struct crash_record {
  std::string build_id;
  std::uint64_t load_base = 0;
  std::vector<std::uint64_t> backtrace;
};
std::optional<crash_record> parse_crash_record(std::string_view line);

class crash_symboliser {
 public:
  // `program` is the bootstrap's path; `env` the environment addr2line runs with (its PATH).
  crash_symboliser(std::string program, std::vector<std::string> env);

  // Writes `piece` to stderr at once, and symbolises each crash record it completes.
  void write(std::string_view piece);

  // The lines to print after `record`: a heading and one line a frame, or a one-line reason
  // why there are none. Empty when this was already said.
  std::string symbolise(const crash_record& record);

 private:
  void end_line();

  std::string program_;
  std::vector<std::string> env_;
  std::string line_;
  bool line_too_long_ = false;
  bool looked_at_program_ = false;
  bool has_symbols_ = false;
  std::string build_id_;  // the program's, hex; empty if it has none
  std::string not_symbolised_;  // why, when the program cannot be symbolised
  bool said_why_not_ = false;
};

}  // namespace lambda::emulator
