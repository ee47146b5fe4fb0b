#include "emulator_modes.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <lambda/base64.hpp>
#include <lambda/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "child_process.hpp"
#include "http_gateway.hpp"
#include "reports.hpp"
#include "runtime_api_server.hpp"
#include "symbolise.hpp"

extern char** environ;

namespace lambda::emulator {
namespace {

bool owned_by_the_platform(std::string_view entry) {
  std::string_view name = entry.substr(0, entry.find('='));
  return name.starts_with("AWS_LAMBDA_") || name.starts_with("LAMBDA_") || name == "_HANDLER" ||
         name == "_X_AMZN_TRACE_ID";
}

bool is_named(std::string_view entry, std::string_view name) {
  return entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=';
}

bool has(const std::vector<std::string>& env, std::string_view name) {
  return std::any_of(env.begin(), env.end(), [&](const std::string& entry) { return is_named(entry, name); });
}

std::string directory_of(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

// After SIGTERM, how long a runtime gets before SIGKILL: Lambda's shutdown phase with external
// extensions (2 s); with only an internal one the platform allows 500 ms, which the runtime's
// own grace keeps to.
constexpr auto stop_grace = std::chrono::seconds(2);

void signal_event(int fd) {
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(fd, &one, sizeof one);
}

std::vector<std::string> inherited_environment() {
  std::vector<std::string> out;
  for (char** entry = environ; *entry; ++entry) out.emplace_back(*entry);
  return out;
}

// Lambda's words for a runtime that exited: "exit status 1", "signal: segmentation fault".
std::string exit_error_message(const exit_status& status) {
  if (status.signal == 0) return "Runtime exited with error: exit status " + std::to_string(status.code);
  return "Runtime exited with error: " + status.describe();
}

constexpr std::string_view invoke_path = "/2015-03-31/functions/function/invocations";

using std::chrono::steady_clock;

event event_for(const event_line& line) {
  event e;
  e.payload = line.json;
  e.trace_id = new_trace_id();
  e.invocation_id = new_uuid();
  return e;
}

// How long the last answers get to reach their invokers before the emulator exits.
constexpr auto answer_grace = std::chrono::seconds(2);

// SIGINT and SIGTERM as readable events: blocked for the whole process (so construct this
// before any thread starts; threads inherit the mask) and read from a signalfd instead.
class termination_signals {
 public:
  termination_signals();
  int fd() const noexcept { return fd_.get(); }
  // Consumes the pending signal; true if there was one.
  bool take() noexcept;

 private:
  unique_fd fd_;
};

// What both modes share: a Runtime API server, the bootstrap started against it with the Lambda
// environment, and one place to wait for whatever happens next.
class emulator_session {
 public:
  // Starts the server and the bootstrap. Blocks SIGINT and SIGTERM for the process: construct it
  // before any other thread. Throws std::system_error when the bootstrap cannot be started.
  // wait() returns once `wake_every` invocations have finished, or when none is left queued or
  // running (besides the other reasons below).
  // `on_stream` (optional) sees streamed answers as they arrive, on the server's thread.
  emulator_session(const cli_options& options, std::size_t wake_every,
                   std::function<void(const stream_step&)> on_stream = {});
  ~emulator_session();

  runtime_api_server& server() noexcept { return *server_; }

  // Returns when invocations finished (see above), the bootstrap exited, SIGINT/SIGTERM
  // arrived, or `timeout` passed (a negative one never does).
  void wait(std::chrono::milliseconds timeout);
  std::vector<invocation> take_finished();
  bool interrupted() const noexcept { return interrupted_; }
  std::optional<exit_status> bootstrap_exit() const { return child_->status(); }
  // After the bootstrap exited: whether it took no invocation in its life (it died in init).
  bool bootstrap_took_nothing() const { return server_->stats().deliveries == deliveries_at_start_; }
  // Starts the bootstrap again, once it exited and the server was told (new_runtime). Throws
  // std::system_error when it cannot be started; the exited one stays.
  void restart_bootstrap() { start_bootstrap(); }

  // After the bootstrap exited on its own: how its unfinished invocations fail (its init error,
  // if it posted one, else Runtime.ExitError), and a sentence for the summary.
  struct bootstrap_failure {
    std::string error_type;
    std::string message;
    std::string summary;
  };
  bootstrap_failure describe_bootstrap_exit() const;
  // How the bootstrap ended, and whether it died (exited on its own, not at our signal nor at
  // a SIGINT/SIGTERM the emulator was sent too). Still running, it is stopped as Lambda stops
  // one: when an extension registered, SHUTDOWN to the extensions that asked for it and
  // SIGTERM, then SIGKILL if it outlives a grace period; when none did, SIGKILL at once.
  std::pair<exit_status, bool> end_bootstrap();
  std::string describe_end(const exit_status& bootstrap, bool died) const;
  // To stderr: counts, latencies, throughput, late answers, CPU time used, `ending`.
  void print_summary(const run_stats& stats, std::chrono::steady_clock::duration wall,
                     const exit_status& bootstrap, const std::string& ending);

 private:
  void start_bootstrap();

  termination_signals signals_;
  unique_fd wake_;
  std::mutex mutex_;
  std::vector<invocation> finished_;
  bool interrupted_ = false;
  std::unique_ptr<runtime_api_server> server_;
  child_options child_setup_;  // all but on_output, which is each bootstrap's own
  std::unique_ptr<crash_symboliser> symboliser_;  // the bootstrap's output goes through it
  std::unique_ptr<child_process> child_;
  std::uint64_t deliveries_at_start_ = 0;
  int stopped_with_ = 0;  // the signal end_bootstrap() sent first, if any
};

// A request id as the emulator's stderr lines show it: its first 8 characters.
std::string_view short_id(std::string_view request_id) { return request_id.substr(0, 8); }

double ms_between(time_point from, time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Batch mode's live view of streamed answers on stderr: a line per chunk as it arrives for the
// first chunks_shown chunks of a stream, then one a second, so a 100 MB stream stays readable.
// Its steps come on the server's thread.
class stream_printer {
 public:
  static constexpr std::size_t chunks_shown = 20;

  // Before the event is queued, so that its first chunk already has a line number.
  void expect(const std::string& request_id, std::size_t line) {
    std::lock_guard lock(mutex_);
    streams_[request_id] = {line};
  }
  void forget(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    streams_.erase(request_id);
  }
  void on_step(const stream_step& step);

 private:
  struct seen {
    std::size_t line = 0;
    time_point last_line{};
  };
  std::mutex mutex_;
  std::unordered_map<std::string, seen, string_hash, std::equal_to<>> streams_;
};

void stream_printer::on_step(const stream_step& step) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(step.request_id);
  if (it == streams_.end()) return;
  seen& s = it->second;
  double at = ms_between(step.delivered_at, step.at);
  std::string_view id = short_id(step.request_id);
  std::size_t first = step.chunks_so_far - step.chunks.size();
  for (std::size_t i = 0; i < step.chunks.size() && first + i < chunks_shown; ++i) {
    std::fprintf(stderr, "lambda-emulator: line %zu (%.*s): chunk %zu, %zu bytes at %.1f ms\n", s.line,
                 static_cast<int>(id.size()), id.data(), first + i + 1, step.chunks[i], at);
    s.last_line = step.at;
  }
  if (step.chunks_so_far <= chunks_shown || step.at - s.last_line < std::chrono::seconds(1)) return;
  s.last_line = step.at;
  std::fprintf(stderr, "lambda-emulator: line %zu (%.*s): %zu chunks, %llu bytes so far at %.1f ms\n",
               s.line, static_cast<int>(id.size()), id.data(), step.chunks_so_far,
               static_cast<unsigned long long>(step.bytes_so_far), at);
}

constexpr std::string_view http_integration_type = "application/vnd.awslambda.http-integration-response";
// The prelude of a Function URL stream ends at 8 NUL bytes.
constexpr std::string_view prelude_end("\0\0\0\0\0\0\0\0", 8);
// A prelude that has not ended by then is not one: the stream is passed on as it is.
constexpr std::size_t max_prelude_bytes = 64 * 1024;
constexpr std::string_view declared_error_trailers =
    "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n";

// What a Function URL's prelude says about the answer: its status and header lines.
struct prelude_answer {
  int status = 200;
  std::string header_lines;
};

// {"statusCode":200,"headers":{"content-type":"text/html"},"cookies":["a=b"]}: the status, one
// line per header, one Set-Cookie per cookie. Anything malformed is left out.
prelude_answer read_prelude(std::string_view prelude) {
  json::document doc(prelude);
  prelude_answer out;
  if (auto status = doc["statusCode"].get_int(); status && *status >= 100 && *status <= 999) {
    out.status = static_cast<int>(*status);
  }
  out.header_lines = http_header_lines(doc.root());
  return out;
}

// Serve mode's front door, on a loopback address: AWS's emulator's invoke endpoint,
// POST /2015-03-31/functions/function/invocations, or (--http) API Gateway HTTP API, where
// every request is one. Each request becomes an event for the Runtime API server; its HTTP
// answer waits until the invocation finishes. Unlike AWS's emulator, invocations that find no
// free runtime wait in line.
class invoke_endpoint : private http_handler {
 public:
  // Throws std::invalid_argument (not a loopback address) or std::system_error (cannot listen).
  invoke_endpoint(std::string_view address, bool http_api, runtime_api_server& server);
  ~invoke_endpoint() override;

  const std::string& address() const noexcept { return loop_->address(); }
  // Answers the invoker waiting for `done` (any thread).
  void finished(const invocation& done);
  // Passes a streamed answer's step on to its invoker as it arrives (the server's thread).
  void stream(const stream_step& step);
  // Whether every queued invoke has had its answer written, within `timeout`.
  bool wait_answered(std::chrono::milliseconds timeout);

 private:
  void on_request(std::uint64_t connection, const received_request& request) override;
  void on_closed(std::uint64_t) override {}
  std::optional<time_point> on_turn(time_point now) override;
  // Whether `request` is an invoke; when it is not, answers it with 404 or 405.
  bool is_invoke(std::uint64_t connection, const received_request& request);
  event event_for(const received_request& request) const;
  void answer(std::uint64_t connection, const invocation& done);
  // API Gateway's integration timeout: 503 to the requests still waiting for their answer's
  // head. Returns when the next one expires.
  std::optional<time_point> expire_requests(time_point now);

  // A streamed answer being forwarded to its invoker.
  struct forwarding {
    bool begun = false;   // the answer's head is written
    std::string prelude;  // Function URL streams: the prelude so far
  };
  struct stream_piece {
    std::string request_id;
    std::string content_type;
    std::string data;
  };
  void forward(const stream_piece& piece);
  void begin_forwarding(std::uint64_t connection, forwarding& f, const stream_piece& piece);
  void finish_forwarding(std::uint64_t connection, const invocation& done);

  const bool http_api_;
  std::uint16_t port_ = 0;  // the one listened on
  runtime_api_server& server_;
  // Only the queue of pieces: the server's thread must never wait for mutex_, which is held
  // while this endpoint calls the server.
  std::mutex pieces_mutex_;
  std::vector<stream_piece> pieces_;
  std::unordered_map<std::string, forwarding> forwarding_;  // by request id
  std::mutex mutex_;
  std::condition_variable answered_;
  std::unordered_map<std::string, std::uint64_t> waiting_;  // request id → invoker's connection
  std::deque<std::pair<time_point, std::string>> expiries_;  // HTTP API: when to give up, by request id
  std::vector<invocation> ready_;
  std::unique_ptr<http_loop> loop_;
};

}  // namespace

std::vector<std::string> lambda_environment(const cli_options& options, std::string_view runtime_api,
                                            const std::vector<std::string>& inherited) {
  std::vector<std::string> env;
  std::copy_if(inherited.begin(), inherited.end(), std::back_inserter(env),
               [](const std::string& entry) { return !owned_by_the_platform(entry); });
  auto set = [&](std::string_view name, std::string_view value) {
    env.push_back(std::string(name) + "=" + std::string(value));
  };
  const std::string& name = options.function_name;
  std::string format = options.log_format;
  if (format.empty()) format = options.managed_instances() ? "JSON" : "Text";
  set("AWS_LAMBDA_RUNTIME_API", runtime_api);
  set("AWS_LAMBDA_FUNCTION_NAME", name);
  set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
  set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(options.memory_mb));
  set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + name);
  set("AWS_LAMBDA_LOG_STREAM_NAME", "local/[$LATEST]emulator");
  set("AWS_LAMBDA_LOG_FORMAT", format);
  if (!options.log_level.empty()) set("AWS_LAMBDA_LOG_LEVEL", options.log_level);
  set("_HANDLER", options.handler.empty() ? name : options.handler);
  set("LAMBDA_TASK_ROOT", directory_of(options.bootstrap.front()));
  if (options.managed_instances()) {
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "lambda-managed-instances");
    set("AWS_LAMBDA_MAX_CONCURRENCY", std::to_string(options.concurrency));
  } else {
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  }
  if (!has(env, "AWS_REGION")) set("AWS_REGION", "us-east-1");
  for (const std::string& entry : options.env) {
    std::string_view entry_name = std::string_view(entry).substr(0, entry.find('='));
    std::erase_if(env, [&](const std::string& e) { return is_named(e, entry_name); });
    env.push_back(entry);
  }
  return env;
}

