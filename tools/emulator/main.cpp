// lambda-emulator: runs a Lambda bootstrap on this machine against a local Runtime API.
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <system_error>

#include "command_line.hpp"
#include "emulator_modes.hpp"
#include "http_server.hpp"

namespace {

using namespace lambda::emulator;

constexpr int usage_status = 2;

int fail(const std::string& message) {
  std::fprintf(stderr, "lambda-emulator: %s\n", message.c_str());
  return usage_status;
}

int batch(const cli_options& options) {
  const bool one_document = !options.event.empty();
  std::string name = one_document ? options.event : options.events.empty() ? "-" : options.events;
  std::ifstream file;
  if (name != "-") {
    file.open(name);
    if (!file) return fail("cannot read " + std::string(one_document ? "the event" : "events") + " from " + name);
  }
  std::istream& in = name == "-" ? std::cin : file;
  event_lines input = one_document ? read_event_document(in, name) : read_event_lines(in, name);
  for (const std::string& error : input.errors) std::fprintf(stderr, "lambda-emulator: %s\n", error.c_str());
  if (!input.errors.empty()) return fail("no event was sent");
  if (input.events.empty()) return fail("no events in " + name + ": write one JSON document per line");
  return run_batch(options, input.events);
}

}  // namespace

int main(int argc, char** argv) {
  cli_options options;
  try {
    options = parse_cli(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "lambda-emulator: %s\n\n%s", e.what(), usage_text);
    return usage_status;
  }
  if (options.help) {
    std::fputs(usage_text, stdout);
    return 0;
  }
  // The bootstrap inherits the raised limit too, which its 1600 RICs may need.
  raise_descriptor_limit();
  try {
    return options.serve.empty() ? batch(options) : run_serve(options);
  } catch (const std::system_error& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  }
}
