#include "runtime/startup.hpp"

#include <cstdlib>

#include <lambda/log.hpp>

#include "runtime/error_report.hpp"

namespace lambda::detail {

bool start_up(http::endpoint& endpoint) {
  log::configure_from_environment();
  const char* address = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (address == nullptr || *address == '\0') {
    log::fatal("AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda bootstrap and must run "
               "under the Lambda Runtime API (or lambda-emulator)");
    return false;
  }
  std::string error;
  if (!http::parse_endpoint(address, endpoint, error)) {
    log::fatal("AWS_LAMBDA_RUNTIME_API is malformed: {}", error);
    return false;
  }
  return true;
}

void report_init_failure(runtime_api& api, std::string_view error_type, std::string_view message) {
  log::fatal("initialization failed: {}: {}", error_type, message);
  auto posted = api.init_error(error_type, message);
  if (posted.status != api_status::ok) log::error("{}", posted.reason);
}

bool build_handler(runtime_api& api, const handler_factory& make_handler, unsigned ric, handler& out) {
  try {
    out = make_handler(ric);
  } catch (...) {
    auto error = describe_current_exception();
    report_init_failure(api, error.type, error.message);
    return false;
  }
  if (!out) {
    report_init_failure(api, "Runtime.InvalidHandler", "the handler factory returned an empty handler");
    return false;
  }
  return true;
}

}  // namespace lambda::detail
