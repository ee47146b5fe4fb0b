// The Lambda Runtime API over one keep-alive HTTP connection: next, respond, fail, init error,
// and how a failure is described to it.
#pragma once

#include <exception>
#include <optional>
#include <span>
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

// The type and message of the exception being handled (call only inside a catch block);
// non-std::exception throws are described by their type too.
struct error_description {
  std::string type;
  std::string message;
};
error_description describe_current_exception();

class runtime_api {
 public:
  runtime_api(const http::endpoint& endpoint, const http::connection_options& options);

  // Waits for the next invocation. On ok and unreadable, `out` describes it until the next call.
  api_result next(invocation& out);
  // Answer the invocation the last next() gave; fail() also logs one ERROR record.
  api_result respond(std::string_view payload, std::string_view content_type);
  api_result fail(std::string_view error_type, std::string_view message);

  api_result init_error(std::string_view error_type, std::string_view message);
  // Fails an invocation this connection did not receive (one a dead worker held), logging nothing.
  api_result fail_for(std::string_view request_id, std::string_view error_type, std::string_view message);

  // A streamed answer to the invocation in hand (Response-Mode streaming, a chunked body):
  // stream_begin() prepares the POST, whose head goes out with the first stream_write();
  // stream_end() ends it, with the error trailers when `error` is given (logging the failure
  // as fail() does), and reads the platform's answer. After a failed call, only stream_end()
  // remains, and it reports that failure.
  api_result stream_begin(std::string_view content_type);
  api_result stream_write(std::span<const std::string_view> pieces);
  api_result stream_end(const error_description* error);

  // Ends a long poll in progress, and makes every later one end at once; posts are never cut.
  // Async-signal-safe, callable from any thread.
  void interrupt() noexcept { connection_.interrupt(); }

 private:
  api_result post(std::string_view call, std::string_view body, std::string_view content_type,
                  std::string_view error_type);
  api_result post_error(std::string_view error_type, std::string_view message);
  api_result answered(std::string_view call, const http::result& sent) const;
  api_result not_sent(std::string_view call, const http::result& sent) const;
  api_result stream_failed(const http::result& failed);

  http::connection connection_;
  http::response answer_;
  ticket ticket_;
  std::string target_;       // reused request paths
  std::string error_body_;   // reused JSON error bodies
  std::string error_type_;   // reused Lambda-Runtime-Function-Error-Type values
  std::string error_trailer_;  // reused base64 error bodies for a stream's trailer
  std::optional<api_result> stream_broken_;  // why the stream in progress failed
};

// Request ids go into a URL path: only RFC 3986 unreserved characters are allowed.
bool is_valid_request_id(std::string_view id) noexcept;


// The Lambda-Runtime-Function-Error-Type value for an error type. The platform keeps only
// values matching (Runtime|Function)\.[A-Z][a-zA-Z]+ and records the rest as Runtime.Unknown,
// so "std::runtime_error" becomes "Function.RuntimeError"; a valid value is kept as it is.
void append_error_type_header(std::string& out, std::string_view error_type);

}  // namespace lambda::detail
