// The emulator's two ways to run a bootstrap. Each returns the process exit status.
#pragma once

#include <vector>

#include "cli_options.hpp"
#include "event_lines.hpp"

namespace lambda::emulator {

// Invokes the bootstrap once per event (times --repeat), at most in_flight_limit() at once;
// answers go to stdout in input order, the summary to stderr.
int run_batch(const cli_options& options, const std::vector<event_line>& events);

// Serves the invoke endpoint until SIGINT/SIGTERM or until the bootstrap exits.
int run_serve(const cli_options& options);

}  // namespace lambda::emulator
