#include "http/request_head.hpp"

#include <charconv>
#include <stdexcept>

#include "http/chars.hpp"

namespace lambda::http {
namespace {

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!chars::is_token(c)) return false;
  }
  return true;
}

bool is_target(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!chars::is_visible(c)) return false;
  }
  return true;
}

bool is_field_value(std::string_view text) {
  for (char c : text) {
    if (!chars::is_field(c)) return false;
  }
  return true;
}

void check(const request& req) {
  if (!is_token(req.method)) throw std::invalid_argument("HTTP method is not a token");
  if (!is_target(req.target))
    throw std::invalid_argument("HTTP request target is empty or has spaces or control bytes");
  for (const header& h : req.headers) {
    if (!is_token(h.name)) throw std::invalid_argument("HTTP header name is not a token");
    if (!is_field_value(h.value))
      throw std::invalid_argument("HTTP header value has a control byte (CR, LF, ...)");
  }
}

}  // namespace

void write_request_head(std::string& out, const request& req, std::string_view authority) {
  check(req);
  out.clear();
  out.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\nHost: ");
  out.append(authority).append("\r\n");
  for (const header& h : req.headers) {
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  // A POST without a body still says so, or servers may answer 411 Length Required.
  if (!req.body.empty() || !(req.method == "GET" || req.method == "HEAD")) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, req.body.size());
    out.append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out.append("\r\n");
}

}  // namespace lambda::http
