#include "runtime/ric.hpp"

#include <optional>

#include <lambda/log.hpp>

#include "runtime/error_report.hpp"
#include "runtime/invocation_scope.hpp"
#include "runtime/trace_id_variable.hpp"

namespace lambda::detail {
namespace {

// Polls that fail in a row before the Runtime API counts as gone.
constexpr int max_failed_polls = 8;

// One ERROR record per failed invocation, with the fields AWS's own runtimes log.
void log_failure(std::string_view error_type, std::string_view message) {
  log::error("invocation failed").field("errorType", error_type).field("errorMessage", message);
}

// Runs the handler and posts its answer. Only the handler's own code is inside the try: a
// failure after the answer started must never cause a second answer.
api_result answer(runtime_api& api, const handler& handle, const invocation& inv) {
  std::optional<response> result;
  {
    invocation_scope scope(inv.ctx);
    try {
      result.emplace(handle(inv.event, inv.ctx));
    } catch (...) {
      auto error = describe_current_exception();
      log_failure(error.type, error.message);
      return api.fail(inv.ctx, error.type, error.message);
    }
    if (result->is_failure()) log_failure(result->error_type(), result->payload());
  }
  if (result->is_failure()) return api.fail(inv.ctx, result->error_type(), result->payload());
  return api.respond(inv.ctx, result->payload(), result->content_type());
}

}  // namespace

ric_end run_ric(runtime_api& api, const handler& handle, const ric_options& options) {
  trace_id_variable trace_variable;
  invocation inv;
  int failed_polls = 0;
  for (;;) {
    auto polled = api.next(inv);
    inv.ctx.ric = options.id;
    api_result posted;
    switch (polled.status) {
      case api_status::interrupted:
        return {};
      case api_status::fatal:
        return {true, std::move(polled.reason)};
      case api_status::skipped:
        log::error("{}", polled.reason);
        continue;
      case api_status::poll_failed:
        if (++failed_polls == max_failed_polls) {
          return {true, "the Runtime API failed " + std::to_string(max_failed_polls) +
                            " polls in a row, the last: " + polled.reason};
        }
        log::warn("{}; polling again", polled.reason);
        continue;
      case api_status::too_large: {
        invocation_scope scope(inv.ctx);
        log_failure("Runtime.EventTooLarge", polled.reason);
        posted = api.fail(inv.ctx, "Runtime.EventTooLarge", polled.reason);
        break;
      }
      case api_status::ok:
      case api_status::rejected:
        failed_polls = 0;
        if (options.export_trace_id) trace_variable.set(inv.ctx.trace_id);
        posted = answer(api, handle, inv);
        break;
    }
    if (posted.status == api_status::fatal) return {true, std::move(posted.reason)};
    if (posted.status != api_status::ok) log::warn("{}", posted.reason);
  }
}

}  // namespace lambda::detail