termination_signals::termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  fd_.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) throw std::system_error(errno, std::generic_category(), "signalfd");
}

bool termination_signals::take() noexcept {
  signalfd_siginfo info;
  return ::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info);
}

emulator_session::emulator_session(const cli_options& options, std::size_t wake_every,
                                   std::function<void(const stream_step&)> on_stream)
    : wake_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!wake_) throw std::system_error(errno, std::generic_category(), "eventfd");
  server_options server_setup;
  server_setup.timeout = options.timeout;
  // The emulator times invocations out as Managed Instances do in either mode: the invoker gets
  // "Task timed out", a late answer gets 410.
  server_setup.managed_instances = true;
  server_setup.keep_posts = false;
  server_setup.max_running = options.in_flight_limit();
  server_setup.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + options.function_name;
  server_setup.on_finished = [this, wake_every](const invocation& done, std::size_t unfinished) {
    std::lock_guard lock(mutex_);
    finished_.push_back(done);
    // Each wake-up costs two threads a context switch: batch them, but never leave the main
    // thread asleep once the server has nothing left to do.
    if (finished_.size() % wake_every == 0 || unfinished == 0) signal_event(wake_.get());
  };
  server_setup.on_stream = std::move(on_stream);
  server_ = std::make_unique<runtime_api_server>(std::move(server_setup));
  child_setup_.argv = options.bootstrap;
  child_setup_.env = lambda_environment(options, server_->address(), inherited_environment());
  child_setup_.output = child_output::relay;
  child_setup_.on_exit = [this](const exit_status&) { signal_event(wake_.get()); };
  start_bootstrap();
}

