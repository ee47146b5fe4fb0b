#include "http/endpoint.hpp"

#include <utility>

#include "http/chars.hpp"
#include "http/hosts.hpp"

namespace lambda::http {
namespace {

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  bool all_digits_and_dots = true;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    const char c = i < name.size() ? name[i] : '.';
    if (c == '.') {
      if (label == 0 || label > 63 || name[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    const bool letter = chars::is_alpha(c);
    const bool digit = chars::is_digit(c);
    if (!letter && !digit && !(c == '-' && label > 0)) return false;
    all_digits_and_dots &= digit;
    ++label;
  }
  // "999.1.1.1" is a mistyped address, not a name to hand to the resolver.
  return !all_digits_and_dots;
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// The text is quoted with its control bytes as \xNN, so the sentence stays one printable line.
bool reject(std::string& error, std::string_view text, std::string_view why) {
  error.clear();
  error += '"';
  for (char c : text) {
    if (!is_control(c)) {
      error += c;
      continue;
    }
    constexpr char hex[] = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    error += "\\x";
    error += hex[u >> 4];
    error += hex[u & 0xf];
  }
  error += "\" is not a host:port endpoint: ";
  error += why;
  return false;
}

}  // namespace

bool parse_endpoint(std::string_view text, endpoint& out, std::string& error) {
  if (text.empty()) return reject(error, text, "it is empty");
  // The text becomes the Host line of every request: a NUL, CR or LF must never reach it.
  if (!chars::all_of(text, [](char c) { return !is_control(c); }))
    return reject(error, text, "it has a control byte (NUL, CR, LF, ...)");
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return reject(error, text, "the port is missing");
  std::string_view host = text.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  if (host.empty()) return reject(error, text, "the host is missing");

  endpoint parsed;
  if (!parse_port(text.substr(colon + 1), parsed.port))
    return reject(error, text, "the port must be a number from 1 to 65535");
  parsed.host = std::string(host);
  parsed.authority = std::string(text);
  host_address literal;
  const bool numeric = parse_ip_address(parsed.host, parsed.port, literal);
  const bool ipv6 = numeric && literal.address.ss_family == AF_INET6;
  if (bracketed && !ipv6) return reject(error, text, "the text in brackets is not an IPv6 address");
  if (!bracketed && ipv6)
    return reject(error, text, "an IPv6 address must be written in brackets, as [::1]:9001");
  if (!numeric && !is_host_name(host))
    return reject(error, text, "the host is neither an IP address nor a host name");
  if (numeric) {
    parsed.address = literal.address;
    parsed.address_size = literal.size;
  }
  out = std::move(parsed);
  return true;
}

}  // namespace lambda::http
