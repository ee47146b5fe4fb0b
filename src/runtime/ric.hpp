// One Runtime Interface Client: the next → handler → answer loop, and what a handler can ask of
// the invocation it runs for.
#pragma once

#include <string>

#include <lambda/runtime.hpp>

#include "runtime/crash.hpp"
#include "runtime/runtime_api.hpp"

namespace lambda::detail {

struct ric_options {
  unsigned id = 1;               // 1..N, reported in each context
  bool export_trace_id = false;  // one invocation at a time: set _X_AMZN_TRACE_ID for each
  flight_table* flights = nullptr;  // where the RIC says what it runs, for crash reports
};

// Why a RIC ended: interrupted by a stop (not fatal), or a fatal error with its reason.
struct ric_end {
  bool fatal = false;
  std::string reason;
};

// Answers invocations, each exactly once, until the long poll is interrupted or a fatal error
// happens. A handler's exception fails only its invocation. For handler and streaming_handler.
template <class Handler>
ric_end run_ric(runtime_api& api, const Handler& handle, const ric_options& options);

}  // namespace lambda::detail