void emulator_session::start_bootstrap() {
  // Its output goes on to stderr, a crash record followed by its backtrace symbolised: by a
  // symboliser of its own, since a restarted bootstrap may be a rebuilt program.
  auto symboliser = std::make_unique<crash_symboliser>(child_setup_.argv.front(), inherited_environment());
  child_options setup = child_setup_;
  setup.on_output = [to = symboliser.get()](std::string_view piece) { to->write(piece); };
  deliveries_at_start_ = server_->stats().deliveries;
  auto child = std::make_unique<child_process>(std::move(setup));
  // The exited one's helper thread, which writes through the old symboliser, ends here.
  child_ = std::move(child);
  symboliser_ = std::move(symboliser);
}

emulator_session::~emulator_session() {
  // The child first: its exit callback writes to wake_, and the server's calls back into us.
  child_.reset();
  server_.reset();
}

void emulator_session::wait(std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {signals_.fd(), POLLIN, 0}};
  if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return;
  if (fds[0].revents) {
    std::uint64_t count;
    [[maybe_unused]] auto ignored = ::read(wake_.get(), &count, sizeof count);
  }
  if (fds[1].revents && signals_.take()) interrupted_ = true;
}

std::vector<invocation> emulator_session::take_finished() {
  std::lock_guard lock(mutex_);
  return std::exchange(finished_, {});
}

