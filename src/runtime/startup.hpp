// What every entry point does first: logging, the Runtime API's address, the user's init.
#pragma once

#include <lambda/runtime.hpp>

#include "http/connection.hpp"
#include "runtime/runtime_api.hpp"

namespace lambda::detail {

// Configures logging and reads AWS_LAMBDA_RUNTIME_API. When it is missing or malformed, logs
// why (there is nowhere to post an init error) and returns false.
bool start_up(http::endpoint& endpoint);

// Builds RIC `ric`'s handler with the user's factory. If the factory throws or gives an empty
// handler, the failure is posted to /runtime/init/error and logged, and false is returned.
bool build_handler(runtime_api& api, const handler_factory& make_handler, unsigned ric, handler& out);

// Reports an init failure: posts it (a 403 from a concurrent RIC that was first is fine), logs it.
void report_init_failure(runtime_api& api, std::string_view error_type, std::string_view message);

}  // namespace lambda::detail
