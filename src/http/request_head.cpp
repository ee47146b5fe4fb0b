#include "http/request_head.hpp"

#include <charconv>
#include <stdexcept>

#include "http/chars.hpp"

namespace lambda::http {
namespace {

void check(const request& req) {
  if (!chars::is_token_text(req.method)) throw std::invalid_argument("HTTP method is not a token");
  if (req.target.empty() || !chars::all_of(req.target, chars::is_visible))
    throw std::invalid_argument("HTTP request target is empty or has spaces or control bytes");
  for (const header& h : req.headers) {
    if (!chars::is_token_text(h.name))
      throw std::invalid_argument("HTTP header name is not a token");
    if (!chars::all_field_bytes(h.value))
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
