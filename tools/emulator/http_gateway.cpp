#include "http_gateway.hpp"

#include <lambda/base64.hpp>

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include "events/http_text.hpp"
#include "json/utf8.hpp"
#include "reports.hpp"

namespace lambda::emulator {
namespace {

// Names and values in first-seen order, a repeated name's values joined with commas.
class joined_fields {
 public:
  void add(std::string name, std::string_view value) {
    for (auto& [known, values] : fields_) {
      if (known == name) {
        values.append(",").append(value);
        return;
      }
    }
    fields_.emplace_back(std::move(name), std::string(value));
  }
  bool has(std::string_view name) const {
    for (const auto& field : fields_) {
      if (field.first == name) return true;
    }
    return false;
  }
  bool empty() const noexcept { return fields_.empty(); }
  void write(json::writer& w) const {
    w.begin_object();
    for (const auto& [name, value] : fields_) w.key(name).value(value);
    w.end_object();
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = events::ascii_lower(c);
  return out;
}

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string percent_decoded(std::string_view text) {
  std::string out(text.size(), '\0');
  out.resize(events::percent_decode(text, true, out.data()));
  return out;
}

bool is_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    if (bytes[i] < 0x80) {
      ++i;
      continue;
    }
    auto sequence = json::detail::check_utf8(bytes + i, text.size() - i);
    if (sequence.verdict != json::detail::utf8_verdict::valid) return false;
    i += sequence.length;
  }
  return true;
}

bool ends_with(std::string_view text, std::string_view end) {
  return text.size() >= end.size() && text.substr(text.size() - end.size()) == end;
}

// API Gateway passes text as it is and base64-encodes anything else.
bool is_text_type(std::string_view content_type) {
  std::string type = lower(trim(content_type.substr(0, content_type.find(';'))));
  if (type.starts_with("text/")) return true;
  for (std::string_view subtype : {"/json", "/xml", "/javascript", "/x-www-form-urlencoded", "+json", "+xml"}) {
    if (ends_with(type, subtype)) return true;
  }
  return false;
}

// "10/Mar/2024:13:40:52 +0000", requestContext.time's format.
std::string clf_time(std::int64_t epoch_ms) {
  std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  std::size_t size = std::strftime(text, sizeof text, "%d/%b/%Y:%H:%M:%S +0000", &utc);
  return std::string(text, size);
}

joined_fields query_parameters(std::string_view query) {
  joined_fields out;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    auto equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    out.add(percent_decoded(pair.substr(0, equals)), percent_decoded(pair.substr(equals + 1)));
  }
  return out;
}

void write_request_context(json::writer& w, const received_request& request, std::string_view path,
                           const gateway_context& context, std::string_view domain) {
  w.key("requestContext").begin_object();
  w.key("accountId").value("123456789012");
  w.key("apiId").value("local");
  w.key("domainName").value(domain);
  w.key("domainPrefix").value(domain.substr(0, domain.find('.')));
  w.key("http").begin_object()
      .key("method").value(request.method)
      .key("path").value(path)
      .key("protocol").value("HTTP/1.1")
      .key("sourceIp").value(context.source_ip)
      .key("userAgent").value(request.header("User-Agent"))
      .end_object();
  w.key("requestId").value(context.request_id);
  w.key("routeKey").value("$default");
  w.key("stage").value("$default");
  w.key("time").value(clf_time(context.epoch_ms));
  w.key("timeEpoch").value(context.epoch_ms);
  w.end_object();
}

http_answer internal_server_error(std::string problem) {
  return {500, std::string(json_content_type), R"({"message":"Internal Server Error"})", std::move(problem)};
}

// The answer of a function that returned an object with a statusCode.
http_answer structured_answer(const json::document& answer) {
  auto status = answer["statusCode"].get_int();
  if (!status || *status < 100 || *status > 599) {
    return internal_server_error("the answer's statusCode is not an HTTP status");
  }
  http_answer out{static_cast<int>(*status), http_header_lines(answer.root()), {}, {}};
  json::value body = answer["body"];
  if (!body) return out;
  auto text = body.get_string();
  if (!text) return internal_server_error("the answer's body is not a string");
  if (!answer["isBase64Encoded"].get_bool().value_or(false)) {
    out.body = std::move(text.value);
  } else if (!base64::append_decoded(out.body, *text)) {
    return internal_server_error("the answer's body is flagged isBase64Encoded but is not base64");
  }
  return out;
}

}  // namespace

