// Serve mode's front door: AWS's emulator's invoke endpoint,
// POST /2015-03-31/functions/function/invocations, on a loopback address. Each request becomes
// an event for the Runtime API server; its HTTP answer waits until the invocation finishes.
// Unlike AWS's emulator, invocations that find no free runtime wait in line.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http_loop.hpp"
#include "runtime_api_server.hpp"

namespace lambda::emulator {

class invoke_endpoint : private http_handler {
 public:
  // Throws std::invalid_argument (not a loopback address) or std::system_error (cannot listen).
  invoke_endpoint(std::string_view address, runtime_api_server& server);
  ~invoke_endpoint() override;

  const std::string& address() const noexcept { return address_; }
  // Answers the invoker waiting for `done` (any thread).
  void finished(const invocation& done);
  // From now on, invokes are answered at once with this failure instead of being queued.
  void refuse(std::string error_type, std::string message);
  // How many invokes were queued for the runtime so far.
  std::size_t invoked();
  // Whether every queued invoke has had its answer written, within `timeout`.
  bool wait_answered(std::chrono::milliseconds timeout);

 private:
  void on_request(std::uint64_t connection, const received_request& request) override;
  void on_closed(std::uint64_t) override {}
  std::optional<time_point> on_turn(time_point now) override;

  runtime_api_server& server_;
  std::mutex mutex_;
  std::condition_variable answered_;
  std::size_t invoked_ = 0;
  std::optional<invocation> refusal_;  // a failed invocation to answer with, once refusing
  std::unordered_map<std::string, std::uint64_t> waiting_;  // request id → invoker's connection
  std::vector<invocation> ready_;
  std::string address_;
  std::unique_ptr<http_loop> loop_;
};

}  // namespace lambda::emulator
