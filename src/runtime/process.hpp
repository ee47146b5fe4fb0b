// The process around the RICs: what start-up reads and raises, and the one way it stops.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "http/endpoint.hpp"
#include "runtime/runtime_api.hpp"

namespace lambda::detail {

// Configures logging, reads the function's settings and AWS_LAMBDA_RUNTIME_API. When that is
// missing or malformed, logs why (there is nowhere to post an init error) and returns false.
bool start_up(http::endpoint& endpoint);

// Receive buffers the RICs keep warm between invocations, shared out among them: an event that
// fits its RIC's share (16 MiB at N = 1, 2 MiB at N = 8, 64 KiB from N = 256) is read with no
// allocation and no page fault, while N = 1600 idle RICs stay small.
inline constexpr std::size_t warm_buffer_budget = 16 << 20;
inline constexpr std::size_t min_kept_buffer = 64 << 10;
http::connection_options ric_connection_options(unsigned rics);

// The function as the environment describes it, read once by start_up() before any RIC runs
// and never changed after: every context views it.
struct function_settings {
  std::string name;        // AWS_LAMBDA_FUNCTION_NAME
  std::string version;     // AWS_LAMBDA_FUNCTION_VERSION
  std::string log_group;   // AWS_LAMBDA_LOG_GROUP_NAME
  std::string log_stream;  // AWS_LAMBDA_LOG_STREAM_NAME
  std::int64_t memory_mb = 0;  // AWS_LAMBDA_FUNCTION_MEMORY_SIZE; 0 when absent or not a number
};
const function_settings& function_environment() noexcept;

// The platform allows 1..1600 RICs; more than that is clamped, so a typo cannot start 10^6 threads.
inline constexpr unsigned max_rics = 1600;

struct concurrency_setting {
  unsigned rics = 1;
  std::string warning;  // non-empty when the value was unusable or clamped
};

// AWS_LAMBDA_MAX_CONCURRENCY, read leniently. Missing or empty → 1 silently; invalid (not a
// plain decimal number) or < 1 → 1 with a warning; above max_rics → max_rics with a warning.
concurrency_setting parse_max_concurrency(const char* value);

// Raises the soft RLIMIT_NOFILE and RLIMIT_NPROC toward their hard limits when N RICs (a socket
// and a thread each) plus headroom need it, as Go's runtime does for descriptors. Returns false,
// with a sentence naming the limit and N in `error`, when a hard limit is too low.
bool make_room_for_rics(unsigned rics, std::string& error);

// The stop, the same in every mode: SIGTERM or SIGINT, or a fatal error in any RIC, interrupts
// every RIC's parked poll (and keeps later polls from being sent), while invocations already
// received are answered. From the stop on, they have `grace`; when it runs out the process logs
// why and exits at once, with status 1 after a fatal error, else 0.
//
// The signals reach a sigaction handler that only does async-signal-safe work: shutdown(2) of
// parked sockets, one log record, arming a POSIX timer that later delivers SIGTERM again to end
// the grace. The signal mask is never touched, so threads the user started before the runtime,
// and processes that handlers start, see the mask and dispositions the user's main had. A
// handler the user installed before is called after ours. One process_stop at a time.
class process_stop {
 public:
  process_stop(std::span<runtime_api* const> rics, std::chrono::milliseconds grace);
  // Restores the signal actions that were there before and disarms the grace.
  ~process_stop();
  process_stop(const process_stop&) = delete;
  process_stop& operator=(const process_stop&) = delete;

  // A fatal error: stops like a signal. Returns true for the first fatal error only, whose
  // reason the caller then logs once.
  bool stop_for_fatal_error() noexcept;
  bool fatal_error_happened() const noexcept;
};

// Whether a stop has begun (a poll answered 500 then is the platform ending it, not a failure).
bool stop_requested() noexcept;

// When the grace of the stop in progress ends (CLOCK_MONOTONIC, steady_clock's clock); nullopt
// before a stop, or when the grace is unbounded or cannot be enforced.
std::optional<std::chrono::steady_clock::time_point> grace_deadline() noexcept;

// The shutdown hooks' progress, for the record the end of the grace writes: `total` hooks, of
// which the `running`-th (from 1) runs now; 0 while none does.
void note_shutdown_hooks(std::size_t running, std::size_t total) noexcept;

}  // namespace lambda::detail
