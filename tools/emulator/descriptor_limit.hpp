// Room for many connections: a Runtime API serving 1600 RICs holds 1600 sockets, more than the
// usual soft limit of 1024 descriptors.
#pragma once

#include <cstdint>

namespace lambda::emulator {

// Raises this process's soft RLIMIT_NOFILE to its hard limit (as Go's runtime does at start-up)
// and returns the limit now in force.
std::uint64_t raise_descriptor_limit() noexcept;

}  // namespace lambda::emulator
