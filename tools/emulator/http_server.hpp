// The emulator's HTTP/1.1 server: one thread serving many keep-alive connections on a loopback
// listener with epoll. It frames requests with the library's parser, writes answers (shaped by
// the wire faults a test scripts) and closes; what a request means is the handler's business,
// and it may answer at once or much later (a parked long poll). A chunked request body can be
// followed as it arrives (a streamed answer from a runtime), and an answer can be written as
// chunks while it is produced (forwarding such a stream to an invoker).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/parser.hpp"
#include "unique_fd.hpp"

namespace lambda::emulator {

using time_point = std::chrono::steady_clock::time_point;

// How an answer is written on the wire. Each flag drives one code path of an HTTP client.
struct wire_faults {
  bool chunked = false;      // Transfer-Encoding: chunked instead of Content-Length
  bool dribble = false;      // one byte per write, paced, so the reader meets every split
  bool close_after = false;  // "Connection: close", then the server closes
  bool http10 = false;       // HTTP/1.0 without Content-Length: the body ends when the server closes

  friend wire_faults operator|(wire_faults a, wire_faults b) noexcept {
    return {a.chunked || b.chunked, a.dribble || b.dribble, a.close_after || b.close_after,
            a.http10 || b.http10};
  }
};

// The header line of an answer with a JSON body.
inline constexpr std::string_view json_content_type = "Content-Type: application/json\r\n";

// A Runtime API serving 1600 RICs holds 1600 sockets, more than the usual soft limit of 1024
// descriptors.
//
// Raises this process's soft RLIMIT_NOFILE to its hard limit (as Go's runtime does at start-up)
// and returns the limit now in force.
std::uint64_t raise_descriptor_limit() noexcept;

// A complete request (or, given to body_listener, its head): views into the buffer of the
// request_reader that framed it.
struct received_request {
  std::string_view method;
  std::string_view target;
  std::span<const http::header> headers;
  std::string_view body;                    // empty when the body was not kept
  std::span<const http::header> trailers;   // a chunked body's trailer fields
  std::uint64_t body_bytes = 0;             // the body's size, kept or not
  bool chunked = false;                     // Transfer-Encoding: chunked
  bool keep_alive = true;

  std::string_view header(std::string_view name) const noexcept {
    return http::find_header(headers, name);
  }
};

inline constexpr std::size_t default_max_body = 16 * 1024 * 1024;

// How to read one request's body, decided once its head has come.
struct body_policy {
  std::size_t max_body = default_max_body;  // more is too_large
  // Chunked bodies only: keep = false drops each piece once it has been reported (the request
  // then arrives with an empty body but its body_bytes); report = true hands each piece to the
  // listener as it is decoded.
  bool keep = true;
  bool report = false;
};

// A piece of a chunked body, reported as it is decoded.
struct body_progress {
  std::string_view data;               // the body bytes decoded since the last report
  std::span<const std::size_t> chunks; // sizes of the non-empty chunks that ended in them
  std::uint64_t body_bytes = 0;        // the body so far
};

class body_listener {
 public:
  virtual ~body_listener() = default;
  virtual body_policy on_head(const received_request& head) = 0;
  virtual void on_body(const received_request& head, const body_progress& progress) = 0;
};

// Frames the requests one connection receives: the head, then a Content-Length or chunked body
// (decoded in place). Nothing is copied out.
class request_reader {
 public:
  static constexpr std::size_t default_max_body = emulator::default_max_body;

  // `max_body` applies when no listener gives a policy.
  explicit request_reader(std::size_t max_body = default_max_body) : max_body_(max_body) {}

  // Where to receive the next bytes; empty once the buffer holds as much as one request may be.
  std::span<char> space();
  void received(std::size_t count) noexcept { size_ += count; }

  // complete: `out` views the request until consume() or space(). malformed / too_large: the
  // connection cannot be read any further; error() says why. `listener`, when given, chooses
  // each body's policy and is told of a chunked body's progress (from inside this call).
  http::parse_status next(received_request& out, body_listener* listener = nullptr);
  void consume();

  // True once when the head in progress asked "Expect: 100-continue" (curl does for bodies over
  // 1 KiB, then waits a second for the go-ahead) and its body has not all come yet.
  bool take_continue_request() noexcept { return std::exchange(expects_continue_, false); }

