#include "http/parser.hpp"

#include <algorithm>
#include <cstring>

#include "http/chars.hpp"

namespace lambda::http {
namespace {

using chars::all_of;
using chars::is_digit;
using chars::is_ows;
using chars::is_token_text;

parse_result fail(std::string_view reason) { return {parse_status::malformed, 0, reason}; }
parse_result too_large(std::string_view reason) { return {parse_status::too_large, 0, reason}; }

// Finds the end of the head (just past CRLF CRLF) without parsing it, rejecting a bare LF on
// the way so that a peer speaking bare LF fails at once instead of filling the limit. A bare CR
// is left to the parse, which meets it as a control byte inside a line.
parse_result find_head_end(std::string_view bytes, std::size_t scanned, std::size_t max_bytes) {
  const std::size_t limit = std::min(bytes.size(), max_bytes);
  std::size_t i = scanned > 3 ? scanned - 3 : 0;
  while (i < limit) {
    const void* lf = std::memchr(bytes.data() + i, '\n', limit - i);
    if (lf == nullptr) break;
    i = static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data());
    if (i == 0 || bytes[i - 1] != '\r') return fail("bare LF in head");
    if (i >= 3 && bytes[i - 2] == '\n') return {parse_status::complete, i + 1, {}};
    ++i;
  }
  if (bytes.size() >= max_bytes) return too_large("head larger than 64 KiB");
  return {};
}

// Hands out the lines of a head known to be complete, without their CRLF.
class line_reader {
 public:
  explicit line_reader(std::string_view head) : rest_(head) {}

  std::string_view next() {
    const std::size_t lf = rest_.find('\n');
    std::string_view line = rest_.substr(0, lf - 1);
    rest_.remove_prefix(lf + 1);
    return line;
  }

