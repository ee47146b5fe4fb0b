#include "runtime/ric.hpp"

#include <cstdlib>
#include <optional>

#include <lambda/log.hpp>

#include "log/tags.hpp"
#include "runtime/process.hpp"
#include "runtime/stream.hpp"

namespace lambda {
namespace {
thread_local const context* running_invocation = nullptr;
}

std::chrono::milliseconds context::remaining_time() const noexcept {
  using std::chrono::milliseconds;
  if (deadline_ms <= 0) return milliseconds::max();
  auto now = std::chrono::duration_cast<milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  // Both are non-negative here, so the difference cannot overflow.
  return milliseconds(deadline_ms > now ? deadline_ms - now : 0);
}

const context* this_invocation() noexcept { return running_invocation; }

namespace detail {
namespace {

// Polls that fail in a row before the Runtime API counts as gone.
constexpr int max_failed_polls = 8;

// Makes `ctx` this thread's running invocation while the handler runs: its views into the
// receive buffer die when the answer is posted, so the scope ends before that.
class invocation_scope {
 public:
  explicit invocation_scope(const context& ctx) noexcept : previous_(running_invocation) { running_invocation = &ctx; }
  ~invocation_scope() { running_invocation = previous_; }
  invocation_scope(const invocation_scope&) = delete;
  invocation_scope& operator=(const invocation_scope&) = delete;

 private:
  const context* previous_;
};

// Classic Lambda's _X_AMZN_TRACE_ID, set before each handler call. It uses putenv with strings
// this object owns, swapping two reused buffers: setenv would copy every distinct trace id into
// glibc's heap and never free it, leaking on every invocation. Only for one invocation at a
// time: with several in flight the variable cannot be right.
class trace_id_variable {
 public:
  trace_id_variable() = default;
  ~trace_id_variable() {
    if (!live_.empty()) unsetenv(name);
  }
  trace_id_variable(const trace_id_variable&) = delete;
  trace_id_variable& operator=(const trace_id_variable&) = delete;

  void set(std::string_view trace_id) {
    if (trace_id.empty()) {
      unsetenv(name);
      live_.clear();
      return;
    }
    spare_.assign(name).append("=").append(trace_id);
    putenv(spare_.data());
    live_.swap(spare_);
  }

 private:
  static constexpr char name[] = "_X_AMZN_TRACE_ID";
  std::string live_;   // what the environment points to now
  std::string spare_;  // the previous value, reused for the next one
};

void describe_function(context& ctx) noexcept {
  const function_settings& function = function_environment();
  ctx.function_name = function.name;
  ctx.function_version = function.version;
  ctx.memory_limit_mb = function.memory_mb;
  ctx.log_group_name = function.log_group;
  ctx.log_stream_name = function.log_stream;
}

// Runs the handler and posts its answer. Only the handler's own code is inside the try: a
// failure after the answer started must never cause a second answer.
api_result answer(runtime_api& api, const handler& handle, const invocation& inv) {
  std::optional<response> result;
  try {
    invocation_scope scope(inv.ctx);
    result.emplace(handle(inv.event, inv.ctx));
  } catch (...) {
    auto error = describe_current_exception();
    return api.fail(error.type, error.message);
  }
  if (result->is_failure()) return api.fail(result->error_type(), result->payload());
  return api.respond(result->payload(), result->content_type());
}

// Runs a streaming handler and ends its stream. A failure before the answer started is an
// ordinary /error post; after, it goes into the stream's trailers. Either way the stream ends.
api_result answer(runtime_api& api, const streaming_handler& handle, const invocation& inv) {
  answer_stream stream(api);
  try {
    invocation_scope scope(inv.ctx);
    response_stream out = stream.writer();
    handle(inv.event, inv.ctx, out);
  } catch (...) {
    auto error = describe_current_exception();
    if (!stream.started()) return api.fail(error.type, error.message);
    return stream.end(&error);
  }
  return stream.end(nullptr);
}

}  // namespace

template <class Handler>
ric_end run_ric(runtime_api& api, const Handler& handle, const ric_options& options) {
  trace_id_variable trace_variable;
  crash_scope crashes(options.id);
  invocation inv;
  int failed_polls = 0;
  for (;;) {
    auto polled = api.next(inv);
    inv.ctx.ric = options.id;
    describe_function(inv.ctx);
    switch (polled.status) {
      case api_status::interrupted:
        return {};
      case api_status::fatal:
        // At shutdown the platform ends pending polls with 500: the end of the poll, not a failure.
        if (stop_requested()) return {};
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
      case api_status::ok:
      case api_status::unreadable:
      case api_status::rejected:
        break;
    }
    failed_polls = 0;
    // Every record from here to the answer's post carries the invocation's ids, which the
    // ticket keeps alive past the receive buffer.
    const log::detail::invocation_tags tags{inv.ctx.request_id, inv.ctx.tenant_id, inv.ctx.trace_id, options.id};
    log::detail::tag_scope tagged(tags);
    api_result posted;
    if (polled.status == api_status::unreadable) {
      posted = api.fail(polled.error_type, polled.reason);
    } else {
      if (options.export_trace_id) trace_variable.set(inv.ctx.trace_id);
      if (options.flights) options.flights->begin(options.id, inv.ctx.request_id);
      posted = answer(api, handle, inv);
      if (options.flights) options.flights->end(options.id);
    }
    if (posted.status == api_status::fatal) return {true, std::move(posted.reason)};
    if (posted.status != api_status::ok) log::warn("{}", posted.reason);
  }
}

template ric_end run_ric(runtime_api&, const handler&, const ric_options&);
template ric_end run_ric(runtime_api&, const streaming_handler&, const ric_options&);

}  // namespace detail
}  // namespace lambda
