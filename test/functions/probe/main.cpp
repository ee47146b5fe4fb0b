// A function for the integration tests: each event says what to do, the answer says what the
// function saw ({"context":true}: its context; {"getenv":[names]}: those variables).
// PROBE_MODE=concurrent runs it with run_concurrent (factory form, or the shared
// form with PROBE_SHARED); PROBE_INIT=throw makes initialization fail; PROBE_GRACE_MS sets the
// shutdown grace ("max": unbounded); PROBE_EARLY_THREAD=main or =factory starts a thread before
// the runtime's own, as an SDK or a metrics exporter does; PROBE_USER_SIGNALS=ignore_sigint or
// =handle_sigterm sets signals up as some users' programs do.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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

// Recursion the compiler cannot turn into a loop: each frame's array is used after the call.
[[gnu::noinline]] int overflow(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth < 0) return 0;  // never: the stack runs out first
  return overflow(depth + 1) + frame[0];
}

// {"crash": how}: a null dereference, abort(), a stack overflow, a division by zero, or a null
// dereference on a thread of the function's own (one that runs no RIC). UBSan is off here so
// that sanitizer builds crash as ordinary ones do.
__attribute__((no_sanitize("undefined"))) void crash(const std::string& how) {
  if (how == "null") {
    volatile int* volatile nowhere = nullptr;  // both volatile: the compiler can neither know the pointer nor drop the store
    *nowhere = 1;
  } else if (how == "abort") {
    std::abort();
  } else if (how == "overflow") {
    overflow(0);
  } else if (how == "divide") {
    volatile int zero = 0;
    volatile int seven = 7;  // both unknown to the compiler: a real division instruction
    volatile int quotient = seven / zero;
    (void)quotient;
  } else if (how == "thread") {
    std::thread([]() __attribute__((no_sanitize("undefined"))) {
      volatile int* volatile nowhere = nullptr;  // both volatile: the compiler can neither know the pointer nor drop the store
      *nowhere = 1;
    }).join();
  }
}

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
  w.key("function_name").value(ctx.function_name);
  w.key("function_version").value(ctx.function_version);
  w.key("memory_limit_mb").value(ctx.memory_limit_mb);
  w.key("log_group_name").value(ctx.log_group_name);
  w.key("log_stream_name").value(ctx.log_stream_name);
  const char* trace_env = std::getenv("_X_AMZN_TRACE_ID");
  if (trace_env) w.key("trace_env").value(trace_env);
  else w.key("trace_env").null();
  w.key("this_invocation_matches").value(lambda::this_invocation() == &ctx);
  w.end_object();
  return out;
}

// {"getenv": ["NAME", ...]}: {"NAME": its value, or null when unset, ...}.
std::string environment_values(std::string_view event) {
  std::string out;
  lambda::json::writer w(out);
  w.begin_object();
  for (std::size_t i = 0;; ++i) {
    auto name = lambda::json::find_string(event, "/getenv/" + std::to_string(i));
    if (!name) break;
    w.key(*name);
    if (const char* value = std::getenv(name->c_str())) w.value(value);
    else w.null();
  }
  w.end_object();
  return out;
}

// Starts a thread that lives as long as the process, as SDK clients do.
void start_background_thread() {
  std::thread([] {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }).detach();
}

