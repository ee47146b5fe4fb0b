#include "runtime/process.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <lambda/log.hpp>

#include "log/signal_safe.hpp"

namespace lambda::detail {

namespace {

function_settings the_function;

// Blocks up to this size come from the heap and go back to it when freed (glibc's ceiling is 32
// MiB); the heap's top is returned to the kernel only beyond trim_threshold of free space.
constexpr int mmap_threshold = 32 << 20;
constexpr int trim_threshold = 64 << 20;

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

const function_settings& function_environment() noexcept { return the_function; }

http::connection_options ric_connection_options(unsigned rics) {
  http::connection_options options;
  options.kept_buffer = std::max<std::size_t>(min_kept_buffer, warm_buffer_budget / std::max(rics, 1u));
  return options;
}

namespace {

// glibc returns a freed block of 128 KiB or more to the kernel (munmap, or a trim of the heap's
// top), so a handler's 1 MB answer freed at the end of one invocation is faulted in again, page
// by page, by the next: about 480 faults a megabyte. Fixed thresholds keep such memory in the
// heap for reuse. The program's own malloc settings (GLIBC_TUNABLES) win.
void keep_freed_memory_warm() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

}  // namespace

bool start_up(http::endpoint& endpoint) {
  log::configure_from_environment();
  keep_freed_memory_warm();
  the_function.name = environment("AWS_LAMBDA_FUNCTION_NAME");
  the_function.version = environment("AWS_LAMBDA_FUNCTION_VERSION");
  the_function.log_group = environment("AWS_LAMBDA_LOG_GROUP_NAME");
  the_function.log_stream = environment("AWS_LAMBDA_LOG_STREAM_NAME");
  const std::string memory = environment("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
  std::int64_t megabytes = 0;
  auto [end, ec] = std::from_chars(memory.data(), memory.data() + memory.size(), megabytes);
  the_function.memory_mb = ec == std::errc() && end == memory.data() + memory.size() && megabytes > 0 ? megabytes : 0;
  const char* address = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (address == nullptr || *address == '\0') {
    log::fatal("AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda bootstrap and must run "
               "under the Lambda Runtime API (or lambda-emulator)");
    return false;
  }
  std::string error;
  if (!http::parse_endpoint(address, endpoint, error)) {
    log::fatal("AWS_LAMBDA_RUNTIME_API is malformed: {}", error);
    return false;
  }
  return true;
}

concurrency_setting parse_max_concurrency(const char* value) {
  if (value == nullptr || *value == '\0') return {};
  const std::string_view text(value);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string quoted = "AWS_LAMBDA_MAX_CONCURRENCY=\"" + std::string(text) + "\"";
  if (end != text.data() + text.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return {1, quoted + " is not a number; running 1 RIC"};
  }
  if (ec == std::errc() && n < 1) return {1, quoted + " is below 1; running 1 RIC"};
  if (ec == std::errc::result_out_of_range || n > max_rics) {
    return {max_rics, quoted + " is above the platform's maximum; running " + std::to_string(max_rics) + " RICs"};
  }
  return {static_cast<unsigned>(n), {}};
}

namespace {

// Descriptors and threads beyond the RICs' own: stdio, the grace timer, the user's files.
constexpr unsigned resource_headroom = 64;

bool make_room(int resource, const char* name, const char* what, rlim_t needed, unsigned rics,
               std::string& error) {
  rlimit limit{};
  if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) {
    return true;
  }
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    error = std::to_string(rics) + " RICs (AWS_LAMBDA_MAX_CONCURRENCY) need " + std::to_string(needed) +
            " " + what + " but " + name + " allows at most " + std::to_string(limit.rlim_max) +
            "; lower AWS_LAMBDA_MAX_CONCURRENCY or raise the limit";
    return false;
  }
  rlimit raised{needed, limit.rlim_max};
  if (setrlimit(resource, &raised) != 0) {
    error = std::to_string(rics) + " RICs need " + std::to_string(needed) + " " + what + " but " + name +
            " is " + std::to_string(limit.rlim_cur) + " and could not be raised";
    return false;
  }
  return true;
}

}  // namespace

bool make_room_for_rics(unsigned rics, std::string& error) {
  const rlim_t needed = rlim_t{rics} + resource_headroom;
  return make_room(RLIMIT_NOFILE, "RLIMIT_NOFILE", "file descriptors", needed, rics, error) &&
         make_room(RLIMIT_NPROC, "RLIMIT_NPROC", "threads", needed, rics, error);
}

namespace {

constexpr int stop_signals[] = {SIGTERM, SIGINT};

// Everything the signal handler reads: atomics and plain data, constant-initialised, never
// destroyed, so a signal at any moment finds it valid.
struct stop_state {
  std::atomic<runtime_api* const*> rics{nullptr};
  std::atomic<std::size_t> count{0};
  std::atomic<int> in_handler{0};    // signal handlers running, and interrupts from fatal errors
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> grace_ends_ns{0};  // CLOCK_MONOTONIC, once a stop began (0: never)
  std::atomic<bool> fatal{false};
  std::atomic<std::size_t> hook_running{0};  // see note_shutdown_hooks
  std::atomic<std::size_t> hook_count{0};
  pid_t owner = 0;                   // the process that installed the handler
  std::int64_t grace_ms = 0;
  bool has_timer = false;
  timer_t timer{};
  bool installed[2] = {};
  struct sigaction previous[2] = {};
};

stop_state state;

std::size_t index_of(int signal) { return signal == SIGTERM ? 0 : 1; }

// A message built on the stack, for the signal-safe log records.
class message {
 public:
  message& operator<<(std::string_view text) noexcept {
    for (char c : text) if (size_ < sizeof text_) text_[size_++] = c;
    return *this;
  }
  message& operator<<(std::int64_t n) noexcept {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    return *this << std::string_view(digits, ec == std::errc() ? static_cast<std::size_t>(end - digits) : 0);
  }
  operator std::string_view() const noexcept { return {text_, size_}; }

