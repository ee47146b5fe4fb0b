#include "records.hpp"

namespace lambda::emulator {

const char* to_string(invocation_state s) noexcept {
  switch (s) {
    case invocation_state::queued: return "queued";
    case invocation_state::running: return "running";
    case invocation_state::answered: return "answered";
    case invocation_state::timed_out: return "timed_out";
    case invocation_state::failed: return "failed";
  }
  return "unknown";
}

}  // namespace lambda::emulator
