// One HTTP handler for every HTTP source: API Gateway REST (v1) and HTTP APIs (v2), Application
// Load Balancers and Lambda function URLs. The event becomes an http_request; the http_response
// the handler returns is written in the shape the source expects.
//
//   #include <lambda/http.hpp>
//
//   int main() {
//     return lambda::run_concurrent(lambda::http_handler([](const lambda::http_request& req, const lambda::context&) {
//       const auto name = req.query("name");  // percent-decoded; nullopt when absent
//       return lambda::http_response(200)
//           .header("content-type", "text/plain")
//           .cookie("seen=1; Path=/")
//           .body("hello " + std::string(name.value_or("world")));
//     }));
//   }
//
//   // Streamed: the head goes first in the function URL prelude, then each write.
//   lambda::run(lambda::http_streaming_handler(
//       [](const lambda::http_request&, const lambda::context&, lambda::response_stream& out) {
//         lambda::begin_http_response(out, lambda::http_response(200).header("content-type", "text/plain"));
//         out.write("part 1\n");
//       }));
//
// Public headers compile as C++17; the library itself is built as C++20.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <lambda/events.hpp>
#include <lambda/http_stream.hpp>
#include <lambda/runtime.hpp>

namespace lambda {

enum class http_source : std::uint8_t {
  apigw_v1,      // API Gateway REST API proxy integration, or an HTTP API with payload format 1.0
  apigw_v2,      // API Gateway HTTP API, payload format 2.0
  alb,           // Application Load Balancer target group
  function_url,  // Lambda function URL (the 2.0 shape, told apart by its domain name)
};

// "apigw_v1", "apigw_v2", "alb" or "function_url".
std::string_view to_string(http_source source) noexcept;

// A header, query parameter, cookie, path parameter or authorizer claim: a name and one value.
struct http_field {
  std::string_view name;
  std::string_view value;
};

namespace detail {

// Where an http_request keeps the text it had to decode: blocks that never move, so views into
// them stay valid when the request is moved.
class http_arena {
 public:
  http_arena() = default;
  http_arena(http_arena&& other) noexcept
      : blocks_(std::move(other.blocks_)), free_(std::exchange(other.free_, nullptr)),
        left_(std::exchange(other.left_, 0)) {}
  http_arena& operator=(http_arena&& other) noexcept {
    blocks_ = std::move(other.blocks_);
    free_ = std::exchange(other.free_, nullptr);
    left_ = std::exchange(other.left_, 0);
    return *this;
  }

  std::string_view store(std::string_view text);
  char* allocate(std::size_t bytes);

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* free_ = nullptr;
  std::size_t left_ = 0;
};

}  // namespace detail

// An HTTP request as any of the sources sends it. Every text is a view: into the event where it
// could be read as it is, else into the request's own storage (unescaped, percent-decoded,
// base64-decoded). The event's bytes must outlive the request, as they do in a handler. Move-only.
class http_request {
 public:
  // Reads an event of any source. Throws malformed_event when it is not JSON, not an object, has
  // no method or path, or flags a body as base64 that is not.
  static http_request parse(std::string_view event);

  http_source source() const noexcept { return source_; }
  // ALB only: the target group sends (and expects back) multi-value headers and queries.
  bool multi_value() const noexcept { return multi_value_; }

  std::string_view method() const noexcept { return method_; }
  // As the source gives it: v1 `path`, v2 and function URL `rawPath`, ALB `path`.
  std::string_view path() const noexcept { return path_; }
  // Without '?'. v2 and function URL: rawQueryString; ALB: rebuilt from the parameters as they
  // came (still encoded); v1: rebuilt from the decoded parameters, percent-encoded again.
  std::string_view raw_query() const noexcept { return raw_query_; }

  // Percent-decoded ('+' is a space where the source leaves decoding to us), in order; a name
  // given twice appears twice.
  const std::vector<http_field>& query_parameters() const noexcept { return query_; }
  std::optional<std::string_view> query(std::string_view name) const noexcept;  // the first value
  std::vector<std::string_view> query_all(std::string_view name) const;

