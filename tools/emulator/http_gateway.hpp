// The emulator's --http front door speaks API Gateway HTTP API, payload format 2.0, as
// `sam local start-api` and `cargo lambda watch` do: a plain HTTP request becomes the event API
// Gateway would send the function, and the function's answer becomes the HTTP answer API Gateway
// would give the client.
//
//   curl 'http://127.0.0.1:9000/hello?lang=fr' -H 'Cookie: a=1' -d '{"name":"ada"}'
//
// reaches the function as {"version":"2.0","routeKey":"$default","rawPath":"/hello",
// "rawQueryString":"lang=fr","cookies":["a=1"],"headers":{...},"queryStringParameters":
// {"lang":"fr"},"requestContext":{...},"body":"{\"name\":\"ada\"}","isBase64Encoded":false}.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <lambda/json.hpp>

#include "http_server.hpp"
#include "runtime_api_server.hpp"

namespace lambda::emulator {

// What API Gateway adds to a request of its own: requestContext's id and time, and the
// x-forwarded-* and x-amzn-trace-id headers.
struct gateway_context {
  std::string request_id;
  std::int64_t epoch_ms = 0;
  std::string source_ip = "127.0.0.1";
  std::uint16_t port = 0;
  std::string trace_id;
};

// The HTTP API event for `request`. Header names are lower-cased and repeated headers joined
// with commas; Cookie headers go to "cookies", one entry per cookie, not to "headers";
// repeated query parameters are joined with commas, and a parameter without '=' is left out.
// The body is passed as it is when it is valid UTF-8 with a text content type (text/*, JSON,
// XML, JavaScript or a form), else base64-encoded with isBase64Encoded true; an empty body is
// left out.
std::string http_api_event(const received_request& request, const gateway_context& context);

// API Gateway HTTP API's longest wait for its integration's answer.
inline constexpr auto integration_timeout = std::chrono::seconds(30);

// An HTTP answer: its status, raw "Name: value\r\n" header lines, and body.
struct http_answer {
  int status = 200;
  std::string header_lines;
  std::string body;
  std::string problem;  // why a function's answer became a 500, for the user; empty otherwise
};

// Appends "name: value\r\n", unless the name is not an HTTP token or the value holds a control
// character: either could break the head.
void append_header_line(std::string& out, std::string_view name, std::string_view value);

// The "headers" (string values only, one line each) and "cookies" (one Set-Cookie line each) of
// an HTTP API answer or a Function URL prelude, as append_header_line writes them.
std::string http_header_lines(const json::value& answer);

// What API Gateway makes of a finished invocation. An object with a "statusCode" (an integer
// from 100 to 599) gives that status, its headers and cookies, and its "body" (base64-decoded
// when "isBase64Encoded" is true); any other valid JSON is a 200 application/json answer with
// that JSON as its body. A failed or timed-out invocation, or an answer that is not JSON or is
// malformed so, is 500 {"message":"Internal Server Error"}. A streamed answer that reaches this
// (its head was never sent: it had no byte) is passed on as it is.
http_answer http_api_answer(const invocation& done);

// API Gateway's answer when its integration did not answer within its 30 s limit.
http_answer http_api_timeout_answer();

}  // namespace lambda::emulator
