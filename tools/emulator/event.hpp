// What the server hands a runtime on /next, and the faults a test can script for it.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace lambda::emulator {

// How an answer is written on the wire. Each flag drives one code path of an HTTP client.
struct wire_faults {
  bool chunked = false;      // Transfer-Encoding: chunked instead of Content-Length
  bool dribble = false;      // one byte per write, paced, so the reader meets every split
  bool close_after = false;  // "Connection: close", then the server closes
  bool http10 = false;       // HTTP/1.0 without Content-Length: the body ends when the server closes

  friend wire_faults operator|(wire_faults a, wire_faults b) noexcept {
    return {a.chunked || b.chunked, a.dribble || b.dribble, a.close_after || b.close_after,
            a.http10 || b.http10};
  }
};

enum class deadline_style {
  from_timeout,  // delivery time + timeout, as the platform does
  far_future,    // the last millisecond of year 9999, as RIE's Managed Instances mode sends
  absent,        // no Lambda-Runtime-Deadline-Ms header
};

struct event {
  std::string payload{};
  std::string request_id{};              // empty: a fresh unique id
  std::chrono::milliseconds timeout{0};  // 0: the server's default
  deadline_style deadline = deadline_style::from_timeout;
  std::string function_arn{};            // empty: the server's
  // Each of these headers is sent only when its value is non-empty.
  std::string trace_id{};
  std::string tenant_id{};
  std::string invocation_id{};
  std::string client_context{};
  std::string cognito_identity{};
  std::optional<std::string> content_type = std::string("application/json");  // nullopt: none
  std::string extra_headers{};           // raw "Name: value\r\n" lines added to the /next answer

  wire_faults wire{};    // how this event's /next answer is written
  int drop_polls = 0;    // this many polls that would receive it are closed before any byte
  int post_status = 0;   // non-zero: its first answer gets this status instead of the normal one
};

}  // namespace lambda::emulator
