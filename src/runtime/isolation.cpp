#include "runtime/isolation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include <lambda/log.hpp>

#include "http/parser.hpp"
#include "runtime/runtime_api.hpp"

namespace lambda::detail {
namespace {

using clock = std::chrono::steady_clock;

constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::seconds(10);
// Past the grace, workers that have not ended are killed: their own grace timer should have ended them.
constexpr auto stop_margin = std::chrono::seconds(1);

struct worker_slot {
  unsigned first = 1;  // its RICs: first .. first + rics - 1
  unsigned rics = 1;
  pid_t pid = 0;        // 0 while none runs
  std::uint64_t begun_at_start = 0;  // invocations its RICs had begun when it started
  int deaths_at_start_up = 0;  // in a row
  std::optional<clock::time_point> restart_at;
};

// The supervisor's signals arrive as bytes on a pipe its loop polls (the self-pipe trick): the
// handlers only write, which is async-signal-safe.
int wake_pipe[2] = {-1, -1};
volatile sig_atomic_t stop_signal = 0;

void on_signal(int sig) {
  const int saved = errno;
  if (sig != SIGCHLD) stop_signal = sig;
  const char byte = 0;
  [[maybe_unused]] auto ignored = ::write(wake_pipe[1], &byte, 1);
  errno = saved;
}

constexpr int watched[] = {SIGCHLD, SIGTERM, SIGINT};

// How a worker ended, from waitid(): exited with a status, or killed by a signal.
struct worker_end {
  bool killed = false;
  int number = 0;  // the exit status or the signal
};

std::string describe_end(worker_end end) {
  if (end.killed) {
    const char* name = signal_name(end.number);
    return "was killed by signal " + std::to_string(end.number) + (name ? std::string(" (") + name + ")" : std::string());
  }
  return "exited with status " + std::to_string(end.number);
}

std::string rics_of(const worker_slot& w) {
  if (w.rics == 1) return "RIC " + std::to_string(w.first);
  return "RICs " + std::to_string(w.first) + "-" + std::to_string(w.first + w.rics - 1);
}

class supervisor {
 public:
  supervisor(const http::endpoint& api, flight_table& flights, unsigned workers, std::chrono::milliseconds grace,
             const std::function<int(unsigned, unsigned)>& worker)
      : api_(api), flights_(flights), grace_(grace), worker_(worker) {
    const unsigned rics = flights.rics();
    const unsigned count = std::clamp(workers == 0 ? rics : workers, 1u, rics);
    for (unsigned w = 0, first = 1; w < count; ++w) {
      const unsigned share = rics / count + (w < rics % count ? 1 : 0);
      worker_slot slot;
      slot.first = first;
      slot.rics = share;
      workers_.push_back(slot);
      first += share;
    }
  }

  int run();

 private:
  void install_signals();
  void restore_signals();
  bool start(worker_slot& w);
  std::uint64_t invocations_begun(const worker_slot& w) const;
  void reap();
  void on_death(worker_slot& w, worker_end end);
  void answer_for(const worker_slot& w, const std::string& how);
  void begin_stop(int sig);
  int wait_timeout_ms() const;
  bool any_running() const;

  const http::endpoint& api_;
  flight_table& flights_;
  std::chrono::milliseconds grace_;
  const std::function<int(unsigned, unsigned)>& worker_;
  std::vector<worker_slot> workers_;
  struct sigaction previous_[std::size(watched)]{};
  pid_t self_ = ::getpid();
  bool stopping_ = false;
  std::optional<clock::time_point> kill_at_;
  int exit_status_ = 0;
};

void supervisor::install_signals() {
  if (::pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe[0] = wake_pipe[1] = -1;
  struct sigaction action{};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < std::size(watched); ++i) ::sigaction(watched[i], &action, &previous_[i]);
}

// Workers start with the signal actions the program had, not the supervisor's.
void supervisor::restore_signals() {
  for (std::size_t i = 0; i < std::size(watched); ++i) ::sigaction(watched[i], &previous_[i], nullptr);
}

bool supervisor::start(worker_slot& w) {
  w.restart_at.reset();
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    log::error("could not start the worker process for {}: fork failed", rics_of(w));
    return false;
  }
  if (pid == 0) {
    // No orphan keeps polling: the worker dies with its supervisor, even one that died already.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != self_) ::_exit(0);
    restore_signals();
    ::close(wake_pipe[0]);
    ::close(wake_pipe[1]);
    const int status = worker_(w.first, w.rics);
    std::fflush(nullptr);
    // Not exit(): the program's static destructors belong to the process Lambda started.
    ::_exit(status);
  }
  w.pid = pid;
  w.begun_at_start = invocations_begun(w);
  return true;
}

std::uint64_t supervisor::invocations_begun(const worker_slot& w) const {
  std::uint64_t total = 0;
  for (unsigned ric = w.first; ric < w.first + w.rics; ++ric) total += flights_.begun(ric);
  return total;
}

void supervisor::answer_for(const worker_slot& w, const std::string& how) {
  // A fresh connection each time: a worker forked while one was open would share it.
  runtime_api api(api_, {});
  std::size_t answered = 0;
  for (unsigned ric = w.first; ric < w.first + w.rics; ++ric) {
    char id[flight_table::max_id];
    const std::size_t length = flights_.running(ric, id);
    if (length == 0) continue;
    const std::string_view request_id(id, length);
    const std::string message = "the worker process running RIC " + std::to_string(ric) + " " + how;
    auto posted = api.fail_for(request_id, "Runtime.ExitError", message);
    flights_.end(ric);
    if (posted.status == api_status::ok) {
      ++answered;
    } else {
      // Typically a 400: the worker had answered it just before it died.
      log::debug("{}", posted.reason);
    }
  }
  if (answered > 0) log::info("answered {} invocation(s) the dead worker had in flight", answered);
}

void supervisor::on_death(worker_slot& w, worker_end end) {
  const std::string how = describe_end(end);
  w.pid = 0;
  if (stopping_) {
    answer_for(w, how);
    return;
  }
  if (!end.killed && end.number == 1) {
    // A fatal error (its init failed, or the Runtime API is gone): the worker logged and posted
    // it. As with threads, the function ends.
    log::fatal("the worker process for {} ended with a fatal error; stopping every worker", rics_of(w));
    answer_for(w, how);
    exit_status_ = 1;
    begin_stop(0);
    return;
  }
  log::error("the worker process for {} {}; starting another", rics_of(w), how);
  answer_for(w, how);
  // A worker that dies before any invocation began (its factory, its start) would only die again.
  const bool at_start_up = invocations_begun(w) == w.begun_at_start;
  w.deaths_at_start_up = at_start_up ? w.deaths_at_start_up + 1 : 0;
  if (w.deaths_at_start_up == 0) {
    start(w);
    return;
  }
  const auto delay = std::min<std::chrono::milliseconds>(first_backoff * (1 << std::min(w.deaths_at_start_up - 1, 10)),
                                                         max_backoff);
  log::warn("the worker process for {} died at start-up {} time(s) in a row; next start in {} ms", rics_of(w),
            w.deaths_at_start_up, delay.count());
  w.restart_at = clock::now() + delay;
}

// A death is handled (its invocations answered, its replacement forked) before the dead worker
// is reaped: the kernel's clean-up of a process can take milliseconds, and need not delay either.
void supervisor::reap() {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    const pid_t pid = info.si_pid;
    const worker_end end{info.si_code != CLD_EXITED, info.si_status};
    for (auto& w : workers_) {
      if (w.pid == pid) on_death(w, end);
    }
    ::waitpid(pid, nullptr, 0);
  }
}

