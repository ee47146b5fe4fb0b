// Answers each event's bytes unchanged, with the event's content type. A JSON event may ask
// for a delay ("sleep_ms": n), a failure ("fail": true) or a crash ("crash": true, a null
// dereference: the runtime reports it and answers the invocation before the process dies).
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
  // Validated once for the three lookups; an event that is not JSON asks for none of them.
  const lambda::json::document request(event);
  if (auto sleep_ms = request["sleep_ms"].get_int(); sleep_ms && *sleep_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(*sleep_ms));
  }
  if (request["fail"].get_bool().value_or(false)) {
    throw std::runtime_error("requested failure");
  }
  if (request["crash"].get_bool().value_or(false)) crash();
  // The event's own bytes, not a copy: they stay valid until the answer is posted. An event
  // without a content type is answered as application/json.
  return lambda::response::borrowed(event, ctx.content_type);
}

}  // namespace

int main() {
  // echo keeps no state, so one handler can serve every RIC at once.
  return lambda::run_concurrent(echo);
}
