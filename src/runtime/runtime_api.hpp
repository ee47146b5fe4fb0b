// The Lambda Runtime API over one keep-alive HTTP connection: next, respond, fail, init error,
// and how a failure is described to it.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include <lambda/runtime.hpp>

#include "http/connection.hpp"

namespace lambda::detail {

// What the runtime keeps of the invocation in hand: copies, because the answer's POST reuses the
// receive buffer that /next's headers were read into. They answer the invocation and tag its
// log records until the next poll.
struct ticket {
  std::string request_id;
  std::string invocation_id;
  std::string tenant_id;
  std::string trace_id;
};

// One event as the platform delivered it. `event` and the context's other views point into the
// connection's receive buffer and die when the answer is posted; request_id, invocation_id,
// tenant_id and trace_id view the runtime_api's ticket and live until the next poll.
struct invocation {
  std::string_view event;
  context ctx;
};

// How a Runtime API call ended, from the RIC loop's point of view.
enum class api_status {
  ok,
  rejected,     // a 4xx answer to a post (the invocation is settled; logged, the loop goes on)
  skipped,      // /next gave an invocation the runtime cannot answer (logged; wait for the next)
  poll_failed,  // /next broke in transport before an invocation was known: poll again
  unreadable,   // /next gave an invocation whose event could not be read whole: fail it
  interrupted,  // the long poll was ended by a stop
  fatal,        // the Runtime API is gone or answered 500: the process must end
};

struct api_result {
  api_status status = api_status::ok;
  std::string reason;            // why, for every status but ok and interrupted
  std::string_view error_type;   // for unreadable: the Runtime.* type to fail the invocation with
};

class runtime_api {
 public:
  runtime_api(const http::endpoint& endpoint, const http::connection_options& options);

  // Waits for the next invocation. On ok and unreadable, `out` describes it until the next call.
  api_result next(invocation& out);
  // Answer the invocation the last next() gave; fail() also logs one ERROR record.
  api_result respond(std::string_view payload, std::string_view content_type);
  api_result fail(std::string_view error_type, std::string_view message);

  api_result init_error(std::string_view error_type, std::string_view message);

  // Ends a long poll in progress, and makes every later one end at once; posts are never cut.
  // Async-signal-safe, callable from any thread.
  void interrupt() noexcept { connection_.interrupt(); }

 private:
  api_result post(std::string_view call, std::string_view body, std::string_view content_type,
                  std::string_view error_type);

  http::connection connection_;
  http::response answer_;
  ticket ticket_;
  std::string target_;       // reused request paths
  std::string error_body_;   // reused JSON error bodies
  std::string error_type_;   // reused Lambda-Runtime-Function-Error-Type values
};

// Request ids go into a URL path: only RFC 3986 unreserved characters are allowed.
bool is_valid_request_id(std::string_view id) noexcept;

// The type and message of the exception being handled (call only inside a catch block);
// non-std::exception throws are described by their type too.
struct error_description {
  std::string type;
  std::string message;
};
error_description describe_current_exception();

// The Lambda-Runtime-Function-Error-Type value for an error type. The platform keeps only
// values matching (Runtime|Function)\.[A-Z][a-zA-Z]+ and records the rest as Runtime.Unknown,
// so "std::runtime_error" becomes "Function.RuntimeError"; a valid value is kept as it is.
void append_error_type_header(std::string& out, std::string_view error_type);

}  // namespace lambda::detail