// Runs `argv` as a child started with posix_spawn, without a shell (dash would clear an
// inherited signal mask and hide what the child was handed); returns its exit status and output.
std::pair<int, std::string> spawn(std::vector<const char*> argv) {
  int out[2];
  if (pipe(out) != 0) return {-1, "pipe failed"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int failed = posix_spawnp(&pid, argv[0], &actions, nullptr, const_cast<char* const*>(argv.data()), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  std::string text;
  char chunk[256];
  for (ssize_t n; (n = read(out[0], chunk, sizeof chunk)) > 0;) text.append(chunk, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  if (failed != 0 || waitpid(pid, &status, 0) != pid) return {-1, "spawn failed"};
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

// An ffmpeg-style child stopped with SIGTERM by timeout(1): the answer says how long it took.
std::string run_child_under_timeout() {
  const auto start = std::chrono::steady_clock::now();
  const int status = spawn({"timeout", "-s", "TERM", "0.2", "sleep", "20"}).first;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  return "{\"exit\":" + std::to_string(status) + ",\"ms\":" + std::to_string(ms.count()) + "}";
}

lambda::response probe(std::string_view event, const lambda::context& ctx) {
  using namespace lambda::json;
  // {"announce": text}: logged first, so a test knows the handler is running.
  if (auto text = find_string(event, "/announce")) lambda::log::info("{}", *text);
  if (find_bool(event, "/child_signals").value_or(false)) {
    std::string out;
    writer(out).begin_object().key("child").value(spawn({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}).second).end_object();
    return lambda::response(std::move(out));
  }
  if (find_bool(event, "/child_timeout").value_or(false)) return lambda::response(run_child_under_timeout());
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
    // poll first: under ThreadSanitizer a signal landing during read(2) waits for read to return.
    pollfd readable{fd, POLLIN, 0};
    while (fd >= 0 && poll(&readable, 1, -1) < 0 && errno == EINTR) {}
    bool got = fd >= 0 && read(fd, &byte, 1) == 1;
    if (fd >= 0) close(fd);
    if (!got) return lambda::response::failure("FifoError", "could not read " + *fifo);
  }
  if (auto how = find_string(event, "/crash")) crash(*how);
  if (auto code = find_int(event, "/exit")) std::_Exit(static_cast<int>(*code));
  if (find_bool(event, "/pid").value_or(false)) return lambda::response("{\"pid\":" + std::to_string(getpid()) + "}");
  if (auto what = find_string(event, "/throw")) {
    if (*what == "runtime_error") throw std::runtime_error("it broke");
    if (*what == "custom") throw database_unreachable("no route to the database");
    if (*what == "int") throw 42;
  }
  if (auto type = find_string(event, "/failure/type")) {
    return lambda::response::failure(*type, find_string(event, "/failure/message").value_or(""));
  }
  if (find_bool(event, "/context").value_or(false)) return lambda::response(describe(ctx));
  if (find(event, "/getenv")) return lambda::response(environment_values(event));
  if (auto body = find_string(event, "/body")) {
    return lambda::response(*body, find_string(event, "/content_type").value_or("text/plain"));
  }
  if (auto text = find_string(event, "/log")) {
    lambda::log::info("{}", *text);
  }
  return lambda::response(std::string(event));
}

bool env_is(const char* name, std::string_view value) {
  const char* set = std::getenv(name);
  return set && value == set;
}

// The factory form's point: each RIC's handler owns its state, move-only state included.
struct ric_state {
  std::int64_t invocations = 0;
};

lambda::handler make_probe(unsigned) {
  if (env_is("PROBE_INIT", "throw")) throw database_unreachable("cannot reach the database");
  if (env_is("PROBE_INIT", "crash")) crash("null");
  if (env_is("PROBE_INIT", "empty")) return {};
  if (env_is("PROBE_EARLY_THREAD", "factory")) start_background_thread();
  return [state = std::make_unique<ric_state>()](std::string_view event, const lambda::context& ctx) {
    ++state->invocations;
    return probe(event, ctx);
  };
}

}  // namespace

// What users' programs do with signals before they call the runtime.
extern "C" void users_sigterm_handler(int) {
  const char line[] = "the user's SIGTERM handler ran\n";
  [[maybe_unused]] auto written = write(1, line, sizeof line - 1);
}

void set_up_signals_as_the_user_does() {
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  if (env_is("PROBE_USER_SIGNALS", "ignore_sigint")) {
    // SIG_IGN with SA_SIGINFO set: the handler field is still SIG_IGN.
    action.sa_handler = SIG_IGN;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGINT, &action, nullptr);
  } else if (env_is("PROBE_USER_SIGNALS", "handle_sigterm")) {
    action.sa_handler = users_sigterm_handler;
    sigaction(SIGTERM, &action, nullptr);
  }
}

int main() {
  set_up_signals_as_the_user_does();
  if (env_is("PROBE_EARLY_THREAD", "main")) start_background_thread();
  lambda::run_options options;
  if (env_is("PROBE_GRACE_MS", "max")) {
    options.shutdown_grace = std::chrono::milliseconds::max();
  } else if (const char* grace = std::getenv("PROBE_GRACE_MS")) {
    options.shutdown_grace = std::chrono::milliseconds(std::atoi(grace));
  }
  if (env_is("PROBE_MODE", "concurrent")) {
    if (std::getenv("PROBE_SHARED")) return lambda::run_concurrent(probe, options);
    return lambda::run_concurrent(make_probe, options);
  }
  return lambda::run(make_probe, options);
}
