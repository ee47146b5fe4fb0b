// A function for the integration tests: each event says what to do, the answer says what the
// function saw. PROBE_MODE=concurrent runs it with run_concurrent (factory form);
// PROBE_INIT=throw makes initialization fail.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

struct database_unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Holds every invocation until `n` are in flight at once: proof of real parallelism.
class barrier {
 public:
  bool arrive_and_wait(std::int64_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mutex_);
    std::int64_t generation = generation_;
    if (++arrived_ == n) {
      arrived_ = 0;
      ++generation_;
      all_arrived_.notify_all();
      return true;
    }
    return all_arrived_.wait_for(lock, timeout, [&] { return generation_ != generation; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_arrived_;
  std::int64_t arrived_ = 0;
  std::int64_t generation_ = 0;
};

barrier shared_barrier;

std::string describe(const lambda::context& ctx) {
  std::string out;
  lambda::json::writer w(out);
  w.begin_object();
  w.key("request_id").value(ctx.request_id);
  w.key("invoked_function_arn").value(ctx.invoked_function_arn);
  w.key("trace_id").value(ctx.trace_id);
  w.key("client_context").value(ctx.client_context);
  w.key("cognito_identity").value(ctx.cognito_identity);
  w.key("tenant_id").value(ctx.tenant_id);
  w.key("invocation_id").value(ctx.invocation_id);
  w.key("content_type").value(ctx.content_type);
  w.key("deadline_ms").value(ctx.deadline_ms);
  auto remaining = ctx.remaining_time();
  if (remaining == std::chrono::milliseconds::max()) w.key("remaining_ms").null();
  else w.key("remaining_ms").value(static_cast<std::int64_t>(remaining.count()));
  w.key("ric").value(ctx.ric);
  const char* trace_env = std::getenv("_X_AMZN_TRACE_ID");
  if (trace_env) w.key("trace_env").value(trace_env);
  else w.key("trace_env").null();
  w.key("this_invocation_matches").value(lambda::this_invocation() == &ctx);
  w.end_object();
  return out;
}

lambda::response probe(std::string_view event, const lambda::context& ctx) {
  using namespace lambda::json;
  if (auto ms = find_int(event, "/sleep_ms"); ms && *ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
  }
  if (auto n = find_int(event, "/barrier")) {
    if (!shared_barrier.arrive_and_wait(*n, std::chrono::seconds(20))) {
      return lambda::response::failure("BarrierTimeout", "fewer than " + std::to_string(*n) + " invocations in flight");
    }
    return lambda::response("{\"ric\":" + std::to_string(ctx.ric) + "}");
  }
  if (auto fifo = find_string(event, "/read_fifo")) {
    // Blocks until the test writes a byte: the handler stays in flight exactly as long as the
    // test needs, with no timing involved.
    int fd = open(fifo->c_str(), O_RDONLY | O_CLOEXEC);
    char byte = 0;
    bool got = fd >= 0 && read(fd, &byte, 1) == 1;
    if (fd >= 0) close(fd);
    if (!got) return lambda::response::failure("FifoError", "could not read " + *fifo);
  }
  if (auto what = find_string(event, "/throw")) {
    if (*what == "runtime_error") throw std::runtime_error("it broke");
    if (*what == "custom") throw database_unreachable("no route to the database");
    if (*what == "int") throw 42;
  }
  if (auto type = find_string(event, "/failure/type")) {
    return lambda::response::failure(*type, find_string(event, "/failure/message").value_or(""));
  }
  if (find_bool(event, "/context").value_or(false)) return lambda::response(describe(ctx));
  if (auto body = find_string(event, "/body")) {
    return lambda::response(*body, find_string(event, "/content_type").value_or("text/plain"));
  }
  if (auto text = find_string(event, "/log")) {
    lambda::log::info("{}", *text);
  }
  return lambda::response(std::string(event));
}

lambda::handler make_probe(unsigned) {
  const char* init = std::getenv("PROBE_INIT");
  if (init && std::string_view(init) == "throw") throw database_unreachable("cannot reach the database");
  if (init && std::string_view(init) == "empty") return {};
  return probe;
}

}  // namespace

int main() {
  const char* mode = std::getenv("PROBE_MODE");
  if (mode && std::string_view(mode) == "concurrent") {
    lambda::concurrent_options options;
    if (const char* grace = std::getenv("PROBE_GRACE_MS")) options.shutdown_grace = std::chrono::milliseconds(std::atoi(grace));
    if (std::getenv("PROBE_SHARED")) return lambda::run_concurrent(lambda::handler(probe), options);
    return lambda::run_concurrent(make_probe, options);
  }
  return lambda::run(make_probe);
}
