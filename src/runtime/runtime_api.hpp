// The Lambda Runtime API over one keep-alive HTTP connection: next, respond, fail, init error.
#pragma once

#include <string>
#include <string_view>

#include <lambda/runtime.hpp>

#include "http/connection.hpp"

namespace lambda::detail {

// One event as the platform delivered it. Its views point into the connection's buffer and
// die at the next call on the same runtime_api.
struct invocation {
  std::string_view event;
  context ctx;
};

// How a Runtime API call ended, from the RIC loop's point of view.
enum class api_status {
  ok,
  rejected,     // a 4xx answer to a post (the invocation is settled; logged, the loop goes on)
  skipped,      // /next gave an invocation the runtime cannot answer (logged; wait for the next)
  poll_failed,  // /next broke in transport (connection cut mid-answer, malformed): poll again
  too_large,    // /next gave an invocation whose event is over the body limit: fail it
  interrupted,  // the long poll was ended by a stop request
  fatal,        // the Runtime API is gone or answered 500: the process must end
};

struct api_result {
  api_status status = api_status::ok;
  std::string reason;  // why, for rejected / skipped / fatal
};

class runtime_api {
 public:
  runtime_api(const http::endpoint& endpoint, const http::connection_options& options);

  api_result next(invocation& out);
  api_result respond(const context& ctx, std::string_view payload, std::string_view content_type);
  api_result fail(const context& ctx, std::string_view error_type, std::string_view message);
  api_result init_error(std::string_view error_type, std::string_view message);

  // Ends a long poll in progress, and every later one (thread-safe, for stop callbacks).
  void interrupt() noexcept { connection_.interrupt(); }

 private:
  api_result post(std::string_view what, const context* ctx, std::string_view body,
                  std::string_view content_type, std::string_view error_type);

  http::connection connection_;
  http::response answer_;
  std::string target_;       // reused request paths
  std::string error_body_;   // reused JSON error bodies
  std::string error_type_;   // reused Lambda-Runtime-Function-Error-Type values
  std::string request_id_;   // copy of the id being answered: the answer overwrites the event's buffer
};

// Request ids go into a URL path: only RFC 3986 unreserved characters are allowed.
bool is_valid_request_id(std::string_view id) noexcept;

}  // namespace lambda::detail
