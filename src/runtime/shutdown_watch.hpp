// The thread that turns SIGTERM/SIGINT into a stop, and bounds how long a stop may take.
#pragma once

#include <chrono>
#include <stop_token>
#include <thread>

#include "runtime/error_slot.hpp"

namespace lambda::detail {

// Waits for a stop signal (then requests `stop`) or for a stop requested by anyone else (a
// fatal error). From then on the RICs have `grace` to finish their in-flight handlers; if they
// have not when it expires, the process logs why and exits at once: with status 1 when
// `errors` holds a fatal error, else 0. Destroying the watch (once every RIC has ended) ends it.
class shutdown_watch {
 public:
  shutdown_watch(int signal_fd, std::stop_source stop, std::chrono::milliseconds grace, const error_slot& errors);
  ~shutdown_watch();
  shutdown_watch(const shutdown_watch&) = delete;
  shutdown_watch& operator=(const shutdown_watch&) = delete;

 private:
  void watch(std::stop_token finished);

  int signal_fd_;
  int wake_fd_;  // eventfd written when a stop is requested or the watch must end
  std::stop_source stop_;
  std::chrono::milliseconds grace_;
  const error_slot& errors_;
  std::jthread thread_;
};

}  // namespace lambda::detail
