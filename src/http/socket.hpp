// The few socket chores the HTTP connection needs, as plain functions over descriptors.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace lambda::http::socket_io {

using clock = std::chrono::steady_clock;

// Waits until `fd` has any of `events` (or an error or hang-up), or `deadline` passes (false).
bool wait(int fd, short events, std::optional<clock::time_point> deadline);

// Finishes a non-blocking connect: answers 0 or the errno it failed with, and on success makes
// the socket blocking (the steady state then needs no poll before recv) with TCP_NODELAY.
int finish_connect(int fd);

// "Connection refused" and the like, without strerror's thread-unsafety.
std::string describe(int error_number);

}  // namespace lambda::http::socket_io
