#include "raw_http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <stdexcept>

#include "http/parser.hpp"

namespace lambda::test {
namespace {

using steady = std::chrono::steady_clock;

int remaining_ms(steady::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - steady::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

std::string raw_answer::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (http::iequals(key, name)) return value;
  }
  return {};
}

bool raw_answer::has_header(std::string_view name) const {
  for (const auto& entry : headers) {
    if (http::iequals(entry.first, name)) return true;
  }
  return false;
}

raw_http_client::raw_http_client(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos) throw std::runtime_error("address without a port");
  unsigned port = 0;
  std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, std::string(address.substr(0, colon)).c_str(), &where.sin_addr) != 1) {
    throw std::runtime_error("not an IPv4 address");
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot connect to " + std::string(address));
  }
}

raw_http_client::~raw_http_client() { ::close(fd_); }

void raw_http_client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("send failed");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool raw_http_client::fill(steady::time_point deadline, raw_answer& answer) {
  if (eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  char chunk[65536];
  ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  ++answer.reads;
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

std::optional<raw_answer> raw_http_client::read_answer(std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  raw_answer answer;
  std::array<http::header, http::max_headers> storage;
  http::response_head head;
  http::parse_result parsed;
  for (;;) {
    parsed = http::parse_response_head(buffer_, head, storage);
    if (parsed.status == http::parse_status::complete) break;
    if (parsed.status != http::parse_status::incomplete || !fill(deadline, answer)) return std::nullopt;
  }
  answer.minor_version = head.minor_version;
  answer.status = head.status;
  for (const auto& h : head.headers) answer.headers.emplace_back(h.name, h.value);
  auto kind = http::response_body_kind(head, false);
  std::optional<std::uint64_t> length = head.body.content_length;
  buffer_.erase(0, parsed.consumed);
  if (kind == http::body_kind::length) {
    while (buffer_.size() < *length) {
      if (!fill(deadline, answer)) return std::nullopt;
    }
    answer.body = buffer_.substr(0, *length);
    buffer_.erase(0, *length);
  } else if (kind == http::body_kind::chunked) {
    answer.chunked = true;
    http::chunked_decoder decoder;
    for (;;) {
      auto r = decoder.decode({buffer_.data(), buffer_.size()});
      if (r.status == http::parse_status::malformed || r.status == http::parse_status::too_large) {
        return std::nullopt;
      }
      answer.body.append(buffer_, 0, r.decoded);
      buffer_.erase(0, r.status == http::parse_status::complete ? r.consumed : buffer_.size());
      if (r.status == http::parse_status::complete) break;
      if (!fill(deadline, answer)) return std::nullopt;
    }
  } else if (kind == http::body_kind::until_close) {
    answer.until_close = true;
    while (fill(deadline, answer)) {}
    if (!eof_) return std::nullopt;
    answer.body = std::exchange(buffer_, {});
  }
  return answer;
}

bool raw_http_client::closed_by_server(std::chrono::milliseconds timeout) {
  auto deadline = steady::now() + timeout;
  raw_answer scratch;
  while (!eof_ && buffer_.empty()) {
    if (!fill(deadline, scratch) && !eof_) return false;
  }
  return eof_ && buffer_.empty();
}

bool raw_http_client::readable_within(std::chrono::milliseconds timeout) {
  if (!buffer_.empty() || eof_) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

std::string get_next_request(std::string_view extra_headers) {
  std::string out = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  out += "User-Agent: raw-test/1.0\r\n";
  out += extra_headers;
  out += "\r\n";
  return out;
}

std::string post_request(std::string_view target, std::string_view body, std::string_view extra_headers) {
  std::string out = "POST ";
  out += target;
  out += " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: raw-test/1.0\r\n";
  out += extra_headers;
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

}  // namespace lambda::test
