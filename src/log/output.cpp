#include "log/output.hpp"

#include <unistd.h>

#include <cerrno>

namespace lambda::log::detail {

bool write_line(int fd, std::string_view line) noexcept {
  while (!line.empty()) {
    const ssize_t written = ::write(fd, line.data(), line.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    line.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace lambda::log::detail
