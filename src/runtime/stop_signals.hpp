// SIGTERM and SIGINT, received as data on a descriptor instead of in an async handler.
#pragma once

namespace lambda::detail {

// Blocks SIGTERM and SIGINT in the calling thread (threads started later inherit the mask)
// and returns a non-blocking signalfd that becomes readable when one arrives, or -1.
int open_stop_signals() noexcept;

}  // namespace lambda::detail
