// The Lambda runtime: a handler type, what it is told, what it answers, and the entry points.
//
//   #include <lambda/runtime.hpp>
//
//   int main() {
//     return lambda::run([](std::string_view event, const lambda::context& ctx) {
//       if (event.empty()) return lambda::response::failure("EmptyEvent", "no event");
//       return lambda::response(std::string(event));  // application/json by default
//     });
//   }
//
// Work to do when the environment stops (this also makes Lambda send SIGTERM, not SIGKILL):
//
//   lambda::run_options options;
//   options.on_shutdown([] { lambda::log::info("flushing metrics"); });
//   return lambda::run(handler, options);
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#define LAMBDA_RIC_VERSION "0.1.0"

namespace lambda {

// What the platform says about one invocation. The views point into the RIC's receive buffer
// and stay valid, like the event's bytes, until the handler's answer is posted (long enough
// for response::borrowed); copy what must outlive it. Absent (or empty) headers are empty
// views.
struct context {
  std::string_view request_id;
  std::string_view invoked_function_arn;
  std::string_view trace_id;          // X-Ray header: Root=...;Parent=...;Sampled=...
  std::string_view client_context;    // JSON from mobile SDK callers
  std::string_view cognito_identity;  // JSON {"cognitoIdentityId", "cognitoIdentityPoolId"}
  std::string_view tenant_id;
  std::string_view invocation_id;
  std::string_view content_type;      // the event's content type
  std::int64_t deadline_ms = 0;       // Unix epoch milliseconds; 0 when the platform sent none
  unsigned ric = 1;                   // which RIC (1..N) runs this invocation

  // The function, as its environment describes it (read once at start-up; views valid for the
  // life of the process). Empty, or 0, when the variable is absent.
  std::string_view function_name;     // AWS_LAMBDA_FUNCTION_NAME
  std::string_view function_version;  // AWS_LAMBDA_FUNCTION_VERSION: "$LATEST" or a version number
  std::int64_t memory_limit_mb = 0;   // AWS_LAMBDA_FUNCTION_MEMORY_SIZE
  std::string_view log_group_name;    // AWS_LAMBDA_LOG_GROUP_NAME
  std::string_view log_stream_name;   // AWS_LAMBDA_LOG_STREAM_NAME

  // Time left until the deadline: zero once it has passed, milliseconds::max() without one.
  std::chrono::milliseconds remaining_time() const noexcept;
};

// The invocation running on the calling thread, or nullptr outside a handler. Loggers and
// libraries use it to tag their output without threading the context through every call.
const context* this_invocation() noexcept;

// A handler's answer: a payload with its content type, or a failure.
class response {
 public:
  // A success with content type application/json.
  response(std::string payload) : payload_(std::move(payload)) {}
  response(const char* payload) : payload_(payload) {}
  response(std::string payload, std::string content_type)
      : payload_(std::move(payload)), content_type_(std::move(content_type)) {}

  // A success that views `payload` and `content_type` (empty: application/json) instead of
  // copying them, e.g. to answer with the event's own bytes:
  //
  //   return lambda::response::borrowed(event, ctx.content_type);
  //
  // The bytes must stay valid and unchanged until the runtime has posted the answer, which is
  // after the handler returns. The event's and the context's bytes are (the runtime posts the
  // answer before it lets them go), and so are static bytes; a local string's are not, nor a
  // buffer that another invocation may change meanwhile.
  static response borrowed(std::string_view payload, std::string_view content_type = {}) noexcept {
    response r(std::string{});
    r.borrowed_ = true;
    r.borrowed_payload_ = payload;
    r.borrowed_type_ = content_type;
    return r;
  }

  // A failed invocation, posted as {"errorMessage", "errorType", "stackTrace": []}.
  // error_type names the kind of failure, e.g. "ValidationError"; it must not be empty.
  static response failure(std::string error_type, std::string error_message) {
    response r(std::move(error_message));
    r.error_type_ = error_type.empty() ? std::string("Error") : std::move(error_type);
    return r;
  }

  bool is_failure() const noexcept { return !error_type_.empty(); }
  // The payload of a success, or the error message of a failure.
  std::string_view payload() const noexcept { return borrowed_ ? borrowed_payload_ : std::string_view(payload_); }
  std::string_view content_type() const noexcept {
    const std::string_view type = borrowed_ ? borrowed_type_ : std::string_view(content_type_);
    return type.empty() ? std::string_view("application/json") : type;
  }
  const std::string& error_type() const noexcept { return error_type_; }

