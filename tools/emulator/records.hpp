// What the server remembers: each POST a runtime made, each invocation's fate, and counters.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace lambda::emulator {

using time_point = std::chrono::steady_clock::time_point;

enum class post_kind { response, error, init_error };

// One POST from the runtime, with the status the server answered it with.
struct post {
  post_kind kind = post_kind::response;
  std::string request_id;     // empty for init errors
  int status = 0;
  std::string body;
  std::string content_type;
  std::string error_type;     // Lambda-Runtime-Function-Error-Type
  std::string invocation_id;  // Lambda-Runtime-Invocation-Id, as echoed
  std::string user_agent;
  std::uint64_t connection = 0;  // which connection it came on (ids count from 1)
  std::uint64_t order = 0;       // arrival order among all POSTs, from 1
  time_point at;
};

enum class invocation_state {
  queued,     // waiting for a poll
  running,    // handed to a poll, not answered yet
  answered,   // a /response or /error finished it
  timed_out,  // its deadline passed first (only when deadlines are enforced)
  failed,     // the server gave up on it, e.g. because the bootstrap died
};

struct invocation {
  std::string request_id;
  invocation_state state = invocation_state::queued;
  std::uint64_t connection = 0;  // the connection of the poll that received it
  std::int64_t deadline_ms = 0;  // as sent; 0 when no deadline was sent
  time_point queued_at, delivered_at, finished_at;
  std::optional<post> answer;    // the POST that finished it
  std::string failure_type;      // timed_out and failed: e.g. "Sandbox.Timedout"
  std::string failure_message;

  bool finished() const noexcept {
    return state != invocation_state::queued && state != invocation_state::running;
  }
};

struct server_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t polls_parked = 0;
  std::uint64_t polls_parked_peak = 0;
  std::uint64_t requests = 0;
  std::uint64_t posts = 0;
  std::uint64_t init_errors = 0;
  std::map<std::uint64_t, std::uint64_t> requests_per_connection;  // by connection id
  std::uint64_t queued = 0;    // events waiting for a poll
  std::uint64_t running = 0;
  std::uint64_t finished = 0;
};

}  // namespace lambda::emulator
