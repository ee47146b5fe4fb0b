#include "loopback_listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace lambda::emulator {
namespace {

struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

std::uint16_t parse_port(std::string_view text, std::string_view address) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    throw std::invalid_argument("bad port in address '" + std::string(address) + "'");
  }
  return static_cast<std::uint16_t>(value);
}

socket_address parse_loopback(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::invalid_argument("address '" + std::string(address) + "' needs a port, e.g. 127.0.0.1:9000");
  }
  std::string host(address.substr(0, colon));
  std::uint16_t port = parse_port(address.substr(colon + 1), address);
  socket_address out;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) == 1 &&
        IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
      out.length = sizeof(sockaddr_in6);
      return out;
    }
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    // 127.0.0.0/8 is loopback as a whole.
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1 &&
        (ntohl(v4->sin_addr.s_addr) >> 24) == 127) {
      out.length = sizeof(sockaddr_in);
      return out;
    }
  }
  throw std::invalid_argument("address '" + std::string(address) +
                              "' is not a numeric loopback address (127.x.x.x or [::1])");
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace

unique_fd listen_on_loopback(std::string_view address) {
  socket_address where = parse_loopback(address);
  unique_fd fd(::socket(where.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&where.storage), where.length) != 0) {
    throw_errno(("cannot listen on " + std::string(address)).c_str());
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) throw_errno("listen");
  return fd;
}

std::string local_address(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) throw_errno("getsockname");
  char host[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
  ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(v4->sin_port));
}

}  // namespace lambda::emulator