 private:
  std::string payload_;
  std::string content_type_;  // empty means application/json (which would not fit SSO)
  std::string error_type_;    // non-empty for failures
  // A borrowed success's payload and content type, in place of payload_ and content_type_.
  bool borrowed_ = false;
  std::string_view borrowed_payload_, borrowed_type_;
};

namespace detail {

// A move-only callable R(Args...): what handler and streaming_handler share. Unlike
// std::function it may own move-only state, such as a std::unique_ptr to a database client.
template <class R, class... Args>
class unique_function {
 public:
  unique_function() noexcept = default;

  template <class F, std::enable_if_t<!std::is_base_of_v<unique_function, std::decay_t<F>> &&
                                          std::is_invocable_r_v<R, std::decay_t<F>&, Args...>,
                                      int> = 0>
  unique_function(F&& f) {
    // An empty std::function or a null function pointer makes an empty one, as it would in
    // std::function.
    if (is_empty<std::decay_t<F>>(f)) return;
    callable_ = std::make_unique<model<std::decay_t<F>>>(std::forward<F>(f));
  }

  R operator()(Args... args) const { return callable_->call(std::forward<Args>(args)...); }
  explicit operator bool() const noexcept { return callable_ != nullptr; }

 private:
  template <class T>
  struct may_be_empty : std::is_pointer<T> {};
  template <class Signature>
  struct may_be_empty<std::function<Signature>> : std::true_type {};

  template <class D>
  static bool is_empty(const D& f) noexcept {
    if constexpr (may_be_empty<D>::value) return !f;
    return false;
  }

