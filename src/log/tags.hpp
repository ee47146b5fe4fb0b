// What tags a record with the invocation it belongs to. The log layer knows nothing of the
// runtime: the runtime publishes each running invocation's tags here, per thread.
#pragma once

#include <string_view>

namespace lambda::log::detail {

struct invocation_tags {
  std::string_view request_id;
  std::string_view tenant_id;  // empty: not written
  std::string_view trace_id;   // empty: not written
  unsigned ric = 1;
};

// The calling thread's tags, or nullptr outside an invocation.
const invocation_tags* current_tags() noexcept;

// Makes `tags` the calling thread's until the scope ends; the views must outlive it.
class tag_scope {
 public:
  explicit tag_scope(const invocation_tags& tags) noexcept;
  ~tag_scope();
  tag_scope(const tag_scope&) = delete;
  tag_scope& operator=(const tag_scope&) = delete;

 private:
  const invocation_tags* previous_;
};

}  // namespace lambda::log::detail
