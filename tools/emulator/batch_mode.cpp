#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>

#include "emulator_modes.hpp"
#include "emulator_session.hpp"
#include "ids.hpp"
#include "invocation_report.hpp"
#include "progress_line.hpp"

namespace lambda::emulator {
namespace {

using std::chrono::steady_clock;

event event_for(const event_line& line) {
  event e;
  e.payload = line.json;
  e.trace_id = new_trace_id();
  e.invocation_id = new_uuid();
  return e;
}

}  // namespace

int run_batch(const cli_options& options, const std::vector<event_line>& events) {
  // The server runs at most in_flight_limit() at once. Queueing further ahead than this thread
  // is woken (every `batch` answers) lets a runtime's next poll find its event at once.
  constexpr std::size_t batch = 32;
  const std::size_t ahead = static_cast<std::size_t>(options.in_flight_limit()) * 2 + 2 * batch;
  emulator_session session(options, batch);
  const std::size_t total = events.size() * static_cast<std::size_t>(options.repeat);
  std::vector<std::optional<std::string>> lines(total);
  std::unordered_map<std::string, std::size_t> position;  // request id → index in the input
  std::size_t sent = 0, printed = 0, in_flight = 0;
  std::optional<std::string> stopped_because;
  run_stats stats;
  progress_line progress(total);
  auto started = steady_clock::now();

  while (printed < total) {
    for (; !stopped_because && in_flight < ahead && sent < total; ++sent, ++in_flight) {
      position.emplace(session.server().enqueue(event_for(events[sent % events.size()])), sent);
    }
    session.wait(progress.poll_interval());
    for (const invocation& done : session.take_finished()) {
      std::size_t at = position.at(done.request_id);
      lines[at] = report_line(done, events[at % events.size()].line);
      stats.add(done);
      --in_flight;
      session.server().forget(done.request_id);
    }
    if (!stopped_because && (session.interrupted() || session.bootstrap_exit())) {
      emulator_session::bootstrap_failure failure{"Emulator.Interrupted", "the emulator was interrupted",
                                                  "interrupted"};
      if (session.bootstrap_exit()) failure = session.describe_bootstrap_exit();
      session.server().fail_unfinished(failure.error_type, failure.message);
      stopped_because = failure.summary;
      for (; sent < total; ++sent) {
        lines[sent] = not_run_line(events[sent % events.size()].line, failure.error_type, failure.message);
        stats.add_not_run();
      }
    }
    for (; printed < total && lines[printed]; ++printed) {
      progress.clear();
      std::printf("%s\n", lines[printed]->c_str());
    }
    std::fflush(stdout);
    progress.update(printed, started);
  }
  auto wall = steady_clock::now() - started;
  progress.clear();
  auto [bootstrap, died] = session.end_bootstrap();
  if (session.interrupted()) stopped_because = "interrupted; " + session.describe_end(bootstrap, died);
  else if (!stopped_because) stopped_because = session.describe_end(bootstrap, died);
  session.print_summary(stats, wall, bootstrap, *stopped_because);
  return stats.all_succeeded() && !died ? 0 : 1;
}

}  // namespace lambda::emulator
