#include "http/socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace lambda::http::socket_io {
namespace {

// Rounds up, so that a wait never ends just before its deadline.
int milliseconds_until(clock::time_point deadline) {
  const auto left = deadline - clock::now();
  if (left <= clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

}  // namespace

wait_result wait(int fd, short events, int wake_fd, std::optional<clock::time_point> deadline) {
  pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    const int timeout = deadline ? milliseconds_until(*deadline) : -1;
    const int n = ::poll(fds, 2, timeout);  // poll skips negative descriptors
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return wait_result::ready;  // the I/O call that follows reports the problem
    if (n == 0) {
      if (timeout == 0) return wait_result::timed_out;
      continue;
    }
    if (fds[0].revents != 0) return wait_result::ready;
    return wait_result::woken;
  }
}

int finish_connect(int fd) {
  int error = 0;
  socklen_t size = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return errno;
  if (error != 0) return error;
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return errno;
  const int on = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) return errno;
  return 0;
}

std::string describe(int error_number) {
  if (const char* text = strerrordesc_np(error_number)) return text;
  return "error " + std::to_string(error_number);
}

}  // namespace lambda::http::socket_io
