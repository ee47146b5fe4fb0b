// Publishes the invocation a handler runs for, so this_invocation() and the logger can find it.
#pragma once

#include <lambda/runtime.hpp>

#include "log/tags.hpp"

namespace lambda::detail {

// Makes `ctx` this thread's running invocation until the scope ends.
class invocation_scope {
 public:
  explicit invocation_scope(const context& ctx) noexcept;
  ~invocation_scope();
  invocation_scope(const invocation_scope&) = delete;
  invocation_scope& operator=(const invocation_scope&) = delete;

 private:
  const context* previous_;
  log::detail::invocation_tags tags_;
  log::detail::tag_scope tagged_;
};

}  // namespace lambda::detail
