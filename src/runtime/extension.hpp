// Graceful shutdown: the internal extension that makes the platform send SIGTERM (it does so
// only when an extension is registered), and the users' shutdown hooks run after the RICs end.
//
//   detail::shutdown_phase shutdown;
//   if (!shutdown.begin(endpoint, options, init_api)) return 1;  // init failed, reported
//   ... process_stop, the RICs run until stopped ...
//   shutdown.finish();  // the hooks, within what remains of the grace
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>

#include <lambda/runtime.hpp>

#include "http/endpoint.hpp"
#include "runtime/runtime_api.hpp"

namespace lambda::detail {

// What the runtime registers as, in Lambda-Extension-Name.
inline constexpr std::string_view internal_extension_name = "lambda-ric-cpp-graceful-shutdown";

// The internal extension: registered with no events, then one GET /extension/event/next
// written on a socket of its own and never read, so the platform counts it as waiting (init
// completes) and has nothing to send it until shutdown. No thread, nothing per invocation.
class internal_extension {
 public:
  internal_extension() = default;
  ~internal_extension();  // closes the parked request's socket
  internal_extension(const internal_extension&) = delete;
  internal_extension& operator=(const internal_extension&) = delete;

  // Registers and parks the poll. On failure returns false with a sentence in `error`.
  bool start(const http::endpoint& endpoint, std::string& error);
  // Lambda-Extension-Identifier, once registered.
  const std::string& id() const noexcept { return id_; }

 private:
  bool register_once(const http::endpoint& endpoint, std::string& error);
  bool park_poll(const http::endpoint& endpoint, std::string& error);

  std::string id_;
  int parked_ = -1;
};

// Whether `options` ask for the internal extension: a hook, or a mode other than when_hooks.
bool wants_internal_extension(const run_options& options) noexcept;

// Runs the non-empty hooks in order on the calling thread. One that throws is logged and the
// next still runs. If `deadline` passes between hooks, the rest are skipped with one WARN
// record; a hook still running at the deadline is the grace timer's (process_stop) to end: it
// logs which one and exits. Process isolation calls it wherever the hooks should run.
void run_shutdown_hooks(std::span<const shutdown_hook> hooks,
                        std::optional<std::chrono::steady_clock::time_point> deadline);

// The runtime's side, around the RICs: begin() at init before the first /next, finish() once
// they have ended and while the process_stop (and so its grace timer) still lives.
class shutdown_phase {
 public:
  // Registers the internal extension when `options` ask for it and `registers` (a worker of
  // isolation::process does not: its supervisor, the process the platform signals, did). A
  // failure is logged and the function runs on without it, unless the options require it: then
  // the failure is posted to /runtime/init/error through `api` and begin() returns false.
  bool begin(const http::endpoint& endpoint, const run_options& options, runtime_api& api, bool registers = true);
  // The hooks, within what remains of the grace.
  void finish() const;

 private:
  internal_extension extension_;
  std::span<const shutdown_hook> hooks_;
};

}  // namespace lambda::detail
