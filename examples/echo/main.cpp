// Answers each event's bytes unchanged, with the event's content type. A JSON event may ask
// for a delay ("sleep_ms": n) or a failure ("fail": true).
#include <chrono>
#include <stdexcept>
#include <thread>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

lambda::response echo(std::string_view event, const lambda::context& ctx) {
  lambda::log::info("echoing {} bytes", event.size());
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
  // echo keeps no state, so one handler can serve every RIC at once.
  return lambda::run_concurrent(echo);
}
