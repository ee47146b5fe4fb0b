// The echo contract with every RIC in a worker process of its own (isolation::process): a crash
// ("crash": true) ends only its worker; the supervisor answers that worker's invocation in
// flight and starts another, and every other invocation carries on. Answers each event's bytes
// unchanged, with the event's content type; "sleep_ms": n delays, "fail": true fails.
#include <chrono>
#include <stdexcept>
#include <thread>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

// A null dereference, through volatile so the compiler may not drop it. UBSan's null check is
// off here only so that sanitizer builds crash as ordinary ones do (never inlined: the
// attribute would not follow the code into its caller).
__attribute__((noinline, no_sanitize("null"))) void crash() {
  volatile int* volatile nowhere = nullptr;  // both volatile: the compiler can neither know the pointer nor drop the store
  *nowhere = 1;
}

lambda::response echo(std::string_view event, const lambda::context& ctx) {
  lambda::log::info("echoing {} bytes", event.size());
  if (auto sleep_ms = lambda::json::find_int(event, "/sleep_ms"); sleep_ms && *sleep_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(*sleep_ms));
  }
  if (lambda::json::find_bool(event, "/fail").value_or(false)) {
    throw std::runtime_error("requested failure");
  }
  if (lambda::json::find_bool(event, "/crash").value_or(false)) crash();
  std::string content_type(ctx.content_type.empty() ? "application/json" : ctx.content_type);
  return lambda::response(std::string(event), std::move(content_type));
}

}  // namespace

int main() {
  lambda::run_options options;
  options.isolation = lambda::isolation::process;  // one RIC per worker process
  return lambda::run_concurrent(echo, options);
}
