#include "runtime/shutdown_watch.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>

#include <lambda/log.hpp>

namespace lambda::detail {
namespace {

using clock = std::chrono::steady_clock;

void drain(int fd) {
  std::uint64_t count;
  while (read(fd, &count, sizeof count) > 0) {}
}

// Waits until one of `fds` is readable or `timeout_ms` passes (negative: never); false on timeout.
bool wait_readable(pollfd* fds, nfds_t count, int timeout_ms) {
  for (;;) {
    int ready = poll(fds, count, timeout_ms);
    if (ready >= 0) return ready > 0;
    if (errno != EINTR) return true;  // cannot wait: let the caller re-check its state
  }
}

}  // namespace

shutdown_watch::shutdown_watch(int signal_fd, std::stop_source stop, std::chrono::milliseconds grace,
                               const error_slot& errors)
    : signal_fd_(signal_fd),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      stop_(std::move(stop)),
      grace_(grace),
      errors_(errors),
      thread_([this](std::stop_token finished) { watch(finished); }) {
  pthread_setname_np(thread_.native_handle(), "lambda-stop");
}

shutdown_watch::~shutdown_watch() {
  thread_.request_stop();
  thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void shutdown_watch::watch(std::stop_token finished) {
  auto wake = [this] {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto written = write(wake_fd_, &one, sizeof one);
  };
  std::stop_callback on_finished(finished, wake);
  std::stop_callback on_stop(stop_.get_token(), wake);

  pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
  while (!finished.stop_requested() && !stop_.stop_requested()) {
    wait_readable(fds, signal_fd_ >= 0 ? 2 : 1, -1);
    drain(wake_fd_);
    signalfd_siginfo info;
    if (signal_fd_ >= 0 && read(signal_fd_, &info, sizeof info) == sizeof info) {
      log::info("{} received: stopping the polls; in-flight invocations have {} ms to finish",
                info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM", grace_.count());
      stop_.request_stop();
    }
  }

  const auto deadline = clock::now() + grace_;
  while (!finished.stop_requested()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0 || !wait_readable(fds, 1, static_cast<int>(left.count()))) break;
    drain(wake_fd_);
  }
  if (finished.stop_requested()) return;

  if (auto error = errors_.first()) {
    log::fatal("{}", *error);
    _exit(1);
  }
  log::warn("in-flight invocations did not finish within the {} ms grace; exiting", grace_.count());
  _exit(0);
}

}  // namespace lambda::detail
