// What the emulator tells its user: how each invocation ended (a JSON line on stdout, the answer
// an invoker gets in serve mode), the run's summary, and a live progress line.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "runtime_api_server.hpp"

namespace lambda::emulator {

struct outcome {
  bool ok = false;
  const char* status = "error";  // "ok", "error" or "timeout"
  std::string error_type;        // as the platform would record it
  std::string error_message;
};

outcome outcome_of(const invocation& done);

// A response longer than this is shown cut to it, with "truncated":true.
inline constexpr std::size_t max_reported_body = 1024 * 1024;

// {"line":N,"requestId":…,"status":"ok","durationMs":…,"response":…}, or errorType and
// errorMessage instead of the response. A response that is one line of valid JSON is embedded
// as it is; any other goes in "responseText" as a string (its first max_reported_body bytes,
// then "truncated":true, when it is longer). Status is "ok", "error", "timeout", or "not_run"
// for an invocation that failed before a runtime took it. A streamed answer adds
// "streamed":true, "chunks" and "bytes" (what arrived, also before an error) and "firstByteMs"
// (from the /next answer to the first body byte).
std::string report_line(const invocation& done, std::size_t line);
// For an event never queued, e.g. because the bootstrap had gone: why, in the same shape.
std::string not_run_line(std::size_t line, std::string_view error_type, std::string_view message);

struct invoker_answer {
  std::string headers;  // raw "Name: value\r\n" lines
  std::string body;
};
// What Lambda's Invoke API returns: 200 with the function's answer; failures add
// X-Amz-Function-Error: Unhandled and an {"errorMessage","errorType"} body.
invoker_answer invoker_answer_for(const invocation& done);

class run_stats {
 public:
  void add(const invocation& done);
  void add_not_run() { ++invocations_, ++failures_; }
  bool all_succeeded() const noexcept { return failures_ == 0; }
  std::size_t invocations() const noexcept { return invocations_; }
  // Counts, p50/p90/p99 latency (from delivery to answer) and throughput over `wall`.
  std::string summary(std::chrono::steady_clock::duration wall) const;

 private:
  std::vector<double> latencies_ms_;
  std::size_t invocations_ = 0;
  std::size_t failures_ = 0;
};

// A live "done/total" line on stderr while a long batch runs, only when stderr is a terminal.
class progress_line {
 public:
  explicit progress_line(std::size_t total);

  // Redraws the line, at most every poll_interval() and only once the run is a second old.
  void update(std::size_t done, std::chrono::steady_clock::time_point started);
  // Erases the line, so other output starts on a clean one.
  void clear();
  // How long the caller may sleep between updates: forever when nothing is shown.
  std::chrono::milliseconds poll_interval() const;

 private:
  std::size_t total_;
  bool shown_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace lambda::emulator
