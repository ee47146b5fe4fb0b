#include <lambda/runtime.hpp>

#include "runtime/invocation_scope.hpp"

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

invocation_scope::invocation_scope(const context& ctx) noexcept
    : previous_(running_invocation),
      tags_{ctx.request_id, ctx.tenant_id, ctx.trace_id, ctx.ric},
      tagged_(tags_) {
  running_invocation = &ctx;
}

invocation_scope::~invocation_scope() { running_invocation = previous_; }

}  // namespace detail
}  // namespace lambda
