// The entry points: lambda::run (classic Lambda, one RIC on the calling thread) and
// lambda::run_concurrent (Lambda Managed Instances, N RICs).
#include <pthread.h>

#include <cstdlib>
#include <latch>
#include <memory>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

#include "runtime/extension.hpp"
#include "runtime/isolation.hpp"
#include "runtime/process.hpp"
#include "runtime/ric.hpp"

namespace lambda {
namespace {

// Reports an init failure: posts it (a 403 from a concurrent RIC that was first is fine), logs it.
void report_init_failure(detail::runtime_api& api, std::string_view error_type, std::string_view message) {
  log::fatal("initialization failed: {}: {}", error_type, message);
  auto posted = api.init_error(error_type, message);
  if (posted.status != detail::api_status::ok) log::error("{}", posted.reason);
}

// Builds RIC `ric`'s handler with the user's factory. If the factory throws or gives an empty
// handler, the failure is posted to /runtime/init/error and logged, and false is returned.
template <class Handler>
using factory = std::function<Handler(unsigned ric)>;

template <class Handler>
bool build_handler(detail::runtime_api& api, const factory<Handler>& make_handler, unsigned ric, Handler& out) {
  try {
    out = make_handler(ric);
  } catch (...) {
    auto error = detail::describe_current_exception();
    report_init_failure(api, error.type, error.message);
    return false;
  }
  if (!out) {
    report_init_failure(api, "Runtime.InvalidHandler", "the handler factory returned an empty handler");
    return false;
  }
  return true;
}

// One RIC on the calling thread, starting no thread: classic Lambda, Managed Instances with
// N = 1, and a worker of isolation::process that runs one RIC (RIC `ric` of its supervisor's
// `worker_flights`). A process that never starts a thread stays single-threaded for glibc, whose
// malloc and stdio then take no locks. With one invocation at a time the trace id can go into
// _X_AMZN_TRACE_ID; a worker leaves it, and the internal extension, as threads mode does.
template <class Handler>
int run_inline(detail::runtime_api& api, const http::endpoint& endpoint, const Handler& handle,
               const run_options& options, detail::flight_table* worker_flights = nullptr, unsigned ric = 1) {
  const bool in_worker = worker_flights != nullptr;
  detail::shutdown_phase shutdown;
  if (!shutdown.begin(endpoint, options, api, !in_worker)) return 1;
  detail::runtime_api* const rics[] = {&api};
  detail::process_stop stop(rics, options.shutdown_grace);
  std::optional<detail::flight_table> own_flights;
  detail::flight_table& flights = in_worker ? *worker_flights : own_flights.emplace(1);
  detail::crash_reports crashes(flights, endpoint);
  auto end = detail::run_ric(api, handle, {.id = ric, .export_trace_id = !in_worker, .flights = &flights});
  if (end.fatal) {
    stop.stop_for_fatal_error();
    log::fatal("{}", end.reason);
  }
  shutdown.finish();
  return end.fatal ? 1 : 0;
}

// One RIC thread: waits for the pool to be complete, then answers invocations until stopped.
// The first fatal error is logged and stops every other RIC.
template <class Handler>
void ric_thread(unsigned id, const Handler& handle, detail::runtime_api& api, detail::process_stop& stop,
                detail::flight_table& flights, std::latch& started) {
  started.wait();
  auto end = detail::run_ric(api, handle, {.id = id, .flights = &flights});
  if (end.fatal && stop.stop_for_fatal_error()) log::fatal("{}", end.reason);
}

// RICs first .. first + rics - 1 as threads of this process, each saying in `flights` what it
// runs. A worker of isolation::process runs the shutdown hooks but leaves the internal extension
// to its supervisor.
template <class Handler>
int run_pool(detail::runtime_api& init_api, const http::endpoint& endpoint, const factory<Handler>& make_handler,
             bool shared, unsigned first, unsigned rics, detail::flight_table& flights, const run_options& options,
             bool in_worker = false) {
  if (std::string error; !detail::make_room_for_rics(rics, error)) {
    report_init_failure(init_api, "Runtime.ResourceLimit", error);
    return 1;
  }
  // A shared handler is built once; a factory builds one handler per RIC, all before any RIC
  // polls, so an init failure never leaves a half-started pool.
  std::vector<Handler> handlers(shared ? 1 : rics);
  for (unsigned i = 0; i < handlers.size(); ++i) {
    if (!build_handler(init_api, make_handler, first + i, handlers[i])) return 1;
  }
  std::vector<std::unique_ptr<detail::runtime_api>> apis;
  std::vector<detail::runtime_api*> stoppable;
  apis.reserve(rics);
  stoppable.reserve(rics);
  for (unsigned i = 0; i < rics; ++i) {
    apis.push_back(std::make_unique<detail::runtime_api>(endpoint, detail::ric_connection_options(flights.rics())));
    stoppable.push_back(apis.back().get());
  }

  detail::shutdown_phase shutdown;
  if (!shutdown.begin(endpoint, options, init_api, !in_worker)) return 1;
  std::latch started(1);
  std::string start_error;
  detail::process_stop stop(stoppable, options.shutdown_grace);
  detail::crash_reports crashes(flights, endpoint);
  {
    // The main thread waits for the RICs by joining them: a signal may land on it meanwhile.
    std::vector<std::jthread> threads;
    threads.reserve(rics);
    try {
      for (unsigned i = 0; i < rics; ++i) {
        const unsigned id = first + i;
        threads.emplace_back(ric_thread<Handler>, id, std::cref(handlers[shared ? 0 : i]), std::ref(*apis[i]),
                             std::ref(stop), std::ref(flights), std::ref(started));
        // Named by the creator, so the name is there before the RIC polls (top -H, gdb, tests).
        pthread_setname_np(threads.back().native_handle(), ("ric-" + std::to_string(id)).c_str());
      }
    } catch (const std::exception& e) {  // std::system_error, or bad_alloc naming the thread
      start_error = "could not start RIC " + std::to_string(first + threads.size()) + " of " + std::to_string(rics) +
                    " (AWS_LAMBDA_MAX_CONCURRENCY): " + e.what() + "; lower AWS_LAMBDA_MAX_CONCURRENCY";
      for (auto* api : stoppable) api->interrupt();  // the started RICs end before their first poll
    }
    if (start_error.empty()) log::info("starting {} RICs", rics);
    started.count_down();
  }
  if (!start_error.empty()) {
    report_init_failure(init_api, "Runtime.ResourceLimit", start_error);
    return 1;
  }
  shutdown.finish();
  return stop.fatal_error_happened() ? 1 : 0;
}

template <class Handler>
int start_rics(const factory<Handler>& make_handler, bool shared, const run_options& options) {
  http::endpoint endpoint;
  if (!detail::start_up(endpoint)) return 1;
  // Connects only if an init error must be posted, or to run the one RIC inline.
  detail::runtime_api init_api(endpoint, detail::ric_connection_options(1));
  auto setting = detail::parse_max_concurrency(std::getenv("AWS_LAMBDA_MAX_CONCURRENCY"));
  if (!setting.warning.empty()) log::warn("{}", setting.warning);
  const detail::isolation_setting isolated = detail::parse_isolation(options);
  if (!isolated.warning.empty()) log::warn("{}", isolated.warning);
  if (isolated.mode == isolation::process) {
    // The supervisor is the process the platform signals: it registers the internal extension,
    // before any worker polls. The hooks run in each worker, where the handlers' state lives.
    detail::shutdown_phase extension;
    if (!extension.begin(endpoint, options, init_api)) return 1;
    detail::flight_table flights(setting.rics);
    return detail::supervise(endpoint, flights, isolated.workers, options.shutdown_grace,
                             [&](unsigned first, unsigned rics) {
                               // The worker's own connection: none of the supervisor's is shared.
                               detail::runtime_api worker_api(endpoint,
                                                              detail::ric_connection_options(flights.rics()));
                               if (rics > 1) {
                                 return run_pool(worker_api, endpoint, make_handler, shared, first, rics, flights,
                                                 options, true);
                               }
                               Handler handle;
                               if (!build_handler(worker_api, make_handler, first, handle)) return 1;
                               return run_inline(worker_api, endpoint, handle, options, &flights, first);
                             });
  }
  if (setting.rics == 1) {
    Handler handle;
    if (!build_handler(init_api, make_handler, 1, handle)) return 1;
    return run_inline(init_api, endpoint, handle, options);
  }
  detail::flight_table flights(setting.rics);
  return run_pool(init_api, endpoint, make_handler, shared, 1, setting.rics, flights, options);
}

template <class Handler>
int run_one(Handler h, const run_options& options) {
  http::endpoint endpoint;
  if (!detail::start_up(endpoint)) return 1;
  detail::runtime_api api(endpoint, detail::ric_connection_options(1));
  if (!h) {
    report_init_failure(api, "Runtime.InvalidHandler", "lambda::run was given an empty handler");
    return 1;
  }
  return run_inline(api, endpoint, h, options);
}

template <class Handler>
int run_one(const factory<Handler>& make_handler, const run_options& options) {
  http::endpoint endpoint;
  if (!detail::start_up(endpoint)) return 1;
  detail::runtime_api api(endpoint, detail::ric_connection_options(1));
  Handler handle;
  if (!build_handler(api, make_handler, 1, handle)) return 1;
  return run_inline(api, endpoint, handle, options);
}

template <class Handler>
int run_shared(Handler shared, const run_options& options) {
  // The shared handler outlives every RIC; the factory only lends it.
  auto owned = std::make_shared<Handler>(std::move(shared));
  return start_rics(factory<Handler>([owned](unsigned) { return *owned ? Handler(std::cref(*owned)) : Handler(); }),
                    true, options);
}

}  // namespace

int run(handler h, const run_options& options) { return run_one(std::move(h), options); }
int run(handler_factory make_handler, const run_options& options) { return run_one(make_handler, options); }
int run(streaming_handler h, const run_options& options) { return run_one(std::move(h), options); }
int run(streaming_handler_factory make_handler, const run_options& options) {
  return run_one(make_handler, options);
}

int run_concurrent(handler shared, const run_options& options) { return run_shared(std::move(shared), options); }
int run_concurrent(handler_factory make_handler, const run_options& options) {
  return start_rics(make_handler, false, options);
}
int run_concurrent(streaming_handler shared, const run_options& options) {
  return run_shared(std::move(shared), options);
}
int run_concurrent(streaming_handler_factory make_handler, const run_options& options) {
  return start_rics(make_handler, false, options);
}

}  // namespace lambda
