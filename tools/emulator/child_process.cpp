#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace lambda::emulator {
namespace {

// Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks the extern "C" that C++ needs.
int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

struct pipe_pair {
  unique_fd read, write;
};

pipe_pair make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  return {unique_fd(fds[0]), unique_fd(fds[1])};
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn's file actions and attributes, released however the spawn ends.
struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;

  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    // The child starts with no signal blocked or ignored, whatever this process does with them.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

exit_status decode(int wait_status, const rusage& usage) {
  auto micros = [](const timeval& t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
  exit_status out;
  out.cpu_time = micros(usage.ru_utime) + micros(usage.ru_stime);
  if (WIFSIGNALED(wait_status)) out.signal = WTERMSIG(wait_status);
  else out.code = WEXITSTATUS(wait_status);
  return out;
}

}  // namespace

std::string exit_status::describe() const {
  if (signal == 0) return "exited with status " + std::to_string(code);
  const char* name = sigabbrev_np(signal);
  return "killed by signal " + std::to_string(signal) + (name ? std::string(" (SIG") + name + ")" : "");
}

child_process::child_process(child_options options) : options_(std::move(options)) {
  if (options_.argv.empty()) throw std::invalid_argument("child_process needs a program to run");
  spawn_setup setup;
  pipe_pair out, err;
  if (options_.output == child_output::capture) {
    out = make_pipe();
    err = make_pipe();
    posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 1);
    posix_spawn_file_actions_adddup2(&setup.actions, err.write.get(), 2);
  } else if (options_.output == child_output::relay) {
    if (!options_.on_output) throw std::invalid_argument("child_output::relay needs on_output");
    out = make_pipe();
    posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 1);
    posix_spawn_file_actions_adddup2(&setup.actions, out.write.get(), 2);
  } else {
    posix_spawn_file_actions_adddup2(&setup.actions, 2, 1);
  }
  auto argv = c_strings(options_.argv);
  auto envp = c_strings(options_.env);
  int error = ::posix_spawnp(&pid_, argv[0], &setup.actions, &setup.attributes, argv.data(), envp.data());
  if (error != 0) throw_errno(error, "cannot start " + options_.argv[0]);
  pidfd_.reset(open_pidfd(pid_));
  stop_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!pidfd_ || !stop_) {
    int open_error = errno;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    throw_errno(open_error, "pidfd_open/eventfd (Linux 5.3 or later is needed)");
  }
  stdout_ = std::move(out.read);
  stderr_ = std::move(err.read);
  helper_ = std::thread([this] { drain_and_reap(); });
}

child_process::~child_process() {
  if (!status()) signal(SIGKILL);
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(stop_.get(), &one, sizeof one);
  helper_.join();
}

void child_process::signal(int sig) noexcept {
  // Through the pidfd: never a process that reused the pid after ours was reaped.
  ::syscall(SYS_pidfd_send_signal, pidfd_.get(), sig, nullptr, 0);
}

bool child_process::read_pipe(unique_fd& pipe, std::string& into) {
  char buffer[65536];
  ssize_t n = ::read(pipe.get(), buffer, sizeof buffer);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) {
    pipe.reset();
    return false;
  }
  if (options_.output == child_output::relay) {
    options_.on_output({buffer, static_cast<std::size_t>(n)});
    return true;
  }
  std::lock_guard lock(mutex_);
  into.append(buffer, static_cast<std::size_t>(n));
  changed_.notify_all();
  return true;
}

void child_process::read_what_is_ready() {
  // Bounded: a descendant that keeps the pipe open may keep writing.
  for (int reads = 0; reads < 256; ++reads) {
    bool read_any = false;
    unique_fd* pipes[2] = {&stdout_, &stderr_};
    for (unique_fd* pipe : pipes) {
      if (!*pipe) continue;
      pollfd ready{pipe->get(), POLLIN, 0};
      if (::poll(&ready, 1, 0) == 1 && ready.revents != 0) {
        read_pipe(*pipe, pipe == &stdout_ ? out_text_ : err_text_);
        read_any = true;
      }
    }
    if (!read_any) return;
  }
}

void child_process::drain_and_reap() {
  bool reaped = false;
  bool stopping = false;
  while (!(reaped && (stopping || (!stdout_ && !stderr_)))) {
    pollfd fds[4];
    nfds_t count = 0;
    unique_fd* pipes[2] = {&stdout_, &stderr_};
    for (unique_fd* pipe : pipes) {
      if (*pipe) fds[count++] = {pipe->get(), POLLIN, 0};
    }
    if (!reaped) fds[count++] = {pidfd_.get(), POLLIN, 0};
    if (!stopping) fds[count++] = {stop_.get(), POLLIN, 0};
    if (::poll(fds, count, -1) < 0) continue;
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == stdout_.get()) {
        read_pipe(stdout_, out_text_);
      } else if (fds[i].fd == stderr_.get()) {
        read_pipe(stderr_, err_text_);
      } else if (fds[i].fd == stop_.get()) {
        stopping = true;
      } else {
        // All the child wrote is in the pipes now: read it before telling anyone it exited.
        read_what_is_ready();
        int wait_status = 0;
        rusage usage{};
        if (::wait4(pid_, &wait_status, 0, &usage) != pid_) continue;
        reaped = true;
        exit_status result = decode(wait_status, usage);
        {
          std::lock_guard lock(mutex_);
          status_ = result;
          changed_.notify_all();
        }
        if (options_.on_exit) options_.on_exit(result);
      }
    }
  }
  read_what_is_ready();
}

std::optional<exit_status> child_process::wait_exit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return status_.has_value(); });
  return status_;
}

std::optional<exit_status> child_process::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::string child_process::stdout_text() const {
  std::lock_guard lock(mutex_);
  return out_text_;
}

std::string child_process::stderr_text() const {
  std::lock_guard lock(mutex_);
  return err_text_;
}

bool child_process::wait_output(stream which, std::string_view needle,
                                std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const std::string& text = which == stream::out ? out_text_ : err_text_;
  return changed_.wait_for(lock, timeout, [&] { return text.find(needle) != std::string::npos; });
}

}  // namespace lambda::emulator
