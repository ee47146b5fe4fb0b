// lambda::run_concurrent: N RICs for Lambda Managed Instances.
#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <latch>
#include <stop_token>
#include <system_error>
#include <thread>
#include <vector>

#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

#include "runtime/error_slot.hpp"
#include "runtime/max_concurrency.hpp"
#include "runtime/resource_limits.hpp"
#include "runtime/ric.hpp"
#include "runtime/shutdown_watch.hpp"
#include "runtime/startup.hpp"
#include "runtime/stop_signals.hpp"

namespace lambda {
namespace {

int finish(const detail::ric_end& end) {
  if (!end.fatal) return 0;
  log::fatal("{}", end.reason);
  return 1;
}

// N = 1: the RIC runs on the calling thread and starts no thread. The signalfd wakes its long
// poll; a handler in progress finishes and posts first. With one invocation at a time the
// trace id can still go into _X_AMZN_TRACE_ID, as in classic mode.
int run_inline(detail::runtime_api& init_api, const http::endpoint& endpoint, const handler_factory& make_handler) {
  handler handle;
  if (!detail::build_handler(init_api, make_handler, 1, handle)) return 1;
  http::connection_options options;
  options.wake_fd = detail::open_stop_signals();
  detail::runtime_api api(endpoint, options);
  auto end = detail::run_ric(api, handle, {.id = 1, .export_trace_id = true});
  if (options.wake_fd >= 0) close(options.wake_fd);
  return finish(end);
}

// One RIC thread: waits for the pool to be complete, then answers invocations until stopped.
// A fatal error goes into the slot and stops every other RIC.
void ric_thread(unsigned id, const handler& handle, const http::endpoint& endpoint, std::stop_source stop,
                std::latch& started, std::latch& ended, detail::error_slot& errors) {
  started.wait();
  detail::runtime_api api(endpoint, {});
  std::stop_callback wake_poll(stop.get_token(), [&api] { api.interrupt(); });
  auto end = detail::run_ric(api, handle, {.id = id});
  if (end.fatal && errors.offer(std::move(end.reason))) stop.request_stop();
  ended.count_down();
}

int run_pool(detail::runtime_api& init_api, const http::endpoint& endpoint, const handler_factory& make_handler,
             bool shared, unsigned rics, const concurrent_options& options) {
  if (std::string error; !detail::make_room_for_rics(rics, error)) {
    detail::report_init_failure(init_api, "Runtime.ResourceLimit", error);
    return 1;
  }
  // A shared handler is built once; a factory builds one handler per RIC, all before any RIC
  // polls, so an init failure never leaves a half-started pool.
  std::vector<handler> handlers(shared ? 1 : rics);
  for (unsigned i = 0; i < handlers.size(); ++i) {
    if (!detail::build_handler(init_api, make_handler, i + 1, handlers[i])) return 1;
  }

  const int signal_fd = detail::open_stop_signals();
  std::stop_source stop;
  detail::error_slot errors;
  std::latch started(1), ended(rics);
  std::string start_error;
  {
    detail::shutdown_watch watch(signal_fd, stop, options.shutdown_grace, errors);
    std::vector<std::jthread> threads;
    threads.reserve(rics);
    try {
      for (unsigned id = 1; id <= rics; ++id) {
        threads.emplace_back(ric_thread, id, std::cref(handlers[shared ? 0 : id - 1]), std::cref(endpoint), stop,
                             std::ref(started), std::ref(ended), std::ref(errors));
        // Named by the creator, so the name is there before the RIC polls (top -H, gdb, tests).
        pthread_setname_np(threads.back().native_handle(), ("ric-" + std::to_string(id)).c_str());
      }
    } catch (const std::system_error& e) {
      start_error = "could not start RIC " + std::to_string(threads.size() + 1) + " of " + std::to_string(rics) +
                    " (AWS_LAMBDA_MAX_CONCURRENCY): " + e.what() + "; lower AWS_LAMBDA_MAX_CONCURRENCY";
      stop.request_stop();  // the started RICs see it before their first poll
      ended.count_down(static_cast<std::ptrdiff_t>(rics - threads.size()));
    }
    if (start_error.empty()) log::info("starting {} RICs", rics);
    started.count_down();
    ended.wait();
  }
  if (signal_fd >= 0) close(signal_fd);

  if (!start_error.empty()) {
    detail::report_init_failure(init_api, "Runtime.ResourceLimit", start_error);
    return 1;
  }
  if (auto error = errors.first()) {
    log::fatal("{}", *error);
    return 1;
  }
  return 0;
}

int start_rics(const handler_factory& make_handler, bool shared, const concurrent_options& options) {
  http::endpoint endpoint;
  if (!detail::start_up(endpoint)) return 1;
  detail::runtime_api init_api(endpoint, {});  // connects only if an init error must be posted
  auto setting = detail::parse_max_concurrency(std::getenv("AWS_LAMBDA_MAX_CONCURRENCY"));
  if (!setting.warning.empty()) log::warn("{}", setting.warning);
  if (setting.rics == 1) return run_inline(init_api, endpoint, make_handler);
  return run_pool(init_api, endpoint, make_handler, shared, setting.rics, options);
}

}  // namespace

int run_concurrent(handler shared, const concurrent_options& options) {
  return start_rics(handler_factory([h = std::move(shared)](unsigned) { return h; }), true, options);
}

int run_concurrent(handler_factory make_handler, const concurrent_options& options) {
  return start_rics(make_handler, false, options);
}

}  // namespace lambda
