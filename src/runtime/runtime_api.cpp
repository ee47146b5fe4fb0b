#include "runtime/runtime_api.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

#include <lambda/log.hpp>

#include "runtime/error_report.hpp"
#include "http/chars.hpp"

namespace lambda::detail {
namespace {

constexpr std::string_view next_path = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view invocation_path = "/2018-06-01/runtime/invocation/";
constexpr std::string_view init_error_path = "/2018-06-01/runtime/init/error";
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

// The context from /next's headers. Its views point into the answer's buffer.
void read_context(const http::response& answer, context& ctx) {
  ctx.request_id = answer.header("Lambda-Runtime-Aws-Request-Id");
  ctx.invoked_function_arn = answer.header("Lambda-Runtime-Invoked-Function-Arn");
  ctx.trace_id = answer.header("Lambda-Runtime-Trace-Id");
  ctx.client_context = answer.header("Lambda-Runtime-Client-Context");
  ctx.cognito_identity = answer.header("Lambda-Runtime-Cognito-Identity");
  ctx.tenant_id = answer.header("Lambda-Runtime-Aws-Tenant-Id");
  ctx.invocation_id = answer.header("Lambda-Runtime-Invocation-Id");
  ctx.content_type = answer.header("Content-Type");
  ctx.deadline_ms = parse_deadline(answer.header("Lambda-Runtime-Deadline-Ms"));
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

runtime_api::runtime_api(const http::endpoint& endpoint, const http::connection_options& options)
    : connection_(endpoint, options) {}

api_result runtime_api::next(invocation& out) {
  const http::header headers[] = {{"User-Agent", user_agent}};
  const http::request request{.method = "GET", .target = next_path, .headers = headers, .interruptible = true};
  out = {};
  if (auto sent = connection_.send(request, answer_); !sent) {
    switch (sent.error) {
      case http::error_kind::interrupted: return {api_status::interrupted, {}};
      case http::error_kind::connect_failed: return {api_status::fatal, "GET /next: " + sent.message};
      case http::error_kind::too_large:
        // The head arrived whole: the invocation can still be failed, so it is not lost.
        if (answer_.status != 200) break;
        read_context(answer_, out.ctx);
        if (!is_valid_request_id(out.ctx.request_id)) break;
        return {api_status::too_large, "GET /next: " + sent.message};
      default: break;
    }
    return {api_status::poll_failed, "GET /next: " + sent.message};
  }
  if (answer_.status != 200) return {api_status::fatal, status_reason("GET /next", {}, answer_)};

  read_context(answer_, out.ctx);
  out.event = answer_.body;
  if (!is_valid_request_id(out.ctx.request_id)) {
    std::string reason = "GET /next gave an invocation with ";
    reason.append(out.ctx.request_id.empty() ? "no request id" : "an invalid request id");
    return {api_status::skipped, reason.append(": it cannot be answered")};
  }
  return {};
}

api_result runtime_api::respond(const context& ctx, std::string_view payload, std::string_view content_type) {
  if (!http::chars::all_field_bytes(content_type)) {
    // It cannot go into a header; failing the invocation is better than leaving it unanswered.
    const std::string_view why = "the handler's content type holds control characters (CR, LF, ...)";
    log::error("invocation failed").field("errorType", "Runtime.InvalidContentType").field("errorMessage", why);
    return fail(ctx, "Runtime.InvalidContentType", why);
  }
  return post("/response", &ctx, payload, content_type, {});
}

api_result runtime_api::fail(const context& ctx, std::string_view error_type, std::string_view message) {
  error_body_.clear();
  append_error_body(error_body_, error_type, message);
  return post("/error", &ctx, error_body_, "application/json", error_type);
}

api_result runtime_api::init_error(std::string_view error_type, std::string_view message) {
  error_body_.clear();
  append_error_body(error_body_, error_type, message);
  return post({}, nullptr, error_body_, "application/json", error_type);
}

api_result runtime_api::post(std::string_view what, const context* ctx, std::string_view body,
                             std::string_view content_type, std::string_view error_type) {
  http::header headers[4] = {{"User-Agent", user_agent}, {"Content-Type", content_type}};
  std::size_t count = 2;
  if (!error_type.empty()) {
    error_type_.clear();
    append_error_type_header(error_type_, error_type);
    headers[count++] = {"Lambda-Runtime-Function-Error-Type", error_type_};
  }
  // The views in ctx die when the answer arrives, so copy what the reasons below quote.
  request_id_.assign(ctx ? ctx->request_id : std::string_view());
  if (ctx) {
    target_.assign(invocation_path).append(ctx->request_id).append(what);
    if (!ctx->invocation_id.empty()) headers[count++] = {"Lambda-Runtime-Invocation-Id", ctx->invocation_id};
  } else {
    target_.assign(init_error_path);
  }

  const std::string_view call = ctx ? (what == "/error" ? "POST /error" : "POST /response") : "POST /init/error";
  const http::request request{.method = "POST", .target = target_,
                              .headers = std::span(headers, count), .body = body};
  if (auto sent = connection_.send(request, answer_); !sent) {
    auto status = sent.error == http::error_kind::connect_failed ? api_status::fatal : api_status::rejected;
    std::string reason(call);
    if (ctx) reason.append(" for ").append(request_id_);
    return {status, reason.append(": ").append(sent.message)};
  }
  if (answer_.status >= 200 && answer_.status < 300) return {};
  auto status = answer_.status >= 500 ? api_status::fatal : api_status::rejected;
  return {status, status_reason(call, request_id_, answer_)};
}

}  // namespace lambda::detail
