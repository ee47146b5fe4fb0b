// Streamed HTTP answers for Lambda function URLs and API Gateway (response streaming): the
// status, headers and cookies go first, in a prelude, and the stream's writes are the body.
//
//   #include <lambda/http_stream.hpp>
//
//   lambda::run([](std::string_view, const lambda::context&, lambda::response_stream& out) {
//     lambda::begin_http_response(out, {200, {{"content-type", "text/html"}}, {"seen=1; Path=/"}});
//     out.write("<!doctype html><p>Hello</p>");
//   });
//
// <lambda/http.hpp> streams an http_response's head the same way (begin_http_response(out, response)).
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lambda/runtime.hpp>

namespace lambda {

// The content type that tells a function URL or API Gateway the body starts with a prelude.
inline constexpr std::string_view http_integration_content_type =
    "application/vnd.awslambda.http-integration-response";

// The head of the HTTP answer the client gets.
struct http_response_head {
  int status_code = 200;
  std::vector<std::pair<std::string, std::string>> headers{};  // name, value
  std::vector<std::string> cookies{};  // Set-Cookie values, e.g. "id=7; Path=/; HttpOnly"
};

// Starts `out` as an HTTP answer: sets its content type to http_integration_content_type and
// writes the prelude, the JSON {"statusCode", "headers", "cookies"} then 8 NUL bytes. What is
// written next is the body the client gets. Call it before the answer starts, as
// set_content_type (std::logic_error otherwise).
void begin_http_response(response_stream& out, const http_response_head& head);

}  // namespace lambda
