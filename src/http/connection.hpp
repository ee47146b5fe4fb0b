// An HTTP/1.1 client over one keep-alive connection: one request at a time, a whole answer read
// into a buffer the connection owns and reuses. No threads, signals or global state; errors are
// values.
//
//   lambda::http::endpoint ep;
//   std::string error;
//   if (!lambda::http::parse_endpoint("127.0.0.1:9001", ep, error)) return fail(error);
//   lambda::http::connection conn(ep);
//   lambda::http::response answer;
//   const lambda::http::header accept[] = {{"Accept", "application/json"}};
//   lambda::http::request req{"GET", "/2018-06-01/runtime/invocation/next", accept};
//   req.interruptible = true;
//   if (auto r = conn.send(req, answer); !r) return fail(r.message);
//   use(answer.status, answer.header("Content-Type"), answer.body);
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/endpoint.hpp"
#include "http/hosts.hpp"
#include "http/parser.hpp"

namespace lambda::http {

struct request {
  std::string_view method{};             // "GET", "POST"
  std::string_view target{};             // "/2018-06-01/runtime/invocation/next"
  std::span<const header> headers{};     // extra ones; the connection adds Host, Content-Length
  std::string_view body{};               // sent without copying (one sendmsg: head + body)
  bool interruptible = false;            // the long poll: may be ended by interrupt() / wake_fd
};

struct response {
  int status = 0;
  // Views into the connection's buffer: valid until the next send().
  std::string_view body{};
  std::span<const lambda::http::header> headers{};
  std::string_view header(std::string_view name) const noexcept {  // any case; "" when absent
    return find_header(headers, name);
  }
};

enum class error_kind {
  none,
  connect_failed,   // no connection within the retry budget
  connection_lost,  // the server closed or reset the connection before the answer was whole
  malformed,        // the answer is not HTTP/1.1 as RFC 9112 has it
  too_large,        // a head over 64 KiB, too many fields, or a body over max_body
  interrupted,      // interrupt() or wake_fd
};

struct result {
  error_kind error = error_kind::none;
  std::string message;  // a clear sentence when error != none (allocated only then)
  explicit operator bool() const noexcept { return error == error_kind::none; }
};

struct connection_options {
  std::size_t max_body = 16 << 20;    // larger bodies → too_large, never unbounded memory
  std::size_t initial_buffer = 4096;  // small; grows on demand (1600 idle RICs must stay small)
  int wake_fd = -1;  // >= 0: interruptible requests also end when it is readable (never read)
  // Refused connects are retried, waiting first_backoff, doubling up to max_backoff, until
  // retry_budget has passed since the first attempt.
  std::chrono::milliseconds first_backoff{10}, max_backoff{1000}, retry_budget{5000};
};

// A receive buffer bigger than this is released at the next send(), so idle connections stay
// small while answers that fit it cost no allocation.
inline constexpr std::size_t kept_buffer_bytes = 64 * 1024;

// One thread sends; any thread may interrupt().
class connection {
 public:
  explicit connection(endpoint ep, connection_options options = {});
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Sends `req`, reads the whole answer into `out`. Connects (lazily) and reconnects as needed:
  // a reused connection found closed before any byte of the answer arrived gets the request
  // once more. Throws std::invalid_argument for a method, target or header that would break
  // the request's framing (CR, LF, ...). An answer whose declared Content-Length is over
  // max_body fails with too_large, but `out` keeps its status and headers.
  result send(const request& req, response& out);

  // Thread-safe, callable from any thread: wakes the interruptible request in progress and makes
  // every later interruptible request fail at once with error_kind::interrupted (sticky).
  // Non-interruptible requests are never affected.
  void interrupt() noexcept;

  // Bytes held for answers now: what an idle connection costs beyond its fixed size.
  std::size_t buffer_bytes() const noexcept { return capacity_; }

 private:
  using clock = std::chrono::steady_clock;
  struct call;  // one send(): its request, and whether it may be interrupted

  result exchange(call& c, response& out);
  result open(call& c);
  result connect_once(call& c, const std::vector<host_address>& targets);
  result connect_to(call& c, const sockaddr* address, socklen_t size);
  result back_off(call& c, clock::duration delay);
  result write_request(call& c);
  result read_answer(call& c, response& out, bool& got_bytes);
  result read_head(call& c, response_head& head, std::size_t& head_size, bool& got_bytes);
  result read_body(call& c, const response_head& head, std::size_t head_size, response& out);
  result read_sized(call& c, std::size_t head_size, std::uint64_t length, std::size_t& body_end);
  result read_chunked(call& c, std::size_t head_size, std::size_t& body_end, bool& surplus);
  result read_until_close(call& c, std::size_t head_size, std::size_t& body_end);
  result receive(call& c, std::size_t max_end, bool& eof);
  result lost_or_interrupted(call& c, std::string what);
  result fail_and_close(error_kind kind, std::string message);
  result body_too_large(std::uint64_t size);
  result connect_failed(int error) const;
  std::string answer_error(std::string_view reason) const;
  std::string answer_too_large(std::string_view reason) const;
  void grow(std::size_t capacity);
  void close_fd() noexcept;
  bool is_interrupted() const noexcept;

  enum : int { idle, in_interruptible_request, interrupted };

  endpoint endpoint_;
  connection_options options_;
  int fd_ = -1;
  int backoff_fd_ = -1;          // an eventfd interrupt() writes to while a request backs off
  std::atomic<int> state_{idle};
  std::mutex fd_mutex_;          // interrupt() and whoever opens or closes fd_ / backoff_fd_
  std::string head_;             // the request head, rebuilt in place for each request
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t filled_ = 0;
  std::array<lambda::http::header, max_headers> headers_;  // the answer's, viewing buffer_
  std::size_t header_count_ = 0;
};

}  // namespace lambda::http
