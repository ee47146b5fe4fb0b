// Making room for N RICs: N sockets and N threads.
#pragma once

#include <string>

namespace lambda::detail {

// Descriptors and threads beyond the RICs' own: stdio, signalfd, eventfd, the user's files.
inline constexpr unsigned resource_headroom = 64;

// Raises the soft RLIMIT_NOFILE and RLIMIT_NPROC toward their hard limits when N RICs plus
// headroom need it (as Go's runtime does for descriptors at start-up). Returns false, with a
// sentence naming the limit and N in *error, when a hard limit is too low.
bool make_room_for_rics(unsigned rics, std::string& error);

}  // namespace lambda::detail
