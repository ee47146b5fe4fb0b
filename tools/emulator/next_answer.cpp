#include "next_answer.hpp"

namespace lambda::emulator {
namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

}  // namespace

void append_next_headers(std::string& out, const event& e, std::string_view request_id,
                         std::int64_t deadline_ms, std::string_view default_function_arn) {
  if (e.content_type) append_header(out, "Content-Type", *e.content_type);
  append_header(out, "Lambda-Runtime-Aws-Request-Id", request_id);
  if (deadline_ms != 0) append_header(out, "Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms));
  append_header(out, "Lambda-Runtime-Invoked-Function-Arn",
                e.function_arn.empty() ? default_function_arn : e.function_arn);
  append_header(out, "Lambda-Runtime-Trace-Id", e.trace_id);
  append_header(out, "Lambda-Runtime-Client-Context", e.client_context);
  append_header(out, "Lambda-Runtime-Cognito-Identity", e.cognito_identity);
  append_header(out, "Lambda-Runtime-Aws-Tenant-Id", e.tenant_id);
  append_header(out, "Lambda-Runtime-Invocation-Id", e.invocation_id);
  out += e.extra_headers;
}

}  // namespace lambda::emulator
