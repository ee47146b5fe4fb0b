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

#include <sys/uio.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/endpoint.hpp"
#include "http/hosts.hpp"
#include "http/parser.hpp"

namespace lambda::http {

// A request may view the previous answer (a body that echoes an event, say): send() writes the
// request before it lets go of that answer's bytes or reads over them.
struct request {
  std::string_view method{};             // "GET", "POST"
  std::string_view target{};             // "/2018-06-01/runtime/invocation/next"
  std::span<const header> headers{};     // extra ones; the connection adds Host, Content-Length
  std::string_view body{};               // sent without copying (one sendmsg: head + body)
  bool interruptible = false;            // the long poll: may be ended by interrupt()
};

// How a request's body is delimited: by Content-Length (req.body, whole), or in chunks sent
// after the head (Transfer-Encoding: chunked).
enum class body_framing { length, chunked };

// Replaces `out` with the head of `req` (request line, Host, the caller's headers, then
// Content-Length unless a GET or HEAD has no body, or Transfer-Encoding: chunked). Throws
// std::invalid_argument when a method, target, header or the authority would break the framing:
// a CR, LF, NUL or other control byte, an empty or non-token name.
void write_request_head(std::string& out, const request& req, std::string_view authority,
                        body_framing framing = body_framing::length);

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
  interrupted,      // interrupt()
};

struct result {
  error_kind error = error_kind::none;
  std::string message;  // a clear sentence when error != none (allocated only then)
  explicit operator bool() const noexcept { return error == error_kind::none; }
};

struct connection_options {
  std::size_t max_body = 16 << 20;    // larger bodies → too_large, never unbounded memory
  std::size_t initial_buffer = 4096;  // small; grows on demand (1600 idle RICs must stay small)
  // A receive buffer grown past this is released by the next send(), once its request is
  // written: idle connections stay small, while answers that fit it cost no allocation and no
  // page fault.
  std::size_t kept_buffer = 64 * 1024;
  // Refused connects are retried, waiting first_backoff, doubling up to max_backoff, until
  // retry_budget has passed since the first attempt.
  std::chrono::milliseconds first_backoff{10}, max_backoff{1000}, retry_budget{5000};
};

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
  // the request's framing (CR, LF, ...). When the answer's head arrived whole but its body
  // failed (over max_body, cut, malformed), `out` still has the head's status and headers.
  result send(const request& req, response& out);

  // A request whose body is produced while it is sent (Transfer-Encoding: chunked):
  // - begin_chunked() connects if needed and prepares the head; the head goes out with the
  //   first chunk, so a request that is never given a byte costs no system call until it ends;
  // - send_chunk() sends `pieces` as one chunk, the caller's bytes in place (one sendmsg, no
  //   copy); pieces that are all empty send nothing but a head still waiting;
  // - finish_chunked() sends the last chunk and `trailers`, then reads the answer into `out`
  //   as send() does.
  // Never interruptible, and never sent twice: a connection lost on the way fails the request
  // (connection_lost) and is closed. The receive buffer, and so the views of the previous
  // answer, stay untouched until finish_chunked(). Throws std::invalid_argument as send() does,
  // for the request and for trailers.
  result begin_chunked(const request& req);
  result send_chunk(std::span<const std::string_view> pieces);
  result finish_chunked(std::span<const header> trailers, response& out);

  // Callable from any thread, and async-signal-safe (no lock, no allocation): ends the
  // interruptible request in progress if it is still waiting for its answer (shutdown(2) of
  // its socket), and makes every later interruptible request fail at once, unsent, with
  // error_kind::interrupted (sticky). An answer already arriving is read to its end;
  // non-interruptible requests are never affected.
  void interrupt() noexcept;

  // Bytes held for answers now: what an idle connection costs beyond its fixed size.
  std::size_t buffer_bytes() const noexcept { return capacity_; }

 private:
  using clock = std::chrono::steady_clock;
  struct call;  // one send(): its request, and whether it may be interrupted

  result exchange_or_out_of_memory(call& c, response& out);
  result exchange(call& c, response& out);
  result open(call& c);
  result connect_once(call& c, const std::vector<host_address>& targets);
  result connect_to(call& c, const sockaddr* address, socklen_t size);
  result back_off(call& c, clock::duration delay);
  result write_request(call& c);
  result send_parts(call& c, iovec* parts, std::size_t count);
  result send_chunk_parts(std::string_view head, std::string_view size_line,
                          std::span<const std::string_view> pieces);
  std::unique_ptr<char[]> forget_answer(response& out);
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
  void publish_descriptor(std::atomic<int>& slot, int fd) noexcept;
  void withdraw_descriptor(std::atomic<int>& slot) noexcept;
  bool is_interrupted() const noexcept;
  bool was_cut(const call& c) const noexcept;

  // An interruptible request is `waiting` until the first byte of its answer, then `answering`;
  // interrupt() shuts the socket down only while it is waiting.
  enum : int { idle, waiting, answering, interrupted };

  endpoint endpoint_;
  connection_options options_;
  // Written only by the sending thread; interrupt() reads them. A descriptor is closed only
  // once no interrupt() that may have read it is still running (see withdraw_descriptor).
  std::atomic<int> fd_{-1};
  std::atomic<int> backoff_fd_{-1};  // an eventfd interrupt() writes to while a request backs off
  std::atomic<int> state_{idle};
  std::atomic<int> interrupting_{0};  // interrupt() calls in progress
  std::string head_;             // the request head, rebuilt in place for each request
  enum class chunked_state { none, head_waiting, sending };
  chunked_state chunked_ = chunked_state::none;  // a chunked request in progress
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t filled_ = 0;
  std::array<lambda::http::header, max_headers> headers_;  // the answer's, viewing buffer_
  std::size_t header_count_ = 0;
};

}  // namespace lambda::http
