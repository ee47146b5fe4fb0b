// Writing an http_response in the shape each HTTP source expects, or as a streamed answer's head.
#include <lambda/base64.hpp>
#include <lambda/http.hpp>
#include <lambda/json.hpp>

#include "events/http_text.hpp"

namespace lambda {
namespace {

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Entity";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
  }
  return {};
}

// "200 OK", or the code alone when it has no registered phrase.
std::string status_description(int status) {
  std::string out = std::to_string(status);
  const std::string_view phrase = reason_phrase(status);
  if (!phrase.empty()) out.append(" ").append(phrase);
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The media type of a Content-Type value, lower-cased and without parameters, into `out`.
std::string_view media_type(std::string_view content_type, std::string& out) {
  content_type = content_type.substr(0, content_type.find(';'));
  out.clear();
  for (char c : content_type) {
    if (c != ' ' && c != '\t') out.push_back(events::ascii_lower(c));
  }
  return out;
}

bool is_text_type(std::string_view type) {
  return type.substr(0, 5) == "text/" || type == "application/json" || type == "application/javascript" ||
         type == "application/xml" || ends_with(type, "+json") || ends_with(type, "+xml");
}

using header_list = std::vector<std::pair<std::string, std::string>>;

// Whether headers[i] is the first header of its name: names repeat in any case.
bool first_of_name(const header_list& headers, std::size_t i) {
  for (std::size_t j = 0; j < i; ++j) {
    if (events::equals_ignoring_case(headers[j].first, headers[i].first)) return false;
  }
  return true;
}

// {"name": "value", ...}: the values of a repeated name joined with ", ", and Set-Cookie with
// the first cookie when `set_cookie` (a single-value map holds one).
void write_single_values(json::writer& w, const header_list& headers, const std::vector<std::string>* set_cookie) {
  std::string joined;
  w.begin_object();
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!first_of_name(headers, i)) continue;
    joined = headers[i].second;
    for (std::size_t j = i + 1; j < headers.size(); ++j) {
      if (events::equals_ignoring_case(headers[j].first, headers[i].first)) joined.append(", ").append(headers[j].second);
    }
    w.key(headers[i].first).value(joined);
  }
  if (set_cookie && !set_cookie->empty()) w.key("Set-Cookie").value(set_cookie->front());
  w.end_object();
}

// {"name": ["value", ...], ...}, with every cookie under Set-Cookie.
void write_multi_values(json::writer& w, const header_list& headers, const std::vector<std::string>& cookies) {
  w.begin_object();
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!first_of_name(headers, i)) continue;
    w.key(headers[i].first).begin_array();
    for (std::size_t j = i; j < headers.size(); ++j) {
      if (events::equals_ignoring_case(headers[j].first, headers[i].first)) w.value(headers[j].second);
    }
    w.end_array();
  }
  if (!cookies.empty()) {
    w.key("Set-Cookie").begin_array();
    for (const std::string& c : cookies) w.value(c);
    w.end_array();
  }
  w.end_object();
}

}  // namespace

void http_response::add_header(std::string_view name, std::string_view value) {
  if (!events::is_token(name)) throw std::invalid_argument("http_response::header: the name is not an HTTP token");
  if (!events::is_field_value(value)) {
    throw std::invalid_argument("http_response::header: the value holds control characters (CR, LF, ...)");
  }
  if (events::equals_ignoring_case(name, "set-cookie")) {
    cookies_.emplace_back(value);
    return;
  }
  headers_.emplace_back(name, value);
}

void http_response::add_cookie(std::string_view set_cookie) {
  if (!events::is_field_value(set_cookie)) {
    throw std::invalid_argument("http_response::cookie: the value holds control characters (CR, LF, ...)");
  }
  cookies_.emplace_back(set_cookie);
}

std::optional<std::string_view> http_response::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers_) {
    if (events::equals_ignoring_case(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

bool http_response::is_binary() const noexcept {
  if (encoding_ != http_body_encoding::automatic) return encoding_ == http_body_encoding::binary;
  const auto type = header("content-type");
  if (!type) return false;
  try {
    std::string lowered;
    return !is_text_type(media_type(*type, lowered));
  } catch (...) {
    return true;  // out of memory for a few bytes: the body goes out intact either way
  }
}

std::string http_response::to_json(const http_request& request) const {
  return to_json(request.source(), request.multi_value());
}

std::string http_response::to_json(http_source source, bool multi_value) const {
  std::string out;
  out.reserve(128 + body_.size() + body_.size() / 2);
  append_json(out, source, multi_value);
  return out;
}

void http_response::append_json(std::string& out, http_source source, bool multi_value) const {
  json::writer w(out);
  w.begin_object();
  w.key("statusCode").value(status_);
  switch (source) {
    case http_source::apigw_v1:
      // API Gateway merges both maps, multiValueHeaders winning: readers of either see every header.
      w.key("headers");
      write_single_values(w, headers_, &cookies_);
      w.key("multiValueHeaders");
      write_multi_values(w, headers_, cookies_);
      break;
    case http_source::apigw_v2:
    case http_source::function_url:
      w.key("headers");
      write_single_values(w, headers_, nullptr);
      w.key("cookies").begin_array();
      for (const std::string& c : cookies_) w.value(c);
      w.end_array();
      break;
    case http_source::alb:
      w.key("statusDescription").value(status_description(status_));
      w.key(multi_value ? "multiValueHeaders" : "headers");
      if (multi_value) {
        write_multi_values(w, headers_, cookies_);
      } else {
        write_single_values(w, headers_, &cookies_);
      }
      break;
  }
  const bool binary = is_binary();
  if (binary) {
    // Base64 needs no escaping: written raw, between its quotes.
    std::string encoded;
    encoded.reserve(base64::encoded_size(body_.size()) + 2);
    encoded.push_back('"');
    base64::append_encoded(encoded, body_);
    encoded.push_back('"');
    w.key("body").raw(encoded);
  } else {
    w.key("body").value(body_);
  }
  w.key("isBase64Encoded").value(binary);
  w.end_object();
}

http_response_head http_response::head() const { return {status_, headers_, cookies_}; }

namespace detail {

void begin_http_response_with_body(response_stream& out, const http_response& response) {
  begin_http_response(out, response.head());
  if (!response.body().empty()) out.write(response.body());
}

}  // namespace detail

}  // namespace lambda