std::string http_api_event(const received_request& request, const gateway_context& context) {
  std::string_view target = request.target;
  auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  joined_fields headers;
  std::vector<std::string_view> cookies;
  for (const http::header& h : request.headers) {
    std::string name = lower(h.name);
    if (name != "cookie") {
      headers.add(std::move(name), h.value);
      continue;
    }
    for (std::string_view rest = h.value; !rest.empty();) {
      std::string_view cookie = rest.substr(0, rest.find(';'));
      rest.remove_prefix(std::min(rest.size(), cookie.size() + 1));
      if (!trim(cookie).empty()) cookies.push_back(trim(cookie));
    }
  }
  auto add_if_absent = [&](std::string_view name, std::string_view value) {
    if (!value.empty() && !headers.has(name)) headers.add(std::string(name), value);
  };
  add_if_absent("x-forwarded-for", context.source_ip);
  add_if_absent("x-forwarded-port", std::to_string(context.port));
  add_if_absent("x-forwarded-proto", "http");
  add_if_absent("x-amzn-trace-id", context.trace_id);
  std::string_view host = request.header("Host");
  std::string_view domain = host.empty() ? std::string_view("localhost") : host.substr(0, host.rfind(':'));

  std::string out;
  json::writer w(out);
  w.begin_object();
  w.key("version").value("2.0");
  w.key("routeKey").value("$default");
  w.key("rawPath").value(path);
  w.key("rawQueryString").value(query);
  if (!cookies.empty()) {
    w.key("cookies").begin_array();
    for (std::string_view cookie : cookies) w.value(cookie);
    w.end_array();
  }
  w.key("headers");
  headers.write(w);
  if (joined_fields parameters = query_parameters(query); !parameters.empty()) {
    w.key("queryStringParameters");
    parameters.write(w);
  }
  write_request_context(w, request, path, context, domain);
  bool as_text = is_text_type(request.header("Content-Type")) && is_utf8(request.body);
  if (!request.body.empty()) {
    w.key("body");
    if (as_text) {
      w.value(request.body);
    } else {
      w.value(base64::encode(request.body));
    }
  }
  w.key("isBase64Encoded").value(!request.body.empty() && !as_text);
  w.end_object();
  return out;
}

void append_header_line(std::string& out, std::string_view name, std::string_view value) {
  if (!events::is_token(name) || !events::is_field_value(value)) return;
  out.append(name).append(": ").append(value).append("\r\n");
}

std::string http_header_lines(const json::value& answer) {
  std::string lines;
  std::string name, scratch;
  for (const json::member& header : answer["headers"].members()) {
    auto value = header.value.get_string(scratch);
    if (!value) continue;
    name = header.key();
    append_header_line(lines, name, *value);
  }
  for (json::value cookie : answer["cookies"].elements()) {
    if (auto value = cookie.get_string(scratch)) append_header_line(lines, "Set-Cookie", *value);
  }
  return lines;
}

http_answer http_api_answer(const invocation& done) {
  outcome result = outcome_of(done);
  if (!result.ok) return internal_server_error({});
  const post& answer = *done.answer;
  if (answer.streamed) {
    http_answer out{200, {}, answer.body, {}};
    append_header_line(out.header_lines, "Content-Type", answer.content_type.empty() ? "application/json" : answer.content_type);
    return out;
  }
  json::document doc(answer.body);
  if (!doc) return internal_server_error("the answer is not JSON");
  if (doc.root().kind() == json::value_kind::object && doc["statusCode"]) return structured_answer(doc);
  return {200, std::string(json_content_type), answer.body, {}};
}

http_answer http_api_timeout_answer() {
  return {503, std::string(json_content_type), R"({"message":"Service Unavailable"})", {}};
}

}  // namespace lambda::emulator