emulator_session::bootstrap_failure emulator_session::describe_bootstrap_exit() const {
  exit_status status = *child_->status();
  std::string summary = "bootstrap: " + status.describe();
  for (const post& p : server_->posts()) {
    if (p.kind != post_kind::init_error || p.status != 202) continue;
    auto message = json::find_string(p.body, "/errorMessage");
    std::string text = message ? *message : p.body;
    std::string type = p.error_type.empty() ? "Runtime.InitError" : p.error_type;
    return {type, text, summary + " after an init error: " + type + ": " + text};
  }
  return {"Runtime.ExitError", exit_error_message(status), summary};
}

std::pair<exit_status, bool> emulator_session::end_bootstrap() {
  if (auto exited = child_->status()) return {*exited, !interrupted_};
  const auto deadline = std::chrono::system_clock::now() + stop_grace;
  const auto deadline_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline.time_since_epoch()).count();
  if (server_->shut_down("spindown", deadline_ms) > 0) {
    stopped_with_ = SIGTERM;
    child_->signal(SIGTERM);
    if (auto status = child_->wait_exit(stop_grace)) return {*status, false};
  } else {
    stopped_with_ = SIGKILL;
  }
  child_->signal(SIGKILL);
  return {*child_->wait_exit(std::chrono::hours(1)), false};
}

