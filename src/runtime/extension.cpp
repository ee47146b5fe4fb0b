#include "runtime/extension.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <lambda/log.hpp>

#include "http/connection.hpp"
#include "http/hosts.hpp"
#include "http/socket.hpp"
#include "runtime/process.hpp"

namespace lambda::detail {
namespace {

constexpr std::string_view register_path = "/2020-01-01/extension/register";
constexpr std::string_view event_next_path = "/2020-01-01/extension/event/next";
constexpr std::string_view user_agent = "lambda-ric-cpp/" LAMBDA_RIC_VERSION;
// No events: the extension exists only so that the platform sends SIGTERM, as Go's
// lambda.WithEnableSIGTERM does.
constexpr std::string_view register_body = R"({"events":[]})";

// An error body in a log record, but not at any length.
std::string excerpt(std::string_view body) {
  constexpr std::size_t shown = 200;
  if (body.size() <= shown) return std::string(body);
  return std::string(body.substr(0, shown)) + "...";
}

std::vector<http::host_address> addresses_of(const http::endpoint& endpoint) {
  if (endpoint.address_size != 0) {
    http::host_address literal;
    literal.address = endpoint.address;
    literal.size = endpoint.address_size;
    return {literal};
  }
  return http::resolve_host(endpoint.host, endpoint.port);
}

// A blocking socket connected to `endpoint`, or -1 with the last errno in `error_number`.
int connect_to(const http::endpoint& endpoint, int& error_number) {
  error_number = EHOSTUNREACH;
  for (const auto& target : addresses_of(endpoint)) {
    const auto* address = reinterpret_cast<const sockaddr*>(&target.address);
    const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error_number = errno;
      continue;
    }
    if (::connect(fd, address, target.size) == 0) return fd;
    error_number = errno;
    ::close(fd);
  }
  return -1;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

internal_extension::~internal_extension() {
  if (parked_ >= 0) ::close(parked_);
}

bool internal_extension::start(const http::endpoint& endpoint, std::string& error) {
  return register_once(endpoint, error) && park_poll(endpoint, error);
}

bool internal_extension::register_once(const http::endpoint& endpoint, std::string& error) {
  http::connection connection(endpoint);
  http::response answer;
  const http::header headers[] = {{"Lambda-Extension-Name", internal_extension_name},
                                  {"User-Agent", user_agent},
                                  {"Content-Type", "application/json"}};
  const http::request request{.method = "POST", .target = register_path, .headers = headers, .body = register_body};
  const auto sent = connection.send(request, answer);
  const std::string call = "POST " + std::string(register_path);
  if (!sent) {
    error = call + " failed: " + sent.message;
    return false;
  }
  if (answer.status != 200) {
    error = call + " was answered " + std::to_string(answer.status) + ": " + excerpt(answer.body);
    return false;
  }
  id_ = answer.header("Lambda-Extension-Identifier");
  if (id_.empty()) {
    error = call + " was answered 200 without a Lambda-Extension-Identifier";
    return false;
  }
  return true;
}

bool internal_extension::park_poll(const http::endpoint& endpoint, std::string& error) {
  const std::string call = "GET " + std::string(event_next_path);
  const http::header headers[] = {{"Lambda-Extension-Identifier", id_}, {"User-Agent", user_agent}};
  std::string head;
  http::write_request_head(head, {.method = "GET", .target = event_next_path, .headers = headers},
                           endpoint.authority);
  int error_number = 0;
  const int fd = connect_to(endpoint, error_number);
  if (fd < 0) {
    error = call + " could not connect: " + http::socket_io::describe(error_number);
    return false;
  }
  if (!send_all(fd, head)) {
    error = call + " could not be sent: " + http::socket_io::describe(errno);
    ::close(fd);
    return false;
  }
  parked_ = fd;
  return true;
}

bool wants_internal_extension(const run_options& options) noexcept {
  if (options.graceful_shutdown != graceful_shutdown_mode::when_hooks) return true;
  for (const auto& hook : options.shutdown_hooks) {
    if (hook) return true;
  }
  return false;
}

void run_shutdown_hooks(std::span<const shutdown_hook> hooks,
                        std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::size_t total = 0;
  for (const auto& hook : hooks) total += hook ? 1 : 0;
  std::size_t number = 0;
  for (const auto& hook : hooks) {
    if (!hook) continue;
    if (deadline && std::chrono::steady_clock::now() >= *deadline) {
      log::warn("the shutdown grace is over: shutdown hooks {} to {} do not run", number + 1, total);
      break;
    }
    note_shutdown_hooks(++number, total);
    try {
      hook();
    } catch (...) {
      const auto failure = describe_current_exception();
      log::error("shutdown hook {} of {} threw {}: {}", number, total, failure.type, failure.message);
    }
  }
  note_shutdown_hooks(0, total);
}

bool shutdown_phase::begin(const http::endpoint& endpoint, const run_options& options, runtime_api& api,
                           bool registers) {
  hooks_ = options.shutdown_hooks;
  note_shutdown_hooks(0, static_cast<std::size_t>(std::count_if(hooks_.begin(), hooks_.end(),
                                                                [](const auto& hook) { return bool(hook); })));
  if (!registers || !wants_internal_extension(options)) return true;
  std::string error;
  if (extension_.start(endpoint, error)) {
    log::debug("registered the internal extension {}: the platform will send SIGTERM at shutdown",
               internal_extension_name);
    return true;
  }
  if (options.graceful_shutdown != graceful_shutdown_mode::required) {
    log::error("graceful shutdown is off: the internal extension could not register ({}); the platform will "
               "stop this environment with SIGKILL, without running the shutdown hooks",
               error);
    return true;
  }
  const std::string message = "graceful shutdown is required but the internal extension could not register: " + error;
  log::fatal("initialization failed: Runtime.ExtensionRegistrationFailed: {}", message);
  auto posted = api.init_error("Runtime.ExtensionRegistrationFailed", message);
  if (posted.status != api_status::ok) log::error("{}", posted.reason);
  return false;
}

void shutdown_phase::finish() const { run_shutdown_hooks(hooks_, grace_deadline()); }

}  // namespace lambda::detail
