#include "runtime/runtime_api.hpp"

#include <cxxabi.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <utility>

#include <lambda/base64.hpp>
#include <lambda/json.hpp>
#include <lambda/log.hpp>

#include "http/chars.hpp"

namespace lambda::detail {
namespace {

constexpr std::string_view next_path = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view invocation_path = "/2018-06-01/runtime/invocation/";
constexpr std::string_view init_error_path = "/2018-06-01/runtime/init/error";
constexpr std::string_view streamed_call = "POST /response (streamed)";
constexpr std::string_view user_agent = "lambda-ric-cpp/" LAMBDA_RIC_VERSION;
constexpr std::size_t max_request_id = 256;
constexpr std::size_t max_quoted_answer = 256;

// Epoch milliseconds; a value past int64 saturates (it is "no deadline" in practice), junk is absent.
std::int64_t parse_deadline(std::string_view text) {
  constexpr auto latest = std::numeric_limits<std::int64_t>::max();
  std::uint64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (text.empty() || end != text.data() + text.size()) return 0;
  if (ec == std::errc::result_out_of_range || ms > static_cast<std::uint64_t>(latest)) return latest;
  return static_cast<std::int64_t>(ms);
}

std::string status_reason(std::string_view call, std::string_view id, const http::response& answer) {
  std::string reason(call);
  if (!id.empty()) reason.append(" for ").append(id);
  reason.append(" answered ").append(std::to_string(answer.status));
  if (!answer.body.empty()) reason.append(": ").append(answer.body.substr(0, max_quoted_answer));
  return reason;
}

// The invocation from /next's headers. What must outlive the receive buffer is copied into the
// ticket (no allocation once its strings have grown); the rest views the buffer.
void read_invocation(const http::response& answer, ticket& kept, invocation& out) {
  kept.request_id.assign(answer.header("Lambda-Runtime-Aws-Request-Id"));
  kept.invocation_id.assign(answer.header("Lambda-Runtime-Invocation-Id"));
  kept.tenant_id.assign(answer.header("Lambda-Runtime-Aws-Tenant-Id"));
  kept.trace_id.assign(answer.header("Lambda-Runtime-Trace-Id"));
  context& ctx = out.ctx;
  ctx.request_id = kept.request_id;
  ctx.invocation_id = kept.invocation_id;
  ctx.tenant_id = kept.tenant_id;
  ctx.trace_id = kept.trace_id;
  ctx.invoked_function_arn = answer.header("Lambda-Runtime-Invoked-Function-Arn");
  ctx.client_context = answer.header("Lambda-Runtime-Client-Context");
  ctx.cognito_identity = answer.header("Lambda-Runtime-Cognito-Identity");
  ctx.content_type = answer.header("Content-Type");
  ctx.deadline_ms = parse_deadline(answer.header("Lambda-Runtime-Deadline-Ms"));
}

// Why an event that arrived with a whole head could not be read, as a Runtime.* error type.
std::string_view unreadable_event_type(http::error_kind error) {
  switch (error) {
    case http::error_kind::too_large: return "Runtime.EventTooLarge";
    case http::error_kind::malformed: return "Runtime.MalformedEvent";
    default: return "Runtime.IncompleteEvent";
  }
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_letter(char c) { return is_upper(c) || is_lower(c); }
char to_upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

// The name after "Function." or "Runtime." as the platform accepts it: [A-Z][a-zA-Z]+.
bool is_platform_error_name(std::string_view name) {
  if (name.size() < 2 || !is_upper(name[0])) return false;
  for (char c : name) if (!is_letter(c)) return false;
  return true;
}

std::string_view platform_prefix(std::string_view type) {
  for (std::string_view prefix : {"Function.", "Runtime."}) {
    if (type.starts_with(prefix)) return prefix;
  }
  return {};
}

// The last component of a qualified name without template arguments: "ns::bad_thing<int>" → "bad_thing".
std::string_view unqualified(std::string_view type) {
  if (auto angle = type.find('<'); angle != std::string_view::npos) type = type.substr(0, angle);
  if (auto colon = type.rfind(':'); colon != std::string_view::npos) type = type.substr(colon + 1);
  return type;
}

// "runtime_error" → "RuntimeError": letters only, each word capitalised.
void append_camel_case(std::string& out, std::string_view name) {
  bool word_start = true;
  for (char c : name) {
    if (!is_letter(c)) {
      word_start = true;
      continue;
    }
    out.push_back(word_start ? to_upper(c) : c);
    word_start = false;
  }
}

std::string type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> readable(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && readable ? std::string(readable.get()) : std::string(type.name());
}

// {"errorMessage": ..., "errorType": ..., "stackTrace": []}
void append_error_body(std::string& out, std::string_view error_type, std::string_view message) {
  json::writer w(out);
  w.begin_object();
  w.key("errorMessage").value(message);
  w.key("errorType").value(error_type);
  w.key("stackTrace").begin_array().end_array();
  w.end_object();
}

}  // namespace

bool is_valid_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_request_id) return false;
  for (char c : id) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (!unreserved) return false;
  }
  return true;
}

