// Listening sockets for the emulator, on loopback addresses only: nothing it serves is meant to
// be reachable from another machine.
#pragma once

#include <string>
#include <string_view>

#include "unique_fd.hpp"

namespace lambda::emulator {

// Listens on `address`: "127.0.0.1:9000", "[::1]:9000", or a port 0 for an ephemeral one. The
// socket is non-blocking. Throws std::invalid_argument for a malformed or non-loopback address
// and std::system_error when the socket cannot be bound.
unique_fd listen_on_loopback(std::string_view address);

// "127.0.0.1:PORT" (or "[::1]:PORT") for a bound socket.
std::string local_address(int fd);

}  // namespace lambda::emulator
