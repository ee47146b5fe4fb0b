#include "http/hosts.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "http/parser.hpp"

namespace lambda::http {
namespace {

// The whole file, read with plain POSIX calls (iostreams would add their locale machinery).
std::string read_file(const char* path) {
  std::string text;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char chunk[4096];
  for (ssize_t n; (n = read(fd, chunk, sizeof chunk)) > 0;) text.append(chunk, static_cast<std::size_t>(n));
  close(fd);
  return text;
}

// Splits off the next blank-separated word of `line`.
std::string_view next_word(std::string_view& line) {
  const auto start = line.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return line = {};
  line.remove_prefix(start);
  const auto end = std::min(line.find_first_of(" \t\r"), line.size());
  std::string_view word = line.substr(0, end);
  line.remove_prefix(end);
  return word;
}

// Copies a filled-in sockaddr_in or sockaddr_in6 into `out`.
template <typename SocketAddress>
bool keep(const SocketAddress& address, host_address& out) {
  std::memcpy(&out.address, &address, sizeof address);
  out.size = sizeof address;
  return true;
}

}  // namespace

bool parse_ip_address(std::string_view text, std::uint16_t port, host_address& out) {
  out = {};
  // inet_pton reads a C string: it would stop at a NUL and accept what follows it.
  if (text.find('\0') != std::string_view::npos) return false;
  const std::string address(text);
  sockaddr_in v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return keep(v4, out);
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return keep(v6, out);
  }
  return false;
}

std::vector<host_address> resolve_host(std::string_view name, std::uint16_t port, const char* hosts_file) {
  std::vector<host_address> found;
  const std::string text = read_file(hosts_file);
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto end = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    line = line.substr(0, line.find('#'));
    host_address address;
    if (!parse_ip_address(next_word(line), port, address)) continue;
    for (auto alias = next_word(line); !alias.empty(); alias = next_word(line)) {
      if (iequals(alias, name)) {
        found.push_back(address);
        break;
      }
    }
  }
  if (found.empty() && iequals(name, "localhost")) {
    host_address loopback;
    parse_ip_address("127.0.0.1", port, loopback);
    found.push_back(loopback);
  }
  return found;
}

}  // namespace lambda::http