  // Names as sent, compared without regard to case. Each value is one field line; v2 and
  // function URLs join repeated headers with commas into one value, and those are left joined.
  const std::vector<http_field>& headers() const noexcept { return headers_; }
  std::optional<std::string_view> header(std::string_view name) const noexcept;  // the first value
  std::vector<std::string_view> header_all(std::string_view name) const;

  // From the v2 `cookies` array, or the Cookie header lines of the others.
  const std::vector<http_field>& cookies() const noexcept { return cookies_; }
  std::optional<std::string_view> cookie(std::string_view name) const noexcept;

  // The body's bytes, base64-decoded when the source flagged it; empty when there is none.
  std::string_view body() const noexcept { return body_was_base64_ ? std::string_view(decoded_body_) : body_; }
  bool body_was_base64() const noexcept { return body_was_base64_; }

  // API Gateway's route parameters (none for ALB and function URLs).
  const std::vector<http_field>& path_parameters() const noexcept { return path_parameters_; }
  std::optional<std::string_view> path_parameter(std::string_view name) const noexcept;
  std::string_view stage() const noexcept { return stage_; }  // API Gateway only

  // The client's address: identity.sourceIp (v1), http.sourceIp (v2, function URL), the first
  // X-Forwarded-For entry (ALB).
  std::string_view source_ip() const noexcept { return source_ip_; }
  // API Gateway's or the function URL's request id (ALB sends none: empty).
  std::string_view request_id() const noexcept { return request_id_; }
  std::string_view domain_name() const noexcept { return domain_name_; }

  // The authorizer's claims: a Cognito (v1) or JWT (v2) authorizer's claims, a Lambda
  // authorizer's context, or a function URL's IAM caller. String values unescaped, others as
  // their JSON text. authorizer_json() is the whole requestContext.authorizer object ("" if none).
  const std::vector<http_field>& claims() const noexcept { return claims_; }
  std::optional<std::string_view> claim(std::string_view name) const noexcept;
  std::string_view authorizer_json() const noexcept { return authorizer_json_; }

 private:
  friend class http_request_reader;

  http_source source_ = http_source::apigw_v1;
  bool multi_value_ = false;
  bool body_was_base64_ = false;
  std::string_view method_, path_, raw_query_, body_, stage_, source_ip_, request_id_, domain_name_,
      authorizer_json_;
  std::vector<http_field> query_, headers_, cookies_, path_parameters_, claims_;
  detail::http_arena arena_;
  std::string decoded_body_;  // read through body(), never viewed: a short string moves its bytes
};

// How a response's body is sent: as text, or base64 with isBase64Encoded. Automatic decides by
// content type: text/*, application/json, application/javascript, application/xml and any
// +json or +xml type are text, and so is a response without a content type; the rest is binary.
enum class http_body_encoding : std::uint8_t { automatic, text, binary };

// An HTTP answer, built in one expression:
//   lambda::http_response(404).header("content-type", "application/json").body(R"({"error":"no"})")
class http_response {
 public:
  http_response() = default;
  explicit http_response(int status) : status_(status) {}

  // Adds a header line; a name given twice is sent twice (or joined, where the source allows
  // one value). A Set-Cookie header is a cookie. Throws std::invalid_argument for a name that is
  // not a token or a value holding CR, LF or another control character.
  http_response& header(std::string_view name, std::string_view value) & {
    add_header(name, value);
    return *this;
  }
  http_response&& header(std::string_view name, std::string_view value) && {
    add_header(name, value);
    return std::move(*this);
  }
  // Adds a Set-Cookie value, e.g. "id=7; Path=/; HttpOnly".
  http_response& cookie(std::string_view set_cookie) & {
    add_cookie(set_cookie);
    return *this;
  }
  http_response&& cookie(std::string_view set_cookie) && {
    add_cookie(set_cookie);
    return std::move(*this);
  }
  http_response& body(std::string bytes) & {
    body_ = std::move(bytes);
    return *this;
  }
  http_response&& body(std::string bytes) && {
    body_ = std::move(bytes);
    return std::move(*this);
  }
  http_response& body(std::string_view bytes) & { return body(std::string(bytes)); }
  http_response&& body(std::string_view bytes) && { return std::move(body(std::string(bytes))); }
  http_response& body(const char* bytes) & { return body(std::string_view(bytes)); }
  http_response&& body(const char* bytes) && { return std::move(body(std::string_view(bytes))); }
  http_response& encoding(http_body_encoding e) & {
    encoding_ = e;
    return *this;
  }
  http_response&& encoding(http_body_encoding e) && {
    encoding_ = e;
    return std::move(*this);
  }
  http_response& status(int code) & {
    status_ = code;
    return *this;
  }
  http_response&& status(int code) && {
    status_ = code;
    return std::move(*this);
  }

