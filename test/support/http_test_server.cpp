#include "http_test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

#include "http/parser.hpp"

namespace lambda::test {
namespace {

using clock = std::chrono::steady_clock;

// Waits for `fd` to be readable; false after `patience`.
bool readable(int fd, std::chrono::milliseconds patience) {
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(patience.count()));
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

}  // namespace

std::string http_test_request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (http::iequals(n, name)) return v;
  }
  return {};
}

bool http_test_peer::receive_more() {
  if (!readable(fd_, patience)) return false;
  char chunk[4096];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  pending_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool http_test_peer::read_request(http_test_request& out) {
  std::array<http::header, http::max_headers> storage;
  http::request_head head;
  http::parse_result parsed;
  while ((parsed = http::parse_request_head(pending_, head, storage)).status ==
         http::parse_status::incomplete) {
    if (!receive_more()) return false;
  }
  if (parsed.status != http::parse_status::complete) return false;
  out.method = head.method;
  out.target = head.target;
  out.headers.clear();
  for (const http::header& h : head.headers) out.headers.emplace_back(h.name, h.value);
  pending_.erase(0, parsed.consumed);

  if (head.body.chunked) {
    http::chunked_decoder decoder;
    out.body.clear();
    for (;;) {
      http::chunked_result d = decoder.decode(pending_);
      out.body.append(pending_, 0, d.decoded);
      if (d.status == http::parse_status::complete) {
        pending_.erase(0, d.consumed);
        return true;
      }
      pending_.clear();
      if (d.status != http::parse_status::incomplete || !receive_more()) return false;
    }
  }
  const std::size_t length = head.body.content_length.value_or(0);
  while (pending_.size() < length) {
    if (!receive_more()) return false;
  }
  out.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return true;
}

void http_test_peer::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the client went away; the test's assertions will say so
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void http_test_peer::dribble(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) write(bytes.substr(i, 1));
}

bool http_test_peer::wait_for_close() {
  char byte;
  while (readable(fd_, patience)) {
    if (::recv(fd_, &byte, 1, 0) <= 0) return true;
  }
  return false;
}

http_test_server::http_test_server(std::vector<script> scripts) : scripts_(std::move(scripts)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0 ||
      ::pipe2(stop_, O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot start the test server");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

http_test_server::~http_test_server() {
  ::close(stop_[1]);
  thread_.join();
  ::close(stop_[0]);
  ::close(listener_);
}

std::string http_test_server::address() const { return "127.0.0.1:" + std::to_string(port_); }

bool http_test_server::wait_until_done() {
  std::unique_lock lock(finished_mutex_);
  return finished_changed_.wait_for(lock, 2 * http_test_peer::patience,
                                    [&] { return finished_ == scripts_.size(); });
}

void http_test_server::serve() {
  for (;;) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const auto index = static_cast<std::size_t>(accepted_.fetch_add(1));
    if (index < scripts_.size()) {
      http_test_peer peer(fd);
      scripts_[index](peer);
    }
    ::close(fd);
    if (index < scripts_.size()) {
      std::lock_guard lock(finished_mutex_);
      ++finished_;
      finished_changed_.notify_all();
    }
  }
}

lambda::http::endpoint endpoint_at(const std::string& address) {
  lambda::http::endpoint ep;
  std::string error;
  if (!lambda::http::parse_endpoint(address, ep, error)) throw std::invalid_argument(error);
  return ep;
}

std::string http_ok(std::string_view body, std::string_view extra_headers) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

http_test_server::script answer_each(std::vector<std::string> answers,
                                     std::vector<http_test_request>* seen) {
  return [answers = std::move(answers), seen](http_test_peer& peer) {
    for (const std::string& answer : answers) {
      http_test_request req;
      if (!peer.read_request(req)) return;
      if (seen) seen->push_back(req);
      peer.write(answer);
    }
    peer.wait_for_close();
  };
}

refusing_port::refusing_port() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw std::runtime_error("cannot reserve a loopback port");
  }
  port_ = ntohs(address.sin_port);
}

refusing_port::~refusing_port() { ::close(fd_); }

std::string refusing_port::address() const { return "127.0.0.1:" + std::to_string(port_); }

}  // namespace lambda::test