std::string emulator_session::describe_end(const exit_status& bootstrap, bool died) const {
  if (died || stopped_with_ == 0) return "bootstrap: " + bootstrap.describe() + " before it was stopped";
  // As Lambda does: SIGTERM only when an extension registered (e.g. the runtime's internal one,
  // which shutdown hooks turn on); otherwise SIGKILL, and nothing in the function runs after it.
  if (stopped_with_ == SIGKILL) return "bootstrap: no extension registered: SIGKILL";
  if (bootstrap.signal == SIGKILL) {
    return "bootstrap: an extension registered: SIGTERM, and SIGKILL " +
           std::to_string(std::chrono::milliseconds(stop_grace).count()) + " ms later";
  }
  return "bootstrap: " + bootstrap.describe() + " after SIGTERM (an extension registered)";
}

void emulator_session::print_summary(const run_stats& stats, std::chrono::steady_clock::duration wall,
                                     const exit_status& bootstrap, const std::string& ending) {
  std::fprintf(stderr, "lambda-emulator: %s", stats.summary(wall).c_str());
  auto posts = server_->posts();
  auto late = std::count_if(posts.begin(), posts.end(), [](const post& p) { return p.status == 410; });
  if (late > 0) {
    std::fprintf(stderr, "lambda-emulator: %td answer%s came after the timeout and got 410 Gone\n", late,
                 late == 1 ? "" : "s");
  }
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  std::fprintf(stderr, "lambda-emulator: CPU time: emulator %.3f ms, bootstrap %.3f ms (start-up included)\n",
               ms(self.ru_utime) + ms(self.ru_stime), static_cast<double>(bootstrap.cpu_time.count()) / 1e3);
  std::fprintf(stderr, "lambda-emulator: %s\n", ending.c_str());
}

invoke_endpoint::invoke_endpoint(std::string_view address, bool http_api, runtime_api_server& server)
    : http_api_(http_api), server_(server) {
  http_handler& handler = *this;
  loop_ = std::make_unique<http_loop>(address, handler, mutex_);
  const std::string& bound = loop_->address();
  std::from_chars(bound.data() + bound.rfind(':') + 1, bound.data() + bound.size(), port_);
  loop_->start();
}

invoke_endpoint::~invoke_endpoint() { loop_->stop(); }

void invoke_endpoint::finished(const invocation& done) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(done);
  }
  loop_->wake();
}

bool invoke_endpoint::wait_answered(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return answered_.wait_for(lock, timeout, [&] { return waiting_.empty(); });
}

bool invoke_endpoint::is_invoke(std::uint64_t connection, const received_request& request) {
  std::string_view path = request.target.substr(0, request.target.find('?'));
  if (path != invoke_path) {
    loop_->answer(connection, 404, json_content_type,
                  R"({"errorMessage":"Invoke with POST )" + std::string(invoke_path) + R"(","errorType":"NotFound"})",
                  {});
    return false;
  }
  if (request.method != "POST") {
    loop_->answer(connection, 405, "Allow: POST\r\n" + std::string(json_content_type),
                  R"({"errorMessage":"Use POST","errorType":"MethodNotAllowed"})", {});
    return false;
  }
  return true;
}

event invoke_endpoint::event_for(const received_request& request) const {
  event e;
  std::string_view trace = request.header("X-Amzn-Trace-Id");
  e.trace_id = trace.empty() ? new_trace_id() : std::string(trace);
  e.invocation_id = new_uuid();
  if (!http_api_) {
    e.payload = request.body;
    return e;
  }
  gateway_context context;
  context.request_id = new_uuid();
  context.epoch_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  context.port = port_;
  context.trace_id = e.trace_id;
  e.payload = http_api_event(request, context);
  return e;
}

void invoke_endpoint::answer(std::uint64_t connection, const invocation& done) {
  if (!http_api_) {
    invoker_answer reply = invoker_answer_for(done);
    return loop_->answer(connection, 200, reply.headers, reply.body, {});
  }
  http_answer reply = http_api_answer(done);
  if (!reply.problem.empty()) {
    std::string_view id = short_id(done.request_id);
    std::fprintf(stderr, "lambda-emulator: %.*s: API Gateway answers 500: %s\n", static_cast<int>(id.size()),
                 id.data(), reply.problem.c_str());
  }
  loop_->answer(connection, reply.status, reply.header_lines, reply.body, {});
}

void invoke_endpoint::on_request(std::uint64_t connection, const received_request& request) {
  if (!http_api_ && !is_invoke(connection, request)) return;
  std::string id = server_.enqueue(event_for(request));
  if (http_api_) expiries_.emplace_back(std::chrono::steady_clock::now() + integration_timeout, id);
  waiting_.emplace(std::move(id), connection);
}

void invoke_endpoint::stream(const stream_step& step) {
  if (step.data.empty()) return;
  {
    std::lock_guard lock(pieces_mutex_);
    pieces_.push_back({std::string(step.request_id), std::string(step.content_type), std::string(step.data)});
  }
  loop_->wake();
}

