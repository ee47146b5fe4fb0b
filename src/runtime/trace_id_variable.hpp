// Classic Lambda's _X_AMZN_TRACE_ID, set before each handler call.
#pragma once

#include <string>
#include <string_view>

namespace lambda::detail {

// Uses putenv with strings this object owns, swapping two reused buffers: setenv would copy
// every distinct trace id into glibc's heap and never free it, leaking on every invocation.
// Only for one invocation at a time: with several in flight the variable cannot be right.
class trace_id_variable {
 public:
  trace_id_variable() = default;
  ~trace_id_variable();
  trace_id_variable(const trace_id_variable&) = delete;
  trace_id_variable& operator=(const trace_id_variable&) = delete;

  // Sets the variable to trace_id, or unsets it when trace_id is empty.
  void set(std::string_view trace_id);

 private:
  std::string live_;   // what the environment points to now
  std::string spare_;  // the previous value, reused for the next one
};

}  // namespace lambda::detail