  std::string_view error() const noexcept { return error_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  bool drop_empty_lines() noexcept;
  http::parse_status read_head(body_listener* listener);
  http::parse_status read_chunked_body(body_listener* listener);
  http::parse_status fail(http::parse_status status, std::string_view reason) noexcept;
  void reallocate(std::size_t capacity);

  std::size_t max_body_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t scanned_ = 0;  // head bytes the parser has already looked at
  std::size_t blank_bytes_ = 0;  // empty lines dropped before the head in progress
  // Set once the head of the request in progress is complete.
  std::size_t head_bytes_ = 0;
  http::body_kind body_kind_ = http::body_kind::none;
  std::size_t body_length_ = 0;
  body_policy policy_;
  http::chunked_decoder chunked_;
  std::vector<std::size_t> chunks_done_;
  std::uint64_t body_bytes_ = 0;  // chunked: decoded so far, kept or not
  std::size_t body_end_ = 0;   // chunked: end of the decoded body kept
  std::size_t raw_next_ = 0;   // chunked: first byte not yet decoded
  std::size_t request_end_ = 0;
  bool expects_continue_ = false;
  std::string_view error_;
  std::array<http::header, http::max_headers> headers_;
  received_request head_;  // the head in progress, viewing buffer_ and headers_
};

// The bytes of one answer.
struct answer_shape {
  wire_faults faults{};
  bool close = false;  // the server closes after this answer (say so with "Connection: close")
};

// Appends the status line, `header_lines` (raw "Name: value\r\n" lines), the framing fields and
// `body` to `out`. Returns whether the connection must be closed once the answer is written.
bool append_answer(std::string& out, int status, std::string_view header_lines,
                   std::string_view body, answer_shape shape);

std::string_view reason_phrase(int status) noexcept;

// Called on the loop's thread with the loop's mutex held.
class http_handler {
 public:
  virtual ~http_handler() = default;
  // The handler answers with http_loop::answer() (or a chunked answer), now or in a later turn;
  // the connection reads no further request until then.
  virtual void on_request(std::uint64_t connection, const received_request& request) = 0;
  // Once a request's head has come (`head` has no body yet): how to read its body.
  virtual body_policy on_head(std::uint64_t, const received_request&) { return {}; }
  // Pieces of a body read with `report` set, as they arrive, before on_request. The handler may
  // close the connection here; the request then never reaches on_request.
  virtual void on_body(std::uint64_t, const received_request&, const body_progress&) {}
  virtual void on_closed(std::uint64_t connection) = 0;
  // After every turn's input. Returns when the next turn must run at the latest.
  virtual std::optional<time_point> on_turn(time_point now) = 0;
};

class http_loop {
 public:
  // Listens on `address`, a loopback one only: "127.0.0.1:9000", "[::1]:9000", or port 0 for an
  // ephemeral one. Throws std::invalid_argument for a malformed or non-loopback address and
  // std::system_error when it cannot listen. `mutex` guards the handler's state; the loop holds
  // it while it calls the handler, and guards its own counters with it too.
  http_loop(std::string_view address, http_handler& handler, std::mutex& mutex);
  ~http_loop();
  http_loop(const http_loop&) = delete;
  http_loop& operator=(const http_loop&) = delete;

  // "127.0.0.1:PORT" (or "[::1]:PORT"), the port chosen.
  const std::string& address() const noexcept { return address_; }
  void start();
  void stop() noexcept;
  // Runs a turn soon. Any thread, no lock needed.
  void wake() noexcept;

  // With the mutex held (in practice: from the handler). Unknown or closed connections are
  // ignored: their client has gone.
  void answer(std::uint64_t connection, int status, std::string_view header_lines,
              std::string_view body, const wire_faults& faults);
  void close(std::uint64_t connection);
  void close_all();
  // An answer written as it is produced: the head (with Transfer-Encoding: chunked), then each
  // piece as one chunk, then the last chunk with `trailer_lines` (raw "Name: value\r\n" lines).
  // Wire faults do not apply. The connection reads no further request until the end.
  void begin_chunked_answer(std::uint64_t connection, int status, std::string_view header_lines);
  void send_chunk(std::uint64_t connection, std::string_view data);
  void end_chunked_answer(std::uint64_t connection, std::string_view trailer_lines = {});

  std::uint64_t accepted() const noexcept { return accepted_; }
  // Times an accept found no descriptor free and the listener rested.
  std::uint64_t listener_rests() const noexcept { return listener_rests_; }
  std::uint64_t open() const noexcept { return connections_.size(); }

 private:
  struct connection;

  void run();
  int wait_timeout(std::optional<time_point> wakeup) const;
  void turn(time_point now, std::optional<time_point>& wakeup);
  void accept_all();
  void on_ready(std::uint64_t id, std::uint32_t events);
  void read_from(connection& c);
  void serve_requests(connection& c);
  connection* answerable(std::uint64_t id);
  void flush(connection& c);
  void dribble(time_point now);
  void watch_writable(connection& c, bool on);
  void mark_closed(connection& c);
  void close_marked();
  void arm_listener(bool on);

  unique_fd listener_;
  std::string address_;
  unique_fd epoll_;
  unique_fd wake_fd_;
  http_handler& handler_;
  std::mutex& mutex_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> wake_pending_{false};
  std::unordered_map<std::uint64_t, std::unique_ptr<connection>> connections_;
  std::vector<std::uint64_t> resume_;        // answered: may hold a further request already
  std::vector<std::uint64_t> closing_;
  std::set<std::uint64_t> dribbling_;
  std::optional<time_point> listener_rests_until_;  // set while out of descriptors
  std::uint64_t next_id_ = 1;
  std::uint64_t accepted_ = 0;
  std::uint64_t listener_rests_ = 0;
};

}  // namespace lambda::emulator
