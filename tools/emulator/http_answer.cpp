#include "http_answer.hpp"

#include <charconv>

namespace lambda::emulator {
namespace {

void append_number(std::string& out, std::size_t value, int base) {
  char digits[32];
  auto end = std::to_chars(digits, digits + sizeof digits, value, base).ptr;
  out.append(digits, end);
}

// Two chunks rather than one, so a client's decoder must join them.
void append_chunked(std::string& out, std::string_view body) {
  std::size_t first = body.size() / 2;
  for (std::string_view chunk : {body.substr(0, first), body.substr(first)}) {
    if (chunk.empty()) continue;
    append_number(out, chunk.size(), 16);
    out += "\r\n";
    out += chunk;
    out += "\r\n";
  }
  out += "0\r\n\r\n";
}

}  // namespace

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 500: return "Internal Server Error";
    default: return "Unknown";
  }
}

bool append_answer(std::string& out, int status, std::string_view header_lines,
                   std::string_view body, answer_shape shape) {
  const wire_faults& faults = shape.faults;
  // Without Content-Length an HTTP/1.0 body is delimited by the close itself.
  bool close = shape.close || faults.close_after || faults.http10;
  out += faults.http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status), 10);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  out += header_lines;
  if (close && !faults.http10) out += "Connection: close\r\n";
  if (faults.http10) {
    out += "\r\n";
    out += body;
  } else if (faults.chunked) {
    out += "Transfer-Encoding: chunked\r\n\r\n";
    append_chunked(out, body);
  } else {
    out += "Content-Length: ";
    append_number(out, body.size(), 10);
    out += "\r\n\r\n";
    out += body;
  }
  return close;
}

}  // namespace lambda::emulator
