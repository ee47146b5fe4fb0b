// Crashes: what each RIC is running, kept where a signal handler (and, in process isolation, the
// supervisor) can read it, and the handler that reports a crash and answers its invocation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/endpoint.hpp"

namespace lambda::detail {

// One slot per RIC: the request id of the invocation it is running, or none. A RIC writes only
// its own slot, twice an invocation (before the handler, after the answer), with no system call
// and no lock; anyone may read any slot at any time, a signal handler included, and sees a whole
// id or none. The slots live in memory that a fork() shares, so a supervisor process can read
// what its workers run.
class flight_table {
 public:
  static constexpr std::size_t max_id = 256;  // what is_valid_request_id() allows

  explicit flight_table(unsigned rics);  // throws std::system_error when it cannot map the slots
  ~flight_table();
  flight_table(const flight_table&) = delete;
  flight_table& operator=(const flight_table&) = delete;

  unsigned rics() const noexcept { return rics_; }
  void begin(unsigned ric, std::string_view request_id) noexcept;
  void end(unsigned ric) noexcept;
  // Copies RIC `ric`'s request id into `out` and returns its length; 0 when it runs none.
  // Async-signal-safe.
  std::size_t running(unsigned ric, char (&out)[max_id]) const noexcept;
  // How many invocations RIC `ric` has begun, ever.
  std::uint64_t begun(unsigned ric) const noexcept;

 private:
  struct slot;
  slot* slots_;
  unsigned rics_;
  std::size_t bytes_;
};

// "SIGSEGV" for the crash signals, SIGKILL and SIGTERM; null for others. Async-signal-safe.
const char* signal_name(int sig) noexcept;

// Reports crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) from here on: one FATAL record
// naming the signal, the faulting address, the crashing RIC and its invocation, every other
// invocation in flight, and a backtrace with the binary's build id; then the crashing
// invocation is answered with /error over a fresh connection to `api` (and, once accepted,
// leaves the flight table), and the signal goes on to
// the handler that was there before (or its default action, so the process dies of it). All of
// it is async-signal-safe: stack and static buffers, no allocation, no lock. Handlers and masks
// the program set are left as they were, and put back when this object goes. One at a time.
class crash_reports {
 public:
  crash_reports(flight_table& flights, const http::endpoint& api);
  ~crash_reports();
  crash_reports(const crash_reports&) = delete;
  crash_reports& operator=(const crash_reports&) = delete;
};

// The calling thread runs RIC `ric` until this object goes: a crash on it names that RIC, and
// runs on an alternate signal stack of its own, so even a stack overflow is reported.
class crash_scope {
 public:
  explicit crash_scope(unsigned ric) noexcept;
  ~crash_scope();
  crash_scope(const crash_scope&) = delete;
  crash_scope& operator=(const crash_scope&) = delete;

 private:
  void* stack_ = nullptr;  // mapped by us, or null when the thread kept its own alternate stack
  unsigned previous_ric_;
};

}  // namespace lambda::detail
