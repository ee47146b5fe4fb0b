#include <cstdio>

#include "emulator_modes.hpp"
#include "emulator_session.hpp"
#include "invocation_report.hpp"
#include "invoke_endpoint.hpp"

namespace lambda::emulator {
namespace {

// How long the last answers get to reach their invokers before the emulator exits.
constexpr auto answer_grace = std::chrono::seconds(2);

}  // namespace

int run_serve(const cli_options& options) {
  // Every answer is awaited by an invoker: wake for each.
  emulator_session session(options, 1);
  invoke_endpoint endpoint(options.serve, session.server());
  std::fprintf(stderr,
               "lambda-emulator: invoke with: curl -d '{}' http://%s/2015-03-31/functions/function/invocations\n"
               "lambda-emulator: Ctrl-C stops\n",
               endpoint.address().c_str());
  run_stats stats;
  std::size_t count = 0;
  auto started = std::chrono::steady_clock::now();
  std::string stopped_because;
  bool died = false;
  for (;;) {
    session.wait(std::chrono::milliseconds(-1));
    for (const invocation& done : session.take_finished()) {
      endpoint.finished(done);
      stats.add(done);
      std::printf("%s\n", report_line(done, ++count).c_str());
      session.server().forget(done.request_id);
    }
    std::fflush(stdout);
    if (session.interrupted()) break;
    if (!died && session.bootstrap_exit()) {
      died = true;
      auto failure = session.describe_bootstrap_exit();
      // Refusing first: an invoke queued after the failing below would wait for ever.
      endpoint.refuse(failure.error_type, failure.message);
      session.server().fail_unfinished(failure.error_type, failure.message);
      stopped_because = failure.summary;
    }
    if (died && count == endpoint.invoked()) break;
  }
  endpoint.wait_answered(answer_grace);
  auto wall = std::chrono::steady_clock::now() - started;
  auto [bootstrap, bootstrap_died] = session.end_bootstrap();
  if (!died) stopped_because = session.describe_end(bootstrap, bootstrap_died);
  session.print_summary(stats, wall, bootstrap, stopped_because);
  return died || bootstrap_died ? 1 : 0;
}

}  // namespace lambda::emulator
