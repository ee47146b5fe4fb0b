// A function for the graceful-shutdown tests. HOOKS lists shutdown hooks, comma-separated, run
// in that order: "log:NAME" logs "hook NAME ran", "throw" throws std::runtime_error, "hang"
// never returns. HOOKS_GRACEFUL=enabled or =required sets the mode without (or with) hooks;
// HOOKS_GRACE_MS the grace; AWS_LAMBDA_MAX_CONCURRENCY set runs run_concurrent, else run.
// Events: {"read_fifo": path} holds the handler until a byte can be read from path, then it
// logs "handler released"; any other event is echoed.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include <lambda/json.hpp>
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

void hang() {
  std::mutex mutex;
  std::condition_variable never;
  std::unique_lock lock(mutex);
  never.wait(lock, [] { return false; });
}

lambda::shutdown_hook hook_for(std::string_view what) {
  if (what.starts_with("log:")) {
    return [name = std::string(what.substr(4))] { lambda::log::info("hook {} ran", name); };
  }
  if (what == "throw") return [] { throw std::runtime_error("the hook failed on purpose"); };
  if (what == "hang") return [] { hang(); };
  throw std::invalid_argument("unknown hook: " + std::string(what));
}

void add_hooks(lambda::run_options& options, std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    options.on_shutdown(hook_for(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
}

lambda::response handle(std::string_view event, const lambda::context&) {
  if (auto path = lambda::json::find_string(event, "/read_fifo")) {
    const int fd = open(path->c_str(), O_RDONLY | O_CLOEXEC);
    char byte = 0;
    // poll first: under ThreadSanitizer a signal landing during read(2) waits for read to return.
    pollfd readable{fd, POLLIN, 0};
    while (fd >= 0 && poll(&readable, 1, -1) < 0 && errno == EINTR) {}
    const bool released = fd >= 0 && read(fd, &byte, 1) == 1;
    if (fd >= 0) close(fd);
    lambda::log::info("handler released");
    return released ? R"({"released":true})" : R"({"released":false})";
  }
  return std::string(event);
}

}  // namespace

int main() {
  lambda::run_options options;
  add_hooks(options, environment("HOOKS"));
  const std::string mode = environment("HOOKS_GRACEFUL");
  if (mode == "enabled") options.graceful_shutdown = lambda::graceful_shutdown_mode::enabled;
  if (mode == "required") options.graceful_shutdown = lambda::graceful_shutdown_mode::required;
  if (const std::string grace = environment("HOOKS_GRACE_MS"); !grace.empty()) {
    options.shutdown_grace = std::chrono::milliseconds(std::stoll(grace));
  }
  if (!environment("AWS_LAMBDA_MAX_CONCURRENCY").empty()) return lambda::run_concurrent(handle, options);
  return lambda::run(handle, options);
}
