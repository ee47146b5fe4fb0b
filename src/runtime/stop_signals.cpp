#include "runtime/stop_signals.hpp"

#include <signal.h>
#include <sys/signalfd.h>

namespace lambda::detail {

int open_stop_signals() noexcept {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  if (pthread_sigmask(SIG_BLOCK, &stop, nullptr) != 0) return -1;
  return signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
}

}  // namespace lambda::detail