error_description describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return {type_name(typeid(e)), e.what()};
  } catch (...) {
    const std::type_info* thrown = abi::__cxa_current_exception_type();
    std::string type = thrown ? type_name(*thrown) : std::string("unknown");
    return {type, "a value of type " + type + " was thrown"};
  }
}

void append_error_type_header(std::string& out, std::string_view error_type) {
  std::string_view prefix = platform_prefix(error_type);
  std::string_view name = prefix.empty() ? unqualified(error_type) : error_type.substr(prefix.size());
  if (!prefix.empty() && is_platform_error_name(name)) {
    out.append(error_type);
    return;
  }
  out.append(prefix.empty() ? std::string_view("Function.") : prefix);
  const auto start = out.size();
  append_camel_case(out, name);
  // One letter or none would still be refused: say it is unknown rather than lose the prefix.
  if (!is_platform_error_name(std::string_view(out).substr(start))) {
    out.resize(start);
    out.append("Unknown");
  }
}

runtime_api::runtime_api(const http::endpoint& endpoint, const http::connection_options& options)
    : connection_(endpoint, options) {}

api_result runtime_api::next(invocation& out) {
  const http::header headers[] = {{"User-Agent", user_agent}};
  const http::request request{.method = "GET", .target = next_path, .headers = headers, .interruptible = true};
  out = {};
  const http::result sent = connection_.send(request, answer_);
  if (!sent && answer_.status == 0) {
    // No invocation is known: nothing was received, or not a whole head.
    if (sent.error == http::error_kind::interrupted) return {api_status::interrupted, {}, {}};
    auto status = sent.error == http::error_kind::connect_failed ? api_status::fatal : api_status::poll_failed;
    return {status, "GET /next: " + sent.message, {}};
  }
  if (answer_.status != 200) {
    if (!sent) return {api_status::poll_failed, "GET /next: " + sent.message, {}};
    return {api_status::fatal, status_reason("GET /next", {}, answer_), {}};
  }

  read_invocation(answer_, ticket_, out);
  if (!is_valid_request_id(out.ctx.request_id)) {
    std::string reason = "GET /next gave an invocation with ";
    reason.append(out.ctx.request_id.empty() ? "no request id" : "an invalid request id");
    return {api_status::skipped, reason.append(": it cannot be answered"), {}};
  }
  if (!sent) {
    // The head arrived whole but the event did not: the invocation is known, so it is failed, not lost.
    return {api_status::unreadable, "GET /next: " + sent.message, unreadable_event_type(sent.error)};
  }
  out.event = answer_.body;
  return {};
}

api_result runtime_api::respond(std::string_view payload, std::string_view content_type) {
  if (!http::chars::all_field_bytes(content_type)) {
    // It cannot go into a header; failing the invocation is better than leaving it unanswered.
    return fail("Runtime.InvalidContentType", "the handler's content type holds control characters (CR, LF, ...)");
  }
  target_.assign(invocation_path).append(ticket_.request_id).append("/response");
  return post("POST /response", payload, content_type, {});
}

api_result runtime_api::fail(std::string_view error_type, std::string_view message) {
  // One ERROR record per failed invocation, with the fields AWS's own runtimes log.
  log::error("invocation failed").field("errorType", error_type).field("errorMessage", message);
  return post_error(error_type, message);
}

api_result runtime_api::fail_for(std::string_view request_id, std::string_view error_type, std::string_view message) {
  ticket_ = {};
  ticket_.request_id.assign(request_id);
  return post_error(error_type, message);
}

