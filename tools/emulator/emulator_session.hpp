// What both emulator modes share: a Runtime API server, the bootstrap started against it with
// the Lambda environment, and one place to wait for whatever happens next.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "child_process.hpp"
#include "cli_options.hpp"
#include "invocation_report.hpp"
#include "runtime_api_server.hpp"
#include "termination_signals.hpp"
#include "unique_fd.hpp"

namespace lambda::emulator {

class emulator_session {
 public:
  // Starts the server and the bootstrap. Blocks SIGINT and SIGTERM for the process: construct it
  // before any other thread. Throws std::system_error when the bootstrap cannot be started.
  // wait() returns once `wake_every` invocations have finished, or when none is left queued or
  // running (besides the other reasons below).
  emulator_session(const cli_options& options, std::size_t wake_every);
  ~emulator_session();

  runtime_api_server& server() noexcept { return *server_; }

  // Returns when invocations finished (see above), the bootstrap exited, SIGINT/SIGTERM
  // arrived, or `timeout` passed (a negative one never does).
  void wait(std::chrono::milliseconds timeout);
  std::vector<invocation> take_finished();
  bool interrupted() const noexcept { return interrupted_; }
  std::optional<exit_status> bootstrap_exit() const { return child_->status(); }

  // After the bootstrap exited on its own: how its unfinished invocations fail (its init error,
  // if it posted one, else Runtime.ExitError), and a sentence for the summary.
  struct bootstrap_failure {
    std::string error_type;
    std::string message;
    std::string summary;
  };
  bootstrap_failure describe_bootstrap_exit() const;
  // How the bootstrap ended, and whether it died (exited on its own, not at our SIGTERM nor at
  // a SIGINT/SIGTERM the emulator was sent too). Still running, it is sent SIGTERM, then
  // SIGKILL if it outlives a grace period.
  std::pair<exit_status, bool> end_bootstrap();
  static std::string describe_end(const exit_status& bootstrap, bool died);
  // To stderr: counts, latencies, throughput, late answers, CPU time used, `ending`.
  void print_summary(const run_stats& stats, std::chrono::steady_clock::duration wall,
                     const exit_status& bootstrap, const std::string& ending);

 private:
  termination_signals signals_;
  unique_fd wake_;
  std::mutex mutex_;
  std::vector<invocation> finished_;
  bool interrupted_ = false;
  std::unique_ptr<runtime_api_server> server_;
  std::unique_ptr<child_process> child_;
};

}  // namespace lambda::emulator