void invoke_endpoint::begin_forwarding(std::uint64_t connection, forwarding& f, const stream_piece& piece) {
  // API Gateway passes on neither the request id nor the error trailers.
  std::string headers;
  if (!http_api_) headers = "X-Amzn-RequestId: " + piece.request_id + "\r\n" + std::string(declared_error_trailers);
  if (piece.content_type != http_integration_type) {
    f.begun = true;
    append_header_line(headers, "Content-Type", piece.content_type.empty() ? "application/json" : piece.content_type);
    loop_->begin_chunked_answer(connection, 200, headers);
    return loop_->send_chunk(connection, piece.data);
  }
  f.prelude += piece.data;
  auto end = f.prelude.find(prelude_end);
  if (end == std::string::npos && f.prelude.size() <= max_prelude_bytes) return;
  f.begun = true;
  if (end == std::string::npos) {
    loop_->begin_chunked_answer(connection, 200, headers);
    return loop_->send_chunk(connection, std::exchange(f.prelude, {}));
  }
  prelude_answer prelude = read_prelude(std::string_view(f.prelude).substr(0, end));
  loop_->begin_chunked_answer(connection, prelude.status, headers + prelude.header_lines);
  loop_->send_chunk(connection, std::string_view(f.prelude).substr(end + prelude_end.size()));
  f.prelude.clear();
}

void invoke_endpoint::forward(const stream_piece& piece) {
  auto waiting = waiting_.find(piece.request_id);
  if (waiting == waiting_.end()) return;
  forwarding& f = forwarding_[piece.request_id];
  if (f.begun) return loop_->send_chunk(waiting->second, piece.data);
  begin_forwarding(waiting->second, f, piece);
}

// The end of a stream already forwarded: the last chunk, with the error trailers if it failed.
// API Gateway cuts a failed stream short instead: the client sees a truncated answer.
void invoke_endpoint::finish_forwarding(std::uint64_t connection, const invocation& done) {
  outcome result = outcome_of(done);
  if (result.ok) return loop_->end_chunked_answer(connection);
  if (http_api_) return loop_->close(connection);
  std::string error;
  json::writer(error).begin_object().key("errorMessage").value(result.error_message)
      .key("errorType").value(result.error_type).key("stackTrace").begin_array().end_array().end_object();
  std::string trailers = "Lambda-Runtime-Function-Error-Type: " + result.error_type + "\r\n" +
                         "Lambda-Runtime-Function-Error-Body: " + base64::encode(error) + "\r\n";
  loop_->end_chunked_answer(connection, trailers);
}

std::optional<time_point> invoke_endpoint::on_turn(time_point now) {
  // Finished ones first, then pieces: every piece of an invocation finished by now is queued
  // already, so it is forwarded before the end.
  std::vector<invocation> finished = std::exchange(ready_, {});
  std::vector<stream_piece> pieces;
  {
    std::lock_guard lock(pieces_mutex_);
    pieces = std::exchange(pieces_, {});
  }
  for (const stream_piece& piece : pieces) forward(piece);
  for (const invocation& done : finished) {
    auto it = waiting_.find(done.request_id);
    if (it == waiting_.end()) continue;
    auto streamed = forwarding_.find(done.request_id);
    if (streamed != forwarding_.end() && streamed->second.begun) {
      finish_forwarding(it->second, done);
    } else {
      answer(it->second, done);
    }
    if (streamed != forwarding_.end()) forwarding_.erase(streamed);
    waiting_.erase(it);
  }
  auto next_expiry = expire_requests(now);
  answered_.notify_all();
  return next_expiry;
}

std::optional<time_point> invoke_endpoint::expire_requests(time_point now) {
  for (; !expiries_.empty(); expiries_.pop_front()) {
    auto& [expires, request_id] = expiries_.front();
    auto waiting = waiting_.find(request_id);
    if (waiting == waiting_.end()) continue;
    auto streamed = forwarding_.find(request_id);
    if (streamed != forwarding_.end() && streamed->second.begun) continue;
    if (expires > now) return expires;
    http_answer timeout = http_api_timeout_answer();
    loop_->answer(waiting->second, timeout.status, timeout.header_lines, timeout.body, {});
    if (streamed != forwarding_.end()) forwarding_.erase(streamed);
    waiting_.erase(waiting);
  }
  return std::nullopt;
}

