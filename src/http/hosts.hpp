// Host names without the resolver. A static glibc binary's getaddrinfo loads the NSS libraries
// of the glibc it was built with at run time (and adds 120 KB), while the Lambda Runtime API is
// always on the local host. So names are looked up in the hosts file only, and "localhost" is
// loopback even when the file does not say so (RFC 6761).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace lambda::http {

struct host_address {
  sockaddr_storage address{};
  socklen_t size = 0;
};

// An IPv4 or IPv6 literal ("127.0.0.1", "::1", no brackets) as a socket address for `port`.
bool parse_ip_address(std::string_view text, std::uint16_t port, host_address& out);

// The addresses of `name` at `port`, in the order the hosts file lists them; empty when the
// file does not know the name (and it is not localhost).
std::vector<host_address> resolve_host(std::string_view name, std::uint16_t port,
                                       const char* hosts_file = "/etc/hosts");

}  // namespace lambda::http