api_result runtime_api::post_error(std::string_view error_type, std::string_view message) {
  error_body_.clear();
  append_error_body(error_body_, error_type, message);
  target_.assign(invocation_path).append(ticket_.request_id).append("/error");
  return post("POST /error", error_body_, "application/json", error_type);
}

api_result runtime_api::init_error(std::string_view error_type, std::string_view message) {
  ticket_ = {};
  error_body_.clear();
  append_error_body(error_body_, error_type, message);
  target_.assign(init_error_path);
  return post("POST /init/error", error_body_, "application/json", error_type);
}

// The request's views are into this object's own strings, but for the body, which may be the
// event itself (a borrowed answer): the connection writes the request before it reads over the
// receive buffer.
api_result runtime_api::post(std::string_view call, std::string_view body, std::string_view content_type,
                             std::string_view error_type) {
  http::header headers[4] = {{"User-Agent", user_agent}, {"Content-Type", content_type}};
  std::size_t count = 2;
  if (!error_type.empty()) {
    error_type_.clear();
    append_error_type_header(error_type_, error_type);
    headers[count++] = {"Lambda-Runtime-Function-Error-Type", error_type_};
  }
  if (!ticket_.invocation_id.empty()) headers[count++] = {"Lambda-Runtime-Invocation-Id", ticket_.invocation_id};

  const http::request request{.method = "POST", .target = target_,
                              .headers = std::span(headers, count), .body = body};
  return answered(call, connection_.send(request, answer_));
}

// What a post came to: sent and answered 2xx, refused (4xx), or the Runtime API is gone.
api_result runtime_api::answered(std::string_view call, const http::result& sent) const {
  if (!sent) return not_sent(call, sent);
  if (answer_.status >= 200 && answer_.status < 300) return {};
  auto status = answer_.status >= 500 ? api_status::fatal : api_status::rejected;
  return {status, status_reason(call, ticket_.request_id, answer_), {}};
}

api_result runtime_api::not_sent(std::string_view call, const http::result& sent) const {
  auto status = sent.error == http::error_kind::connect_failed ? api_status::fatal : api_status::rejected;
  std::string reason(call);
  if (!ticket_.request_id.empty()) reason.append(" for ").append(ticket_.request_id);
  return {status, reason.append(": ").append(sent.message), {}};
}

api_result runtime_api::stream_begin(std::string_view content_type) {
  stream_broken_.reset();
  target_.assign(invocation_path).append(ticket_.request_id).append("/response");
  http::header headers[5] = {
      {"User-Agent", user_agent},
      {"Content-Type", content_type},
      {"Lambda-Runtime-Function-Response-Mode", "streaming"},
      {"Trailer", "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"}};
  std::size_t count = 4;
  if (!ticket_.invocation_id.empty()) headers[count++] = {"Lambda-Runtime-Invocation-Id", ticket_.invocation_id};
  const http::request request{.method = "POST", .target = target_, .headers = std::span(headers, count)};
  if (auto begun = connection_.begin_chunked(request); !begun) return stream_failed(begun);
  return {};
}

api_result runtime_api::stream_write(std::span<const std::string_view> pieces) {
  if (stream_broken_) return *stream_broken_;
  if (auto sent = connection_.send_chunk(pieces); !sent) return stream_failed(sent);
  return {};
}

api_result runtime_api::stream_end(const error_description* error) {
  if (stream_broken_) return *std::exchange(stream_broken_, std::nullopt);
  http::header trailers[2];
  std::size_t count = 0;
  if (error) {
    // One ERROR record per failed invocation, as fail() writes it.
    log::error("invocation failed").field("errorType", error->type).field("errorMessage", error->message);
    error_type_.clear();
    append_error_type_header(error_type_, error->type);
    error_body_.clear();
    append_error_body(error_body_, error->type, error->message);
    error_trailer_.clear();
    base64::append_encoded(error_trailer_, error_body_);
    trailers[count++] = {"Lambda-Runtime-Function-Error-Type", error_type_};
    trailers[count++] = {"Lambda-Runtime-Function-Error-Body", error_trailer_};
  }
  return answered(streamed_call, connection_.finish_chunked(std::span(trailers, count), answer_));
}

api_result runtime_api::stream_failed(const http::result& failed) {
  stream_broken_ = not_sent(streamed_call, failed);
  return *stream_broken_;
}

}  // namespace lambda::detail