namespace {

// Serve mode's stderr line for a stream that ended with error trailers.
void print_stream_error(const invocation& done) {
  if (!done.answer || !done.answer->streamed || done.state != invocation_state::failed) return;
  outcome result = outcome_of(done);
  std::string_view id = short_id(done.request_id);
  std::fprintf(stderr, "lambda-emulator: %.*s: the stream failed after %zu chunks, %llu bytes: %s: %s\n",
               static_cast<int>(id.size()), id.data(), done.answer->chunk_sizes.size(),
               static_cast<unsigned long long>(done.answer->body_bytes), result.error_type.c_str(),
               result.error_message.c_str());
}

// How long serve mode waits before starting a bootstrap again that died before taking any
// invocation `in_a_row` times running: none the first time, then doubling up to 5 s, so a
// function that cannot start is not restarted in a hot loop.
std::chrono::milliseconds restart_delay(int in_a_row) {
  if (in_a_row <= 1) return std::chrono::milliseconds(0);
  return std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100 << std::min(in_a_row - 2, 6)),
                                             std::chrono::seconds(5));
}

std::string seconds_text(std::chrono::milliseconds delay) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(delay.count()) / 1000);
  return text;
}

// Serve mode, once the bootstrap exited: says why, fails its invocations as Lambda does, and
// returns how long to wait before starting it again. Its in-flight invocations fail with
// Runtime.ExitError (or its init error); when it died before taking any, the queued ones fail
// too, as Lambda answers the invokes whose init failed, and `died_untried` counts one more.
std::chrono::milliseconds answer_bootstrap_exit(emulator_session& session, int& died_untried) {
  auto failure = session.describe_bootstrap_exit();
  bool untried = session.bootstrap_took_nothing();
  if (untried) session.server().fail_unfinished(failure.error_type, failure.message);
  session.server().new_runtime(failure.error_type, failure.message);
  died_untried = untried ? died_untried + 1 : 0;
  auto delay = restart_delay(died_untried);
  std::string when = delay.count() > 0 ? " in " + seconds_text(delay) : "";
  std::string why = died_untried > 1 ? " (" + std::to_string(died_untried) + " times in a row before taking an invocation)" : "";
  std::fprintf(stderr, "lambda-emulator: %s; starting it again%s%s\n", failure.summary.c_str(), when.c_str(), why.c_str());
  return delay;
}

// Starts the bootstrap again; returns when to try once more if it cannot be started (e.g. while
// it is being rebuilt), failing the invocations waiting for it as Lambda does for a missing one.
std::optional<steady_clock::time_point> restart(emulator_session& session, int& died_untried) {
  try {
    session.restart_bootstrap();
    return std::nullopt;
  } catch (const std::system_error& e) {
    session.server().fail_unfinished("Runtime.InvalidEntrypoint", e.what());
    auto delay = std::max<std::chrono::milliseconds>(restart_delay(++died_untried), std::chrono::milliseconds(100));
    std::fprintf(stderr, "lambda-emulator: %s; trying again in %s\n", e.what(), seconds_text(delay).c_str());
    return steady_clock::now() + delay;
  }
}

}  // namespace

int run_batch(const cli_options& options, const std::vector<event_line>& events) {
  // The server runs at most in_flight_limit() at once. Queueing further ahead than this thread
  // is woken (every `batch` answers) lets a runtime's next poll find its event at once.
  constexpr std::size_t batch = 32;
  const std::size_t ahead = static_cast<std::size_t>(options.in_flight_limit()) * 2 + 2 * batch;
  stream_printer streams;  // before the session: the server's thread calls it until the session ends
  emulator_session session(options, batch, [&streams](const stream_step& step) { streams.on_step(step); });
  const std::size_t total = events.size() * static_cast<std::size_t>(options.repeat);
  std::vector<std::optional<std::string>> lines(total);
  std::unordered_map<std::string, std::size_t> position;  // request id → index in the input
  std::size_t sent = 0, printed = 0, in_flight = 0;
  std::optional<std::string> stopped_because;
  run_stats stats;
  progress_line progress(total);
  auto started = steady_clock::now();

  while (printed < total) {
    for (; !stopped_because && in_flight < ahead && sent < total; ++sent, ++in_flight) {
      const event_line& line = events[sent % events.size()];
      event e = event_for(line);
      e.request_id = new_uuid();
      streams.expect(e.request_id, line.line);
      position.emplace(session.server().enqueue(std::move(e)), sent);
    }
    session.wait(progress.poll_interval());
    for (const invocation& done : session.take_finished()) {
      std::size_t at = position.at(done.request_id);
      lines[at] = report_line(done, events[at % events.size()].line);
      streams.forget(done.request_id);
      stats.add(done);
      --in_flight;
      session.server().forget(done.request_id);
    }
    if (!stopped_because && (session.interrupted() || session.bootstrap_exit())) {
      emulator_session::bootstrap_failure failure{"Emulator.Interrupted", "the emulator was interrupted",
                                                  "interrupted"};
      if (session.bootstrap_exit()) failure = session.describe_bootstrap_exit();
      session.server().fail_unfinished(failure.error_type, failure.message);
      stopped_because = failure.summary;
      for (; sent < total; ++sent) {
        lines[sent] = not_run_line(events[sent % events.size()].line, failure.error_type, failure.message);
        stats.add_not_run();
      }
    }
    for (; printed < total && lines[printed]; ++printed) {
      progress.clear();
      std::printf("%s\n", lines[printed]->c_str());
    }
    std::fflush(stdout);
    progress.update(printed, started);
  }
  auto wall = steady_clock::now() - started;
  progress.clear();
  auto [bootstrap, died] = session.end_bootstrap();
  if (session.interrupted()) stopped_because = "interrupted; " + session.describe_end(bootstrap, died);
  else if (!stopped_because) stopped_because = session.describe_end(bootstrap, died);
  session.print_summary(stats, wall, bootstrap, *stopped_because);
  return stats.all_succeeded() && !died ? 0 : 1;
}