 private:
  char text_[256];
  std::size_t size_ = 0;
};

// Counts a signal handler or an interrupt from ordinary code in, so that ~process_stop can wait
// until none still reads the state it is about to take down.
class state_user {
 public:
  state_user() noexcept { state.in_handler.fetch_add(1); }
  ~state_user() { state.in_handler.fetch_sub(1); }
  state_user(const state_user&) = delete;
  state_user& operator=(const state_user&) = delete;
};

void interrupt_rics() noexcept {
  if (runtime_api* const* rics = state.rics.load()) {
    const std::size_t count = state.count.load();
    for (std::size_t i = 0; i < count; ++i) rics[i]->interrupt();
  }
}

std::int64_t monotonic_ns() noexcept {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

void arm_grace() noexcept {
  if (!state.has_timer) return;
  // A century is "for ever" here, and keeps the nanoseconds below from overflowing.
  constexpr std::int64_t longest_ms = 100LL * 365 * 24 * 3600 * 1000;
  const std::int64_t ms = std::clamp<std::int64_t>(state.grace_ms, 0, longest_ms);
  state.grace_ends_ns.store(monotonic_ns() + ms * 1'000'000);
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
  spec.it_value.tv_nsec = static_cast<long>(ms % 1000) * 1'000'000 + 1;  // never 0, which disarms
  timer_settime(state.timer, 0, &spec, nullptr);
}

// Async-signal-safe: called from the signal handler as well as from a RIC's fatal error.
void begin_stop() noexcept {
  state_user counted;
  if (state.stopping.exchange(true)) return;
  arm_grace();
  interrupt_rics();
}

// The timer's SIGTERM can merge with one from outside still pending (standard signals do not
// queue), so every later stop signal also checks whether the grace has run out.
bool grace_over() noexcept {
  const std::int64_t ends = state.grace_ends_ns.load();
  return ends != 0 && monotonic_ns() >= ends;
}

void end_grace() noexcept {
  const auto hooks = static_cast<std::int64_t>(state.hook_count.load());
  const auto running = static_cast<std::int64_t>(state.hook_running.load());
  message text;
  if (running > 0) {
    text << "shutdown hook " << running << " of " << hooks << " still running when the " << state.grace_ms
         << " ms grace ended; exiting";
  } else {
    text << "in-flight invocations did not finish within the " << state.grace_ms << " ms grace; exiting";
    if (hooks > 0) text << " without running the " << hooks << " shutdown hook(s)";
  }
  log::detail::write_signal_safe(log::level::warn, text);
  _exit(state.fatal.load() ? 1 : 0);
}

// sa_handler and sa_sigaction share storage: SIG_DFL and SIG_IGN are what they are whatever
// the flags say.
bool is_function(const struct sigaction& action) {
  return action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN;
}

void call_previous(int signal, siginfo_t* info, void* context) {
  const struct sigaction& previous = state.previous[index_of(signal)];
  if (!is_function(previous)) return;
  if (previous.sa_flags & SA_SIGINFO) {
    previous.sa_sigaction(signal, info, context);
  } else {
    previous.sa_handler(signal);
  }
}

void on_stop_signal(int signal, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  state_user counted;
  if (getpid() != state.owner) {
    // A child a handler forked without exec: not the runtime. The signal does what it did before.
    sigaction(signal, &state.previous[index_of(signal)], nullptr);
    raise(signal);
  } else if ((info && info->si_code == SI_TIMER && info->si_value.sival_ptr == &state) || grace_over()) {
    end_grace();
  } else {
    if (!state.stopping.load()) {
      log::detail::write_signal_safe(log::level::info,
                                     message() << (signal == SIGINT ? "SIGINT" : "SIGTERM")
                                               << " received: stopping the polls; in-flight invocations have "
                                               << state.grace_ms << " ms to finish"
                                               << (state.hook_count.load() > 0 ? ", then the shutdown hooks" : ""));
    }
    begin_stop();
    call_previous(signal, info, context);
  }
  errno = saved_errno;
}

bool is_ignored(int signal) {
  struct sigaction current{};
  return sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

}  // namespace

process_stop::process_stop(std::span<runtime_api* const> rics, std::chrono::milliseconds grace) {
  state.owner = getpid();
  state.grace_ms = grace.count();
  state.stopping.store(false);
  state.fatal.store(false);
  state.count.store(rics.size());
  state.rics.store(rics.data());

  // A signal the user ignores stays ignored. The timer ends the grace by raising SIGTERM again,
  // so a process that ignores SIGTERM has a stop only through fatal errors, unbounded.
  const bool unbounded = grace == std::chrono::milliseconds::max();
  if (!unbounded && !is_ignored(SIGTERM)) {
    sigevent event{};
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGTERM;
    event.sigev_value.sival_ptr = &state;
    state.has_timer = timer_create(CLOCK_MONOTONIC, &event, &state.timer) == 0;
    if (!state.has_timer) {
      log::warn("the shutdown grace cannot be enforced: timer_create failed: {}", std::strerror(errno));
    }
  }
  for (int signal : stop_signals) {
    const std::size_t i = index_of(signal);
    if (is_ignored(signal)) continue;
    struct sigaction action{};
    action.sa_sigaction = on_stop_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    state.installed[i] = sigaction(signal, &action, &state.previous[i]) == 0;
  }
}

process_stop::~process_stop() {
  // First no new handler, then none still running (a handler never blocks, so the wait is
  // short), and only then the list and the timer they use are taken down.
  for (int signal : stop_signals) {
    const std::size_t i = index_of(signal);
    if (state.installed[i]) sigaction(signal, &state.previous[i], nullptr);
    state.installed[i] = false;
  }
  state.rics.store(nullptr);
  while (state.in_handler.load() != 0) sched_yield();
  state.count.store(0);
  state.grace_ends_ns.store(0);
  state.hook_running.store(0);
  state.hook_count.store(0);
  if (state.has_timer) {
    timer_delete(state.timer);
    state.has_timer = false;
  }
}

bool process_stop::stop_for_fatal_error() noexcept {
  const bool first = !state.fatal.exchange(true);
  begin_stop();
  return first;
}

bool process_stop::fatal_error_happened() const noexcept { return state.fatal.load(); }

bool stop_requested() noexcept { return state.stopping.load(std::memory_order_relaxed); }

std::optional<std::chrono::steady_clock::time_point> grace_deadline() noexcept {
  const std::int64_t ends = state.grace_ends_ns.load();
  if (ends == 0 || !state.has_timer) return std::nullopt;
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ends));
}

void note_shutdown_hooks(std::size_t running, std::size_t total) noexcept {
  state.hook_count.store(total);
  state.hook_running.store(running);
}

}  // namespace lambda::detail