 private:
  std::string_view rest_;
};

// "HTTP/1.x" → x, or -1.
int version_of(std::string_view text) {
  if (text.size() != 8 || text.substr(0, 7) != "HTTP/1." || !is_digit(text[7])) return -1;
  return text[7] - '0';
}

bool parse_decimal(std::string_view text, std::uint64_t& value) {
  if (text.empty()) return false;
  value = 0;
  for (char c : text) {
    if (!is_digit(c)) return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// Calls visit(element) for each comma-separated element of a field value, trimmed; empty
// elements (RFC 9110 §5.6.1 allows them) are skipped.
template <typename Visit>
bool for_each_element(std::string_view list, Visit visit) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view element = trim(list.substr(0, comma));
    if (!element.empty() && !visit(element)) return false;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return true;
}

// Duplicates, as fields or as a list in one field, are accepted when they agree (RFC 9110 §8.6).
bool read_content_length(std::string_view value, std::optional<std::uint64_t>& length) {
  bool any = false;
  bool valid = for_each_element(value, [&](std::string_view element) {
    std::uint64_t parsed = 0;
    if (!parse_decimal(element, parsed) || (length && *length != parsed)) return false;
    length = parsed;
    any = true;
    return true;
  });
  return valid && any;
}

parse_result read_fields(line_reader& lines, std::span<header> storage, std::size_t& count) {
  const std::size_t capacity = std::min(storage.size(), max_headers);
  count = 0;
  for (std::string_view line = lines.next(); !line.empty(); line = lines.next()) {
    if (is_ows(line.front())) return fail("obs-fold (folded header line)");
    const std::size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    if (colon == std::string_view::npos || !is_token_text(name)) {
      return fail(colon != std::string_view::npos && !name.empty() && is_ows(name.back())
                      ? "whitespace before colon"
                      : "invalid header name");
    }
    const std::string_view value = line.substr(colon + 1);
    if (!chars::all_field_bytes(value)) {
      const bool bare_cr = value.find('\r') != std::string_view::npos;
      return fail(bare_cr ? "bare CR in head" : "invalid character in header value");
    }
    if (count == capacity) return too_large("too many header fields (more than 64)");
    storage[count++] = header{name, trim(value)};
  }
  return {parse_status::complete, 0, {}};
}

parse_result read_framing(std::span<const header> headers, int minor_version, framing& out) {
  out = framing{};
  bool has_transfer_encoding = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  for (const header& h : headers) {
    if (iequals(h.name, "content-length")) {
      if (!read_content_length(h.value, out.content_length))
        return fail("invalid or conflicting Content-Length");
    } else if (iequals(h.name, "transfer-encoding")) {
      bool valid = for_each_element(h.value, [&](std::string_view coding) {
        if (out.chunked || !iequals(coding, "chunked")) return false;
        out.chunked = true;
        return true;
      });
      if (!valid) return fail("unsupported Transfer-Encoding (only chunked is)");
      has_transfer_encoding = true;
    } else if (iequals(h.name, "connection")) {
      for_each_element(h.value, [&](std::string_view option) {
        connection_close |= iequals(option, "close");
        connection_keep_alive |= iequals(option, "keep-alive");
        return true;
      });
    }
  }
  if (has_transfer_encoding && !out.chunked) return fail("empty Transfer-Encoding");
  if (has_transfer_encoding && out.content_length)
    return fail("both Content-Length and Transfer-Encoding");
  if (has_transfer_encoding && minor_version == 0) return fail("Transfer-Encoding in HTTP/1.0");
  out.keep_alive = !connection_close && (minor_version >= 1 || connection_keep_alive);
  return {parse_status::complete, 0, {}};
}

// Fills the fields and framing of a request_head or response_head.
template <typename Head>
parse_result read_fields_and_framing(line_reader& lines, std::span<header> storage, Head& out) {
  std::size_t count = 0;
  parse_result fields = read_fields(lines, storage, count);
  if (fields.status != parse_status::complete) return fields;
  out.headers = storage.first(count);
  return read_framing(out.headers, out.minor_version, out.body);
}

// "GET /path HTTP/1.1"
parse_result read_request_line(std::string_view line, request_head& out) {
  const std::size_t method_end = line.find(' ');
  out.method = line.substr(0, method_end);
  if (method_end == std::string_view::npos || !is_token_text(out.method))
    return fail("invalid method");
  line.remove_prefix(method_end + 1);
  const std::size_t target_end = line.find(' ');
  out.target = line.substr(0, target_end);
  if (target_end == std::string_view::npos || out.target.empty() ||
      !all_of(out.target, chars::is_visible)) {
    return fail("invalid request target");
  }
  out.minor_version = version_of(line.substr(target_end + 1));
  if (out.minor_version < 0) return fail("invalid HTTP version");
  return {parse_status::complete, 0, {}};
}

// "HTTP/1.1 200 OK"; the space before an empty reason phrase is required, but often left out.
parse_result read_status_line(std::string_view line, response_head& out) {
  out.minor_version = version_of(line.substr(0, 8));
  if (out.minor_version < 0 || line.substr(8, 1) != " ") return fail("invalid HTTP version");
  const std::string_view code = line.substr(9, 3);
  const std::string_view after = line.substr(std::min<std::size_t>(line.size(), 12));
  if (code.size() != 3 || !all_of(code, is_digit) || code[0] < '1' || code[0] > '5' ||
      !(after.empty() || after.front() == ' ')) {
    return fail("invalid status code");
  }
  out.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  out.reason = after.substr(std::min<std::size_t>(after.size(), 1));
  if (!chars::all_field_bytes(out.reason)) return fail("invalid status line");
  return {parse_status::complete, 0, {}};
}

}  // namespace

std::size_t leading_empty_lines(std::string_view bytes) noexcept {
  std::size_t skipped = 0;
  while (bytes.substr(skipped, 2) == "\r\n") skipped += 2;
  return skipped;
}

parse_result parse_request_head(std::string_view bytes, request_head& out,
                                std::span<header> storage, std::size_t scanned) noexcept {
  const std::size_t skipped = leading_empty_lines(bytes);
  // Checked first: empty lines count toward the head, or a peer could send them forever.
  if (skipped >= max_head_bytes) return too_large("head larger than 64 KiB");
  if (skipped == bytes.size() || (skipped + 1 == bytes.size() && bytes.back() == '\r')) return {};
  const std::string_view message = bytes.substr(skipped);
  parse_result end = find_head_end(message, scanned > skipped ? scanned - skipped : 0,
                                   max_head_bytes - skipped);
  if (end.status != parse_status::complete) return end;

  line_reader lines(message.substr(0, end.consumed));
  parse_result r = read_request_line(lines.next(), out);
  if (r.status == parse_status::complete) r = read_fields_and_framing(lines, storage, out);
  if (r.status != parse_status::complete) return r;
  return {parse_status::complete, skipped + end.consumed, {}};
}

parse_result parse_response_head(std::string_view bytes, response_head& out,
                                 std::span<header> storage, std::size_t scanned) noexcept {
  parse_result end = find_head_end(bytes, scanned, max_head_bytes);
  if (end.status != parse_status::complete) return end;

  line_reader lines(bytes.substr(0, end.consumed));
  parse_result r = read_status_line(lines.next(), out);
  if (r.status == parse_status::complete) r = read_fields_and_framing(lines, storage, out);
  if (r.status != parse_status::complete) return r;
  return end;
}

body_kind request_body_kind(const request_head& head) noexcept {
  if (head.body.chunked) return body_kind::chunked;
  if (head.body.content_length) return body_kind::length;
  return body_kind::none;
}

body_kind response_body_kind(const response_head& head, bool answers_head_request) noexcept {
  if (answers_head_request || head.status < 200 || head.status == 204 || head.status == 304)
    return body_kind::none;
  if (head.body.chunked) return body_kind::chunked;
  if (head.body.content_length) return body_kind::length;
  return body_kind::until_close;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view find_header(std::span<const header> headers, std::string_view name) noexcept {
  for (const header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

}  // namespace lambda::http
