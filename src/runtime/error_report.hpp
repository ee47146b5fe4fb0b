// How a failed invocation (or init) is described to the Runtime API.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace lambda::detail {

// The readable name of a type: "std::runtime_error", not "St13runtime_error".
std::string type_name(const std::type_info& type);

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

// Appends {"errorMessage": ..., "errorType": ..., "stackTrace": []} to out.
void append_error_body(std::string& out, std::string_view error_type, std::string_view message);

}  // namespace lambda::detail
