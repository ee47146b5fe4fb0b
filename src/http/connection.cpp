#include "http/connection.hpp"

#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "http/chars.hpp"
#include "http/hosts.hpp"
#include "http/socket.hpp"

namespace lambda::http {

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool under_thread_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool under_thread_sanitizer = true;
#else
constexpr bool under_thread_sanitizer = false;
#endif
#else
constexpr bool under_thread_sanitizer = false;
#endif

// Refuses header (or trailer) fields that would break the request's framing.
void check(std::span<const header> fields) {
  for (const header& h : fields) {
    if (!chars::is_token_text(h.name))
      throw std::invalid_argument("HTTP header name is not a token");
    if (!chars::all_field_bytes(h.value))
      throw std::invalid_argument("HTTP header value has a control byte (CR, LF, ...)");
  }
}

void check(const request& req) {
  if (!chars::is_token_text(req.method)) throw std::invalid_argument("HTTP method is not a token");
  if (req.target.empty() || !chars::all_of(req.target, chars::is_visible))
    throw std::invalid_argument("HTTP request target is empty or has spaces or control bytes");
  check(req.headers);
}

void append_fields(std::string& out, std::span<const header> fields) {
  for (const header& h : fields) {
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
}

// "1f40\r\n": a chunk's size line, into `out`; returns its length.
std::size_t write_chunk_size_line(char (&out)[20], std::size_t size) {
  auto [end, ec] = std::to_chars(out, out + 16, size, 16);
  *end++ = '\r';
  *end++ = '\n';
  return static_cast<std::size_t>(end - out);
}

}  // namespace

void write_request_head(std::string& out, const request& req, std::string_view authority,
                        body_framing framing) {
  check(req);
  if (authority.empty() || !chars::all_of(authority, chars::is_visible))
    throw std::invalid_argument("HTTP Host is empty or has spaces or control bytes");
  if (framing == body_framing::chunked && !req.body.empty())
    throw std::invalid_argument("a chunked request sends its body in chunks, not in the request");
  out.clear();
  out.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\nHost: ");
  out.append(authority).append("\r\n");
  append_fields(out, req.headers);
  if (framing == body_framing::chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (!req.body.empty() || !(req.method == "GET" || req.method == "HEAD")) {
    // A POST without a body still says so, or servers may answer 411 Length Required.
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, req.body.size());
    out.append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out.append("\r\n");
}

struct connection::call {
  const request& req;
  bool answering = false;  // an interruptible request's answer has begun: it is no longer cut

  bool interruptible() const { return req.interruptible; }
};

connection::connection(endpoint ep, connection_options options)
    : endpoint_(std::move(ep)), options_(options) {
  // Room for a status line at least, and never zero, since the buffer grows by doubling.
  options_.initial_buffer = std::max<std::size_t>(options_.initial_buffer, 64);
}

connection::~connection() { close_fd(); }

result connection::send(const request& req, response& out) {
  write_request_head(head_, req, endpoint_.authority);
  // A chunked request left unfinished cannot be completed by another one: start afresh.
  if (std::exchange(chunked_, chunked_state::none) != chunked_state::none) close_fd();
  // The request may view the previous answer: a buffer released here lives until send() ends.
  const std::unique_ptr<char[]> previous = forget_answer(out);

  call c{req};
  if (!req.interruptible) return exchange_or_out_of_memory(c, out);

  int expected = idle;
  if (!state_.compare_exchange_strong(expected, waiting))
    return {error_kind::interrupted, "the request was not sent: the connection was interrupted"};
  result r = exchange_or_out_of_memory(c, out);
  expected = c.answering ? answering : waiting;
  // Interrupted while waiting, the socket was (or is being) shut down: no later request may meet it.
  if (!state_.compare_exchange_strong(expected, idle) && !c.answering) close_fd();
  return r;
}

// The previous answer, which `out` may have viewed, is let go. A buffer grown past what an idle
// connection keeps is replaced by a small one and handed back, bytes intact, for the caller to
// free once nothing views them.
std::unique_ptr<char[]> connection::forget_answer(response& out) {
  out = response{};
  filled_ = 0;
  header_count_ = 0;
  std::unique_ptr<char[]> released;
  if (capacity_ > options_.kept_buffer) {
    released = std::move(buffer_);
    capacity_ = 0;
  }
  if (capacity_ == 0) grow(options_.initial_buffer);
  return released;
}

result connection::begin_chunked(const request& req) {
  write_request_head(head_, req, endpoint_.authority, body_framing::chunked);
  if (std::exchange(chunked_, chunked_state::none) != chunked_state::none) close_fd();
  call c{req};
  if (const int fd = fd_.load(std::memory_order_relaxed); fd >= 0) {
    // The body cannot be sent twice, so a kept-alive connection the server has closed (or that
    // holds bytes nobody asked for) is replaced before the first byte, not found dead after.
    char byte;
    if (::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
      close_fd();
  }
  if (fd_.load(std::memory_order_relaxed) < 0) {
    result opened = open(c);
    if (!opened) return opened;
  }
  chunked_ = chunked_state::head_waiting;
  return {};
}

result connection::send_chunk(std::span<const std::string_view> pieces) {
  if (chunked_ == chunked_state::none)
    return {error_kind::connection_lost, "the chunked request to " + endpoint_.authority + " was not begun or was lost"};
  std::size_t size = 0;
  for (std::string_view piece : pieces) size += piece.size();
  // An empty chunk would end the body: only a head still waiting goes out.
  if (size == 0 && chunked_ == chunked_state::sending) return {};
  char size_line[20];
  const std::size_t line = size == 0 ? 0 : write_chunk_size_line(size_line, size);
  return send_chunk_parts(chunked_ == chunked_state::head_waiting ? std::string_view(head_) : std::string_view(),
                          {size_line, line}, size == 0 ? std::span<const std::string_view>() : pieces);
}

result connection::finish_chunked(std::span<const header> trailers, response& out) {
  if (chunked_ == chunked_state::none)
    return {error_kind::connection_lost, "the chunked request to " + endpoint_.authority + " was not begun or was lost"};
  check(trailers);
  // The last chunk and the trailers follow the head if it is still waiting, in one write.
  if (chunked_ == chunked_state::sending) head_.clear();
  head_.append("0\r\n");
  append_fields(head_, trailers);
  head_.append("\r\n");
  chunked_ = chunked_state::none;
  const request sent{.method = "POST"};  // never HEAD: the answer has a body to read
  call c{sent};
  iovec tail{head_.data(), head_.size()};
  if (result r = send_parts(c, &tail, 1); !r) return r;
  forget_answer(out);
  bool got_bytes = false;
  try {
    return read_answer(c, out, got_bytes);
  } catch (const std::bad_alloc&) {
    return fail_and_close(error_kind::too_large, "no memory for the answer from " + endpoint_.authority);
  }
}

// Sends [head] size-line pieces... CRLF in as few sendmsg calls as the kernel allows, never
// copying the pieces; at most a fixed number of parts per call, so no allocation either.
result connection::send_chunk_parts(std::string_view head, std::string_view size_line,
                                    std::span<const std::string_view> pieces) {
  constexpr std::size_t most = 64;
  iovec parts[most];
  std::size_t count = 0;
  const request none{};
  call c{none};
  const auto add = [&](std::string_view bytes) -> result {
    if (bytes.empty()) return {};
    if (count == most) {
      if (result r = send_parts(c, parts, count); !r) return r;
      count = 0;
    }
    parts[count++] = {const_cast<char*>(bytes.data()), bytes.size()};
    return {};
  };
  result r = add(head);
  if (r) r = add(size_line);
  for (std::size_t i = 0; r && i < pieces.size(); ++i) r = add(pieces[i]);
  if (r && !size_line.empty()) r = add("\r\n");
  if (r && count > 0) r = send_parts(c, parts, count);
  if (!r) {
    chunked_ = chunked_state::none;
    return r;
  }
  chunked_ = chunked_state::sending;
  return {};
}

void connection::interrupt() noexcept {
  interrupting_.fetch_add(1);
  if (state_.exchange(interrupted) == waiting) {
    if (const int fd = fd_.load(); fd >= 0) ::shutdown(fd, SHUT_RDWR);
    if (const int backoff = backoff_fd_.load(); backoff >= 0) {
      const std::uint64_t one = 1;
      [[maybe_unused]] auto written = ::write(backoff, &one, sizeof one);
    }
  }
  interrupting_.fetch_sub(1);
}

void connection::publish_descriptor(std::atomic<int>& slot, int fd) noexcept { slot.store(fd); }

// An interrupt() that read the number before it was withdrawn must be done with it before the
// number is closed and can be reused by another socket. Interrupts never block, so the wait is short.
void connection::withdraw_descriptor(std::atomic<int>& slot) noexcept {
  const int fd = slot.exchange(-1);
  if (fd < 0) return;
  while (interrupting_.load() != 0) sched_yield();
  ::close(fd);
}

// An answer too big for the memory there is (the buffer grows to fit a body) fails like one
// over max_body: the head, if whole, is still in `out`.
result connection::exchange_or_out_of_memory(call& c, response& out) {
  try {
    return exchange(c, out);
  } catch (const std::bad_alloc&) {
    return fail_and_close(error_kind::too_large, "no memory for the answer from " + endpoint_.authority);
  }
}

result connection::exchange(call& c, response& out) {
  for (;;) {
    const bool reused = fd_.load(std::memory_order_relaxed) >= 0;
    if (!reused) {
      result opened = open(c);
      if (!opened) return opened;
    }
    bool got_bytes = false;
    result r = write_request(c);
    if (r) r = read_answer(c, out, got_bytes);
    // A keep-alive connection the server closed while it sat idle: the request is sent again
    // on a new one, once (the retry itself is never on a reused connection).
    if (r || r.error != error_kind::connection_lost || !reused || got_bytes) return r;
  }
}

result connection::open(call& c) {
  std::vector<host_address> targets;
  if (endpoint_.address_size > 0) {
    targets.push_back({endpoint_.address, endpoint_.address_size});
  } else {
    targets = resolve_host(endpoint_.host, endpoint_.port);
    if (targets.empty()) {
      return {error_kind::connect_failed, "cannot resolve " + endpoint_.host +
                                              ": host names are looked up in /etc/hosts only (the Runtime "
                                              "API is always local); use an IP address"};
    }
  }
  const auto give_up_at = clock::now() + options_.retry_budget;
  clock::duration delay = options_.first_backoff;
  for (;;) {
    result r = connect_once(c, targets);
    if (r.error != error_kind::connect_failed) return r;
    const auto now = clock::now();
    if (now >= give_up_at) {
      r.message += " (retried for " + std::to_string(options_.retry_budget.count()) + " ms)";
      return r;
    }
    result waited = back_off(c, std::min(delay, give_up_at - now));
    if (!waited) return waited;
    delay = std::min<clock::duration>(delay * 2, options_.max_backoff);
  }
}

// Tries each address in turn, as the hosts file lists them.
result connection::connect_once(call& c, const std::vector<host_address>& targets) {
  result r;
  for (const auto& target : targets) {
    r = connect_to(c, reinterpret_cast<const sockaddr*>(&target.address), target.size);
    if (r.error != error_kind::connect_failed) break;
  }
  return r;
}

result connection::connect_to(call& c, const sockaddr* address, socklen_t size) {
  const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return connect_failed(errno);
  publish_descriptor(fd_, fd);
  // From here interrupt() can see the socket, so a check now cannot miss it. A shutdown(2)
  // before connect() does nothing; one during the connect ends it and wakes the wait.
  if (c.interruptible() && is_interrupted())
    return fail_and_close(error_kind::interrupted, "the connection was interrupted");
  int error = 0;
  if (::connect(fd, address, size) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      socket_io::wait(fd, POLLOUT, std::nullopt);
      error = 0;
    }
  }
  if (error == 0) error = socket_io::finish_connect(fd);
  // An interrupt that landed before connect() found nothing to shut down: it is honoured here.
  if (error == 0 && c.interruptible() && is_interrupted())
    return fail_and_close(error_kind::interrupted, "the connection was interrupted");
  if (error == 0) return {};
  close_fd();
  if (c.interruptible() && is_interrupted())
    return {error_kind::interrupted, "the connection was interrupted"};
  return connect_failed(error);
}

result connection::connect_failed(int error) const {
  return {error_kind::connect_failed,
          "cannot connect to " + endpoint_.authority + ": " + socket_io::describe(error)};
}

result connection::back_off(call& c, clock::duration delay) {
  const auto until = clock::now() + delay;
  if (!c.interruptible()) {
    std::this_thread::sleep_until(until);
    return {};
  }
  // An eventfd only while backing off: interrupt() writes to it, so the wait ends at once.
  const int event = ::eventfd(0, EFD_CLOEXEC);
  if (event < 0) return connect_failed(errno);
  publish_descriptor(backoff_fd_, event);
  const bool woken = is_interrupted() || socket_io::wait(event, POLLIN, until);
  withdraw_descriptor(backoff_fd_);
  if (woken) return {error_kind::interrupted, "the connection was interrupted while retrying to connect"};
  return {};
}

result connection::write_request(call& c) {
  iovec parts[2] = {{head_.data(), head_.size()},
                    {const_cast<char*>(c.req.body.data()), c.req.body.size()}};
  return send_parts(c, parts, c.req.body.empty() ? 1 : 2);
}

result connection::send_parts(call& c, iovec* parts, std::size_t count) {
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = count;
  while (message.msg_iovlen > 0) {
    const ssize_t sent = ::sendmsg(fd_.load(std::memory_order_relaxed), &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return lost_or_interrupted(c, "while sending the request: " + socket_io::describe(errno));
    }
    // A partial write: skip what went out and send the rest.
    auto left = static_cast<std::size_t>(sent);
    while (message.msg_iovlen > 0 && left >= message.msg_iov->iov_len) {
      left -= message.msg_iov->iov_len;
      ++message.msg_iov;
      --message.msg_iovlen;
    }
    if (message.msg_iovlen > 0) {
      message.msg_iov->iov_base = static_cast<char*>(message.msg_iov->iov_base) + left;
      message.msg_iov->iov_len -= left;
    }
  }
  return {};
}

result connection::read_answer(call& c, response& out, bool& got_bytes) {
  response_head head;
  std::size_t head_size = 0;
  for (;;) {
    result r = read_head(c, head, head_size, got_bytes);
    if (!r) return r;
    if (head.status >= 200) break;
    if (head.status == 101)
      return fail_and_close(error_kind::malformed, answer_error("switches protocols, unasked"));
    // An interim answer (100 Continue, 103 Early Hints): the real one follows it.
    std::memmove(buffer_.get(), buffer_.get() + head_size, filled_ - head_size);
    filled_ -= head_size;
    header_count_ = 0;
  }
  return read_body(c, head, head_size, out);
}

result connection::read_head(call& c, response_head& head, std::size_t& head_size,
                             bool& got_bytes) {
  std::size_t scanned = 0;
  for (;;) {
    if (filled_ > 0) {
      const parse_result p = parse_response_head({buffer_.get(), filled_}, head, headers_, scanned);
      if (p.status == parse_status::complete) {
        head_size = p.consumed;
        header_count_ = head.headers.size();
        return {};
      }
      if (p.status == parse_status::malformed)
        return fail_and_close(error_kind::malformed, answer_error(p.reason));
      if (p.status == parse_status::too_large)
        return fail_and_close(error_kind::too_large, answer_too_large(p.reason));
      scanned = filled_;
    }
    if (filled_ == capacity_) grow(capacity_ * 2);
    bool eof = false;
    result r = receive(c, capacity_, eof);
    if (!r) return r;
    if (eof) {
      return lost_or_interrupted(c, got_bytes ? "in the middle of the answer's head"
                                              : "before answering");
    }
    got_bytes = true;
  }
}

result connection::read_body(call& c, const response_head& head, std::size_t head_size,
                             response& out) {
  const body_kind kind = response_body_kind(head, c.req.method == "HEAD");
  std::size_t body_end = head_size;
  bool surplus = false;
  result r;
  // The head is whole: whatever happens to the body, the caller may use its status and headers
  // (to answer for a body it cannot have). They view the buffer until the next send().
  out.status = head.status;
  out.headers = head.headers;
  if (kind == body_kind::length && *head.body.content_length > options_.max_body) {
    return body_too_large(*head.body.content_length);
  }
  if (kind == body_kind::length) {
    r = read_sized(c, head_size, *head.body.content_length, body_end);
  } else if (kind == body_kind::chunked) {
    r = read_chunked(c, head_size, body_end, surplus);
  } else if (kind == body_kind::until_close) {
    r = read_until_close(c, head_size, body_end);
  }
  if (!r) return r;
  out.body = {buffer_.get() + head_size, body_end - head_size};
  // Bytes past the answer were never asked for: the stream can no longer be trusted.
  if (kind != body_kind::chunked) surplus = filled_ > body_end;
  if (!head.body.keep_alive || kind == body_kind::until_close || surplus) close_fd();
  return {};
}

result connection::read_sized(call& c, std::size_t head_size, std::uint64_t length,
                              std::size_t& body_end) {
  body_end = head_size + static_cast<std::size_t>(length);
  if (body_end > capacity_) grow(body_end);  // once, to fit: the body is received in place
  while (filled_ < body_end) {
    bool eof = false;
    result r = receive(c, body_end, eof);
    if (!r) return r;
    if (eof) return lost_or_interrupted(c, "in the middle of the answer's body");
  }
  return {};
}

result connection::read_chunked(call& c, std::size_t head_size, std::size_t& body_end,
                                bool& surplus) {
  chunked_decoder decoder;
  // Decoded body bytes are [head_size, body_end); bytes not yet decoded follow them.
  const std::size_t most = head_size + options_.max_body + max_head_bytes;
  for (;;) {
    const std::size_t raw = body_end;
    const chunked_result d = decoder.decode({buffer_.get() + raw, filled_ - raw});
    body_end += d.decoded;
    // First: a body past the limit is too large whatever framing follows it, however it was split.
    if (body_end - head_size > options_.max_body) return body_too_large(body_end - head_size);
    if (d.status == parse_status::malformed)
      return fail_and_close(error_kind::malformed, answer_error(d.reason));
    if (d.status == parse_status::too_large)
      return fail_and_close(error_kind::too_large, answer_too_large(d.reason));
    if (d.status == parse_status::complete) {
      surplus = filled_ > raw + d.consumed;
      return {};
    }
    filled_ = body_end;
    if (filled_ == capacity_) grow(std::min(capacity_ * 2, most));
    bool eof = false;
    result r = receive(c, capacity_, eof);
    if (!r) return r;
    if (eof) return lost_or_interrupted(c, "in the middle of the answer's chunked body");
  }
}

result connection::read_until_close(call& c, std::size_t head_size, std::size_t& body_end) {
  for (;;) {
    if (filled_ - head_size > options_.max_body) return body_too_large(filled_ - head_size);
    if (filled_ == capacity_) grow(std::min(capacity_ * 2, head_size + options_.max_body + 1));
    bool eof = false;
    result r = receive(c, capacity_, eof);
    if (!r) return r;
    if (eof) break;
  }
  // A shutdown by interrupt() also looks like the end of the body.
  if (was_cut(c))
    return fail_and_close(error_kind::interrupted, "the request was interrupted");
  body_end = filled_;
  return {};
}

result connection::receive(call& c, std::size_t max_end, bool& eof) {
  // ThreadSanitizer runs a signal handler that lands during recv(2) only once recv returns, so
  // a stop could never end a parked request; during poll(2) it runs it at once. Sanitizer
  // builds only: the product's path stays one recv.
  if (under_thread_sanitizer && c.interruptible() && !c.answering) {
    socket_io::wait(fd_.load(std::memory_order_relaxed), POLLIN, std::nullopt);
  }
  for (;;) {
    const ssize_t n = ::recv(fd_.load(std::memory_order_relaxed), buffer_.get() + filled_, max_end - filled_, 0);
    if (n >= 0) {
      filled_ += static_cast<std::size_t>(n);
      eof = n == 0;
      // The answer has begun: from now on an interrupt lets it be read whole. If the interrupt
      // came first, the socket is cut and what is missing is reported as interrupted.
      if (n > 0 && c.interruptible() && !c.answering) {
        int expected = waiting;
        c.answering = state_.compare_exchange_strong(expected, answering);
      }
      return {};
    }
    if (errno != EINTR)
      return lost_or_interrupted(c, "while reading the answer: " + socket_io::describe(errno));
  }
}

result connection::lost_or_interrupted(call& c, std::string what) {
  if (was_cut(c))
    return fail_and_close(error_kind::interrupted, "the request was interrupted");
  return fail_and_close(error_kind::connection_lost,
                        "the connection to " + endpoint_.authority + " was lost " + what);
}

result connection::fail_and_close(error_kind kind, std::string message) {
  close_fd();
  return {kind, std::move(message)};
}

result connection::body_too_large(std::uint64_t size) {
  return fail_and_close(error_kind::too_large,
                        "the answer from " + endpoint_.authority + " has a body of " +
                            std::to_string(size) + " bytes or more, over the limit of " +
                            std::to_string(options_.max_body));
}

std::string connection::answer_error(std::string_view reason) const {
  return "the answer from " + endpoint_.authority + " is not valid HTTP/1.1: " +
         std::string(reason);
}

std::string connection::answer_too_large(std::string_view reason) const {
  return "the answer from " + endpoint_.authority + " is too large: " + std::string(reason);
}

void connection::grow(std::size_t capacity) {
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (filled_ > 0) std::memcpy(bigger.get(), buffer_.get(), filled_);
  // The parsed head's fields view the old bytes: point them at the same bytes in the new buffer.
  const auto moved = [&](std::string_view text) {
    return std::string_view(bigger.get() + (text.data() - buffer_.get()), text.size());
  };
  for (std::size_t i = 0; i < header_count_; ++i) {
    headers_[i] = {moved(headers_[i].name), moved(headers_[i].value)};
  }
  buffer_ = std::move(bigger);
  capacity_ = capacity;
}

void connection::close_fd() noexcept { withdraw_descriptor(fd_); }

bool connection::is_interrupted() const noexcept { return state_.load() == interrupted; }

// Whether interrupt() shut this request's socket down: only while it was still waiting. An
// answer that had begun was left alone, so its failures are the connection's own.
bool connection::was_cut(const call& c) const noexcept {
  return c.interruptible() && !c.answering && is_interrupted();
}

}  // namespace lambda::http
