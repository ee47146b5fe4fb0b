// The echo function with a shutdown hook: answers each event's bytes unchanged, with the
// event's content type ("sleep_ms": n delays, "fail": true fails), and when the environment
// stops logs one INFO record, "shutdown hook ran". Adding the hook registers the runtime's
// internal extension, so Lambda sends SIGTERM (not SIGKILL) at shutdown and the hook gets to run.
#include <chrono>
#include <stdexcept>
#include <thread>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

lambda::response echo(std::string_view event, const lambda::context& ctx) {
  if (auto sleep_ms = lambda::json::find_int(event, "/sleep_ms"); sleep_ms && *sleep_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(*sleep_ms));
  }
  if (lambda::json::find_bool(event, "/fail").value_or(false)) {
    throw std::runtime_error("requested failure");
  }
  std::string content_type(ctx.content_type.empty() ? "application/json" : ctx.content_type);
  return lambda::response(std::string(event), std::move(content_type));
}

}  // namespace

int main() {
  lambda::run_options options;
  // Runs once, after the invocations in flight are answered, within the 500 ms grace.
  options.on_shutdown([] { lambda::log::info("shutdown hook ran"); });
  // Honours AWS_LAMBDA_MAX_CONCURRENCY; echo keeps no state, so one handler serves every RIC.
  return lambda::run_concurrent(echo, options);
}