  struct callable {
    virtual ~callable() = default;
    virtual R call(Args... args) = 0;
  };
  template <class F>
  struct model final : callable {
    template <class G>
    explicit model(G&& g) : f(std::forward<G>(g)) {}
    R call(Args... args) override { return f(std::forward<Args>(args)...); }
    F f;
  };
  std::unique_ptr<callable> callable_;
};

class answer_stream;

}  // namespace detail

// A handler: any callable taking the event's bytes and its context and returning a response
// (or something that converts to one, such as std::string). It may own move-only state. A
// handler that throws fails its invocation with the exception's message and type; the runtime
// goes on.
class handler : public detail::unique_function<response, std::string_view, const context&> {
 public:
  using unique_function::unique_function;
};

// Thrown by response_stream's writes once the stream is broken (the connection to the Runtime
// API was lost, or the platform refused the answer): the rest can no longer reach the caller,
// so the handler should stop producing it. The runtime logs why; the next invocation is not
// affected.
class stream_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A streamed answer (Lambda response streaming: up to 200 MB, the caller gets each write as it
// is made). The answer starts with the first byte written, or with flush(): until then the
// content type may be set, and a failure (an exception) is posted as an ordinary error. After
// it, a failure ends the stream with the error in its trailers. Returning from the handler
// ends the stream.
class response_stream {
 public:
  // The caller's content type; application/octet-stream unless set. Before the answer starts
  // only: afterwards it throws std::logic_error. Throws std::invalid_argument for a type holding
  // control characters (CR, LF, ...).
  void set_content_type(std::string_view type);
  // Sends `bytes` as one chunk before returning, without copying them (writev). An empty write
  // sends nothing. Throws stream_error once the stream is broken.
  void write(std::string_view bytes);
  // Sends the pieces as one chunk, in one system call: e.g. a header and the payload after it.
  void write(std::initializer_list<std::string_view> pieces);
  // Writes are never held back, so there is nothing to flush once the answer has started;
  // before, flush() starts it without a byte, so the caller gets its head (and content type)
  // now. Throws stream_error once the stream is broken.
  void flush();

  bool started() const noexcept;
  std::uint64_t bytes_written() const noexcept;  // body bytes sent so far

 private:
  friend class detail::answer_stream;
  explicit response_stream(detail::answer_stream& stream) noexcept : stream_(&stream) {}
  detail::answer_stream* stream_;
};

// A streaming handler: any callable taking the event's bytes, its context and the
// response_stream it writes its answer to. It returns nothing; an exception fails the
// invocation (before the first byte as an ordinary error, after it in the stream's trailers).
class streaming_handler
    : public detail::unique_function<void, std::string_view, const context&, response_stream&> {
 public:
  using unique_function::unique_function;
};

// Builds the handler for RIC `ric` (1..N). It runs the user's initialisation under the
// runtime's care: if it throws, the failure is posted to /runtime/init/error and the process
// exits 1.
using handler_factory = std::function<handler(unsigned ric)>;
using streaming_handler_factory = std::function<streaming_handler(unsigned ric)>;

// Where run_concurrent's RICs live.
enum class isolation {
  // N threads in this process (the default): the lightest. A crash ends the process, and with
  // it every invocation in flight.
  threads,
  // Worker processes under a supervisor: a crash ends only its worker. The supervisor answers
  // that worker's invocations in flight with an error and starts a new worker.
  process,
};

// A shutdown hook: called once, on the main thread, when the runtime stops (SIGTERM or SIGINT,
// or a fatal error), after every invocation in flight was answered. Flush metrics, close
// sessions, finish telemetry here.
using shutdown_hook = std::function<void()>;

// Lambda sends a runtime SIGTERM at shutdown only when an extension is registered; otherwise
// it sends SIGKILL and nothing runs. The runtime can register an internal extension (with no
// events, at init, costing nothing per invocation) so that the platform sends SIGTERM and
// allows the shutdown phase 500 ms.
enum class graceful_shutdown_mode {
  when_hooks,  // the default: registered when a shutdown hook was added, else not
  enabled,     // registered; if the platform refuses, that is logged and the function runs on
  required,    // registered; if the platform refuses, init fails (posted, exit status 1)
};

struct run_options {
  // After SIGTERM or SIGINT (or a fatal error), how long invocations already received get to
  // finish and post their answers, and then the shutdown hooks get to run, before the process
  // exits. milliseconds::max() waits for them.
  std::chrono::milliseconds shutdown_grace{500};
  // run_concurrent only. LAMBDA_RIC_ISOLATION=threads|process in the environment wins over it,
  // so an operator can switch without a rebuild.
  lambda::isolation isolation = lambda::isolation::threads;
  // With isolation::process: how many worker processes share the N RICs (each gets N / P, the
  // first ones one more); 0 means one per RIC. LAMBDA_RIC_WORKERS wins over it.
  unsigned workers = 0;
  graceful_shutdown_mode graceful_shutdown = graceful_shutdown_mode::when_hooks;
  // Run in this order; one that throws is logged and the next still runs. Empty ones are skipped.
  std::vector<shutdown_hook> shutdown_hooks{};

  // Adds a hook (see shutdown_hook); with the default mode this registers the internal
  // extension. Throws std::invalid_argument for an empty hook.
  run_options& on_shutdown(shutdown_hook hook) {
    if (!hook) throw std::invalid_argument("lambda::run_options::on_shutdown: empty hook");
    shutdown_hooks.push_back(std::move(hook));
    return *this;
  }
};
using concurrent_options = run_options;

// Classic Lambda: one invocation at a time, on the calling thread, for ever. Starts no thread;
// the handler need not be thread-safe. SIGTERM/SIGINT stop it gracefully: no new poll, the
// invocation in hand is answered within the grace, exit status 0. Returns the process exit
// status (1 after a fatal error).
int run(handler h, const run_options& options = {});
int run(handler_factory make_handler, const run_options& options = {});
// The same with a streaming handler: every answer is streamed.
int run(streaming_handler h, const run_options& options = {});
int run(streaming_handler_factory make_handler, const run_options& options = {});

// Lambda Managed Instances: N = AWS_LAMBDA_MAX_CONCURRENCY RICs (see README for the bounds),
// each a thread with its own connection. With N = 1 it runs inline on the calling thread.
// SIGTERM/SIGINT stop it as they stop run().
//
// The shared form calls ONE handler from N threads at once: it must be thread-safe.
int run_concurrent(handler shared, const run_options& options = {});
// The factory form builds one handler per RIC; each is only ever called from its own RIC's
// thread, so state it owns (move-only state too) needs no locks.
int run_concurrent(handler_factory make_handler, const run_options& options = {});
// The same with streaming handlers; with N RICs, N answers may stream at once.
int run_concurrent(streaming_handler shared, const run_options& options = {});
int run_concurrent(streaming_handler_factory make_handler, const run_options& options = {});

}  // namespace lambda
