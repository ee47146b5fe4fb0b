#include "ric.hpp"

#include <optional>

#include <lambda/log.hpp>

#include "error_report.hpp"
#include "invocation_scope.hpp"
#include "trace_id_variable.hpp"

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
    if (polled.status == api_status::interrupted) return {};
    if (polled.status == api_status::fatal) return {true, std::move(polled.reason)};
    if (polled.status == api_status::too_large) {
      log::error("{}", polled.reason);
      auto failed = api.fail(inv.ctx, "Runtime.EventTooLarge", polled.reason);
      if (failed.status == api_status::fatal) return {true, std::move(failed.reason)};
      if (failed.status != api_status::ok) log::warn("{}", failed.reason);
      continue;
    }
    if (polled.status == api_status::skipped) {
      log::error("{}", polled.reason);
      continue;
    }
    if (polled.status == api_status::poll_failed) {
      if (++failed_polls == max_failed_polls) {
        return {true, "the Runtime API failed " + std::to_string(max_failed_polls) +
                          " polls in a row, the last: " + polled.reason};
      }
      log::warn("{}; polling again", polled.reason);
      continue;
    }
    failed_polls = 0;
    inv.ctx.ric = options.id;
    if (options.export_trace_id) trace_variable.set(inv.ctx.trace_id);

    auto answered = answer(api, handle, inv);
    if (answered.status == api_status::fatal) return {true, std::move(answered.reason)};
    if (answered.status != api_status::ok) log::warn("{}", answered.reason);
  }
}

}  // namespace lambda::detail
