// A scripted HTTP server on 127.0.0.1 for the HTTP client's tests: each accepted connection is
// handed to the next script, which reads requests and writes exactly the bytes the test wants.
// Every wait is bounded, so a client that misbehaves makes a test fail instead of hang.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/endpoint.hpp"

namespace lambda::test {

struct http_test_request {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string header(std::string_view name) const;  // any case; "" when absent
};

// The server's side of one accepted connection.
class http_test_peer {
 public:
  static constexpr std::chrono::seconds patience{10};

  explicit http_test_peer(int fd) : fd_(fd) {}

  // Reads one request (Content-Length or chunked body). False when the client closed, the
  // bytes are not a request, or nothing came within `patience`.
  bool read_request(http_test_request& out);
  void write(std::string_view bytes);
  void dribble(std::string_view bytes);  // one send per byte
  // Waits (bounded) until the client closes its side; true when it did.
  bool wait_for_close();
  int fd() const { return fd_; }

 private:
  bool receive_more();

  int fd_;
  std::string pending_;
};

class http_test_server {
 public:
  using script = std::function<void(http_test_peer&)>;

  // The i-th accepted connection runs scripts[i], one connection at a time; connections past
  // the last script are closed at once.
  explicit http_test_server(std::vector<script> scripts);
  ~http_test_server();
  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"
  int accepted() const { return accepted_.load(); }
  // Waits (bounded) until every script has run and returned; true when they did.
  bool wait_until_done();

 private:
  void serve();

  std::vector<script> scripts_;
  int listener_ = -1;
  int stop_[2] = {-1, -1};
  unsigned short port_ = 0;
  std::atomic<int> accepted_{0};
  std::mutex finished_mutex_;
  std::condition_variable finished_changed_;
  std::size_t finished_ = 0;
  std::thread thread_;
};

// The client endpoint for a server's "127.0.0.1:PORT"; throws std::invalid_argument when it
// does not parse.
lambda::http::endpoint endpoint_at(const std::string& address);

// "HTTP/1.1 200 OK" with a Content-Length, `extra_headers` (each ending in CRLF) and `body`.
std::string http_ok(std::string_view body, std::string_view extra_headers = "");

// A script that answers the requests on its connection with `answers` in turn (keeping what
// it was asked in `seen` when given), then waits for the client to close.
http_test_server::script answer_each(std::vector<std::string> answers,
                                     std::vector<http_test_request>* seen = nullptr);

// A loopback port where connections are refused: bound, so nobody else takes it, but not
// listening.
class refusing_port {
 public:
  refusing_port();
  ~refusing_port();
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

}  // namespace lambda::test
