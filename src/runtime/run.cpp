// lambda::run: classic Lambda, one RIC on the calling thread.
#include <lambda/log.hpp>
#include <lambda/runtime.hpp>

#include "runtime/ric.hpp"
#include "runtime/startup.hpp"

namespace lambda {

int run(handler h) {
  return run(handler_factory([h = std::move(h)](unsigned) { return h; }));
}

int run(handler_factory make_handler) {
  http::endpoint endpoint;
  if (!detail::start_up(endpoint)) return 1;
  detail::runtime_api api(endpoint, {});
  handler handle;
  if (!detail::build_handler(api, make_handler, 1, handle)) return 1;

  auto end = detail::run_ric(api, handle, {.id = 1, .export_trace_id = true});
  if (!end.fatal) return 0;
  log::fatal("{}", end.reason);
  return 1;
}

}  // namespace lambda