  int status() const noexcept { return status_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }
  std::optional<std::string_view> header(std::string_view name) const noexcept;  // the first, any case
  const std::vector<std::string>& cookies() const noexcept { return cookies_; }
  const std::string& body() const noexcept { return body_; }
  // Whether the body goes out base64-encoded, by the encoding and the content type.
  bool is_binary() const noexcept;

  // The answer as `request`'s source expects it (its JSON): v1 headers and multiValueHeaders;
  // v2 and function URL headers and a cookies array; ALB statusDescription with headers, or
  // multiValueHeaders when the request came multi-valued. Cookies are Set-Cookie headers where
  // there is no cookies array (a single-value ALB answer can carry only the first).
  std::string to_json(const http_request& request) const;
  std::string to_json(http_source source, bool multi_value = false) const;
  void append_json(std::string& out, http_source source, bool multi_value = false) const;

  // The status, headers and cookies, for a streamed answer (begin_http_response below).
  http_response_head head() const;

 private:
  void add_header(std::string_view name, std::string_view value);
  void add_cookie(std::string_view set_cookie);

  int status_ = 200;
  http_body_encoding encoding_ = http_body_encoding::automatic;
  std::vector<std::pair<std::string, std::string>> headers_;  // never Set-Cookie: that is a cookie
  std::vector<std::string> cookies_;
  std::string body_;
};

namespace detail {

void begin_http_response_with_body(response_stream& out, const http_response& response);

// Parses the event, calls `f` and writes its answer in the source's shape.
template <class F>
response answer_http(F& f, std::string_view event, const context& ctx) {
  const http_request request = http_request::parse(event);
  if constexpr (std::is_invocable_v<F&, const http_request&, const context&>) {
    const http_response answer = f(request, ctx);
    return response(answer.to_json(request));
  } else {
    const http_response answer = f(request);
    return response(answer.to_json(request));
  }
}

}  // namespace detail

// Starts `out` as a streamed HTTP answer with `response`'s status, headers and cookies in the
// prelude (as begin_http_response of its head()), then writes the body it holds, if any; what is
// written next follows it. Streamed answers are always bytes: the body encoding does not apply.
// (A template only so that a braced head, begin_http_response(out, {404}), still means the
// http_response_head overload.)
template <class Response, std::enable_if_t<std::is_same_v<Response, http_response>, int> = 0>
void begin_http_response(response_stream& out, const Response& response) {
  detail::begin_http_response_with_body(out, response);
}

// A handler for run() and run_concurrent() from a function of (const http_request&, const
// context&) or (const http_request&) that returns an http_response. `f` may own move-only state.
// A malformed event fails the invocation (malformed_event); so does an exception `f` throws.
template <class F>
handler http_handler(F f) {
  static_assert(std::is_invocable_v<F&, const http_request&, const context&> ||
                    std::is_invocable_v<F&, const http_request&>,
                "http_handler needs a callable taking (const lambda::http_request&, const lambda::context&)");
  return handler([f = std::move(f)](std::string_view event, const context& ctx) mutable {
    return detail::answer_http(f, event, ctx);
  });
}

// A streaming handler from a function of (const http_request&, const context&, response_stream&):
// it starts its answer with begin_http_response, then writes the body.
template <class F>
streaming_handler http_streaming_handler(F f) {
  static_assert(std::is_invocable_v<F&, const http_request&, const context&, response_stream&>,
                "http_streaming_handler needs a callable taking (const lambda::http_request&, "
                "const lambda::context&, lambda::response_stream&)");
  return streaming_handler([f = std::move(f)](std::string_view event, const context& ctx, response_stream& out) mutable {
    const http_request request = http_request::parse(event);
    f(request, ctx, out);
  });
}

}  // namespace lambda
