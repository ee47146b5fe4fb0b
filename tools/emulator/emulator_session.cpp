#include "emulator_session.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <lambda/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "lambda_environment.hpp"

extern char** environ;

namespace lambda::emulator {
namespace {

// Long enough for a runtime to finish its in-flight work, as Lambda's shutdown phase allows.
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

}  // namespace

emulator_session::emulator_session(const cli_options& options, std::size_t wake_every)
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
  server_ = std::make_unique<runtime_api_server>(std::move(server_setup));
  child_options child_setup;
  child_setup.argv = options.bootstrap;
  child_setup.env = lambda_environment(options, server_->address(), inherited_environment());
  child_setup.output = child_output::to_stderr;
  child_setup.on_exit = [this](const exit_status&) { signal_event(wake_.get()); };
  child_ = std::make_unique<child_process>(std::move(child_setup));
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
  child_->signal(SIGTERM);
  if (auto status = child_->wait_exit(stop_grace)) return {*status, false};
  child_->signal(SIGKILL);
  return {*child_->wait_exit(std::chrono::hours(1)), false};
}

std::string emulator_session::describe_end(const exit_status& bootstrap, bool died) {
  return "bootstrap: " + bootstrap.describe() + (died ? " before it was stopped" : " after SIGTERM");
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

}  // namespace lambda::emulator