void supervisor::begin_stop(int sig) {
  if (stopping_) return;
  stopping_ = true;
  if (sig != 0) {
    log::info("{} received: stopping {} worker process(es); in-flight invocations have {} ms to finish",
              sig == SIGINT ? "SIGINT" : "SIGTERM", workers_.size(), grace_.count());
  }
  for (auto& w : workers_) {
    w.restart_at.reset();
    if (w.pid > 0) ::kill(w.pid, SIGTERM);
  }
  if (grace_ != std::chrono::milliseconds::max()) kill_at_ = clock::now() + grace_ + stop_margin;
}

bool supervisor::any_running() const {
  return std::any_of(workers_.begin(), workers_.end(), [](const worker_slot& w) { return w.pid > 0; });
}

int supervisor::wait_timeout_ms() const {
  std::optional<clock::time_point> next = kill_at_;
  for (const auto& w : workers_) {
    if (w.restart_at && (!next || *w.restart_at < *next)) next = w.restart_at;
  }
  if (!next) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60000));
}

int supervisor::run() {
  install_signals();
  log::info("starting {} worker process(es) for {} RICs", workers_.size(), flights_.rics());
  for (auto& w : workers_) {
    if (!start(w)) {
      exit_status_ = 1;
      begin_stop(0);
      break;
    }
  }
  while (any_running() || (!stopping_ && std::any_of(workers_.begin(), workers_.end(),
                                                      [](const worker_slot& w) { return w.restart_at.has_value(); }))) {
    pollfd wake{wake_pipe[0], POLLIN, 0};
    if (::poll(&wake, 1, wait_timeout_ms()) > 0) {
      char drained[64];
      while (::read(wake_pipe[0], drained, sizeof drained) > 0) {}
    }
    reap();
    if (stop_signal != 0 && !stopping_) begin_stop(stop_signal);
    const auto now = clock::now();
    if (kill_at_ && now >= *kill_at_) {
      for (auto& w : workers_) {
        if (w.pid > 0) ::kill(w.pid, SIGKILL);
      }
      kill_at_.reset();
    }
    for (auto& w : workers_) {
      if (!stopping_ && w.restart_at && now >= *w.restart_at) start(w);
    }
  }
  restore_signals();
  ::close(wake_pipe[0]);
  ::close(wake_pipe[1]);
  return exit_status_;
}

}  // namespace

isolation_setting parse_isolation(const run_options& options) {
  isolation_setting setting{options.isolation, options.workers, {}};
  if (const char* mode = std::getenv("LAMBDA_RIC_ISOLATION"); mode && *mode) {
    if (http::iequals(mode, "process")) setting.mode = isolation::process;
    else if (http::iequals(mode, "threads")) setting.mode = isolation::threads;
    else setting.warning = "LAMBDA_RIC_ISOLATION=\"" + std::string(mode) + "\" is neither threads nor process; ignored";
  }
  if (const char* workers = std::getenv("LAMBDA_RIC_WORKERS"); workers && *workers) {
    const std::string_view text(workers);
    unsigned n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() && n > 0) {
      setting.workers = n;
    } else {
      if (!setting.warning.empty()) setting.warning += "; ";
      setting.warning += "LAMBDA_RIC_WORKERS=\"" + std::string(text) + "\" is not a positive number; ignored";
    }
  }
  return setting;
}

int supervise(const http::endpoint& api, flight_table& flights, unsigned workers, std::chrono::milliseconds grace,
              const std::function<int(unsigned first_ric, unsigned rics)>& worker) {
  supervisor s(api, flights, workers, grace, worker);
  return s.run();
}

}  // namespace lambda::detail
