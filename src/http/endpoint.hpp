// Where the HTTP client connects: a "host:port" text, checked once, so that a malformed
// AWS_LAMBDA_RUNTIME_API is reported at start rather than on the first request.
//
//   lambda::http::endpoint ep;
//   std::string error;
//   if (!lambda::http::parse_endpoint("[::1]:9001", ep, error)) throw std::runtime_error(error);
//   // ep.host == "::1", ep.port == 9001, ep.authority == "[::1]:9001"
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace lambda::http {

struct endpoint {
  std::string host;       // without brackets: "127.0.0.1", "::1", "localhost"
  std::uint16_t port = 0;
  std::string authority;  // as given, for the Host header
  // An IP literal is kept as its socket address. Empty (size 0) for a host name, which the
  // connection looks up in /etc/hosts when it connects (see http_hosts.hpp: no resolver).
  sockaddr_storage address{};
  socklen_t address_size = 0;
};

// Accepts "ipv4:port", "[ipv6]:port" and "name:port", port 1-65535. Returns false and sets
// `error` to a sentence saying what is wrong otherwise.
bool parse_endpoint(std::string_view text, endpoint& out, std::string& error);

}  // namespace lambda::http