int run_serve(const cli_options& options) {
  // Every answer is awaited by an invoker: wake for each. The endpoint comes after the server it
  // queues into, yet streamed steps must reach it: through this pointer, set once it exists.
  std::atomic<invoke_endpoint*> forward_to{nullptr};
  emulator_session session(options, 1, [&forward_to](const stream_step& step) {
    if (invoke_endpoint* endpoint = forward_to.load()) endpoint->stream(step);
  });
  invoke_endpoint endpoint(options.serve, options.http_api, session.server());
  forward_to.store(&endpoint);
  // Destroyed before the endpoint: no step reaches it after this. Steps come with the server's
  // lock held, so taking that lock once waits out one in progress.
  struct stop_forwarding {
    std::atomic<invoke_endpoint*>& to;
    runtime_api_server& server;
    ~stop_forwarding() {
      to.store(nullptr);
      server.stats();
    }
  } stop{forward_to, session.server()};
  if (options.http_api) {
    std::fprintf(stderr,
                 "lambda-emulator: API Gateway HTTP API (payload format 2.0): every method and path is an event "
                 "for the function, e.g. curl 'http://%s/hello?name=Ada'\n",
                 endpoint.address().c_str());
  } else {
    std::fprintf(stderr, "lambda-emulator: invoke with: curl -d '{}' http://%s/2015-03-31/functions/function/invocations\n",
                 endpoint.address().c_str());
  }
  std::fprintf(stderr, "lambda-emulator: Ctrl-C stops\n");
  run_stats stats;
  std::size_t count = 0;
  auto started = std::chrono::steady_clock::now();
  std::optional<steady_clock::time_point> restart_at;  // set while the bootstrap is down
  int deaths = 0;
  int died_untried = 0;  // deaths in a row before taking any invocation
  for (;;) {
    auto timeout = std::chrono::milliseconds(-1);
    if (restart_at) {
      timeout = std::max(std::chrono::ceil<std::chrono::milliseconds>(*restart_at - steady_clock::now()),
                         std::chrono::milliseconds(0));
    }
    session.wait(timeout);
    for (const invocation& done : session.take_finished()) {
      endpoint.finished(done);
      stats.add(done);
      print_stream_error(done);
      std::printf("%s\n", report_line(done, ++count).c_str());
      session.server().forget(done.request_id);
    }
    std::fflush(stdout);
    if (session.interrupted()) break;
    if (!restart_at && session.bootstrap_exit()) {
      ++deaths;
      restart_at = steady_clock::now() + answer_bootstrap_exit(session, died_untried);
    }
    if (restart_at && steady_clock::now() >= *restart_at) restart_at = restart(session, died_untried);
  }
  endpoint.wait_answered(answer_grace);
  auto wall = std::chrono::steady_clock::now() - started;
  auto [bootstrap, bootstrap_died] = session.end_bootstrap();
  std::string stopped_because = session.describe_end(bootstrap, bootstrap_died);
  if (deaths > 0) {
    stopped_because += "; " + std::to_string(deaths) + (deaths == 1 ? " exit" : " exits") + " while serving";
  }
  session.print_summary(stats, wall, bootstrap, stopped_because);
  return deaths > 0 || bootstrap_died ? 1 : 0;
}

}  // namespace lambda::emulator
