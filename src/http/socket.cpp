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

bool wait(int fd, short events, std::optional<clock::time_point> deadline) {
  pollfd target{fd, events, 0};
  for (;;) {
    const int timeout = deadline ? milliseconds_until(*deadline) : -1;
    const int n = ::poll(&target, 1, timeout);
    if (n < 0 && errno == EINTR) continue;
    if (n != 0) return true;  // on an error, the I/O call that follows reports the problem
    if (timeout == 0) return false;
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
