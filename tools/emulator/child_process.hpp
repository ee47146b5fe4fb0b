// Runs a program (a bootstrap) as a child: a chosen environment, its output captured through
// pipes that a helper thread drains (so the child never blocks on a full pipe), signals, waits
// with a timeout, and no zombie or orphan left behind: destruction kills and reaps it.
//
//   lambda::emulator::child_process child({.argv = {"./bootstrap"},
//                                          .env = {"AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"}});
//   child.signal(SIGTERM);
//   if (auto status = child.wait_exit(std::chrono::seconds(2))) std::puts(status->describe().c_str());
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "unique_fd.hpp"

namespace lambda::emulator {

struct exit_status {
  int code = 0;    // the exit status, when it exited
  int signal = 0;  // the signal that ended it, or 0
  std::chrono::microseconds cpu_time{0};  // user + system, its reaped children's included

  bool success() const noexcept { return signal == 0 && code == 0; }
  std::string describe() const;  // "exited with status 1", "killed by signal 9 (Killed)"
};

enum class child_output {
  capture,    // kept in memory: stdout_text(), stderr_text()
  to_stderr,  // both go to this process's stderr, e.g. the emulator's, whose stdout is its report
  relay,      // both, through one pipe and so in the order written, to on_output as they arrive
};

struct child_options {
  std::vector<std::string> argv{};  // argv[0] is looked up in PATH when it has no slash
  std::vector<std::string> env{};   // exactly the child's environment, "NAME=value"
  child_output output = child_output::capture;
  // Called once on the helper thread right after the child is reaped, once its output written
  // until then has been read.
  std::function<void(const exit_status&)> on_exit{};
  // With child_output::relay: called on the helper thread with each piece of output read, in
  // order. Pieces are split anywhere, not at line ends.
  std::function<void(std::string_view)> on_output{};
};

class child_process {
 public:
  // Throws std::system_error naming the program when it cannot be started (missing, not
  // executable).
  explicit child_process(child_options options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // Sends `sig`; does nothing once the child has exited.
  void signal(int sig) noexcept;
  // The exit status, or nullopt if the child still runs after `timeout`.
  std::optional<exit_status> wait_exit(std::chrono::milliseconds timeout);
  std::optional<exit_status> status() const;

  enum class stream { out, err };
  std::string stdout_text() const;
  std::string stderr_text() const;
  // Whether `needle` appeared in the stream within `timeout`.
  bool wait_output(stream which, std::string_view needle, std::chrono::milliseconds timeout) const;

 private:
  void drain_and_reap();
  bool read_pipe(unique_fd& pipe, std::string& into);
  // Reads what the pipes hold now, without waiting for more.
  void read_what_is_ready();

  child_options options_;
  pid_t pid_ = -1;
  unique_fd pidfd_;
  unique_fd stdout_;
  unique_fd stderr_;
  unique_fd stop_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string out_text_;
  std::string err_text_;
  std::optional<exit_status> status_;
  std::thread helper_;
};

}  // namespace lambda::emulator
