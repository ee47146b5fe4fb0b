#include "http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace lambda::emulator {
namespace {

struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

std::uint16_t parse_port(std::string_view text, std::string_view address) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    throw std::invalid_argument("bad port in address '" + std::string(address) + "'");
  }
  return static_cast<std::uint16_t>(value);
}

socket_address parse_loopback(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    throw std::invalid_argument("address '" + std::string(address) + "' needs a port, e.g. 127.0.0.1:9000");
  }
  std::string host(address.substr(0, colon));
  std::uint16_t port = parse_port(address.substr(colon + 1), address);
  socket_address out;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) == 1 &&
        IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr)) {
      out.length = sizeof(sockaddr_in6);
      return out;
    }
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    // 127.0.0.0/8 is loopback as a whole.
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1 &&
        (ntohl(v4->sin_addr.s_addr) >> 24) == 127) {
      out.length = sizeof(sockaddr_in);
      return out;
    }
  }
  throw std::invalid_argument("address '" + std::string(address) +
                              "' is not a numeric loopback address (127.x.x.x or [::1])");
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

constexpr std::size_t min_space = 4096;
// Buffers that grew bigger than this for one request or answer are given back once it is done,
// so idle connections stay small.
constexpr std::size_t idle_buffer_limit = 64 * 1024;

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

constexpr std::uint64_t listener_id = 0;
constexpr std::uint64_t wake_id = UINT64_MAX;
// Long enough for the reader to wake between two bytes, so it meets every split of the answer.
constexpr auto dribble_pace = std::chrono::milliseconds(1);
// Out of descriptors, the listener rests this long unless a connection closes first: armed, it
// would wake the loop at once for a connection it cannot take.
constexpr auto accept_retry = std::chrono::milliseconds(100);

void add_to_epoll(int epoll, int fd, std::uint64_t id, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

// Nothing the emulator serves is meant to be reachable from another machine: it listens on
// loopback addresses only.
unique_fd listen_on_loopback(std::string_view address) {
  socket_address where = parse_loopback(address);
  unique_fd fd(::socket(where.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  int on = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&where.storage), where.length) != 0) {
    throw_errno(("cannot listen on " + std::string(address)).c_str());
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) throw_errno("listen");
  return fd;
}

std::string local_address(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) throw_errno("getsockname");
  char host[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
  ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(v4->sin_port));
}

}  // namespace

std::uint64_t raise_descriptor_limit() noexcept {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised{limit.rlim_max, limit.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

void request_reader::reallocate(std::size_t capacity) {
  auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
  if (size_ > 0) std::memcpy(bigger.get(), buffer_.get(), size_);
  // The head in progress views the old bytes: point it at the same bytes in the new buffer.
  if (head_bytes_ > 0) {
    const auto moved = [&](std::string_view text) {
      return std::string_view(bigger.get() + (text.data() - buffer_.get()), text.size());
    };
    head_.method = moved(head_.method);
    head_.target = moved(head_.target);
    for (std::size_t i = 0; i < head_.headers.size(); ++i)
      headers_[i] = {moved(headers_[i].name), moved(headers_[i].value)};
  }
  buffer_ = std::move(bigger);
  capacity_ = capacity;
}

std::span<char> request_reader::space() {
  std::size_t max_body = head_bytes_ > 0 ? policy_.max_body : max_body_;
  std::size_t limit = http::max_head_bytes + max_body + min_space;
  std::size_t wanted = size_ + min_space;
  if (head_bytes_ > 0 && body_kind_ == http::body_kind::length) {
    wanted = std::max(wanted, head_bytes_ + body_length_);
  }
  // A dropped body streams through: recv() it in pieces as big as an idle connection may keep,
  // so that consume() does not give the buffer back after every stream.
  if (head_bytes_ > 0 && body_kind_ == http::body_kind::chunked && !policy_.keep) {
    wanted = std::max(wanted, idle_buffer_limit);
  }
  wanted = std::min(wanted, limit);
  if (capacity_ < wanted) reallocate(std::max(wanted, std::min(capacity_ * 2, limit)));
  return {buffer_.get() + size_, capacity_ - size_};
}

http::parse_status request_reader::fail(http::parse_status status, std::string_view reason) noexcept {
  error_ = reason;
  return status;
}

// Empty lines before a request (RFC 9112 §2.2) leave the buffer as they come, so no parse scans
// them twice; they still count toward the head's limit.
bool request_reader::drop_empty_lines() noexcept {
  const std::size_t blank = http::leading_empty_lines({buffer_.get(), size_});
  if (blank == 0) return true;
  std::memmove(buffer_.get(), buffer_.get() + blank, size_ - blank);
  size_ -= blank;
  blank_bytes_ += blank;
  return blank_bytes_ < http::max_head_bytes;
}

http::parse_status request_reader::read_head(body_listener* listener) {
  constexpr std::string_view too_long = "head larger than 64 KiB";
  if (scanned_ == 0 && !drop_empty_lines()) return fail(http::parse_status::too_large, too_long);
  http::request_head head;
  auto r = http::parse_request_head({buffer_.get(), size_}, head, headers_, scanned_);
  if (r.status == http::parse_status::incomplete) {
    if (blank_bytes_ + size_ >= http::max_head_bytes) return fail(http::parse_status::too_large, too_long);
    // A lone CR may begin one more empty line: left unscanned, so that it is dropped with it.
    if (size_ > 1) scanned_ = size_;
  }
  if (r.status == http::parse_status::complete && blank_bytes_ + r.consumed > http::max_head_bytes)
    return fail(http::parse_status::too_large, too_long);
  if (r.status != http::parse_status::complete) return fail(r.status, r.reason);
  body_kind_ = http::request_body_kind(head);
  head_bytes_ = r.consumed;
  // Made once: every report of a streamed body hands these views out again.
  head_ = received_request{};
  head_.method = head.method;
  head_.target = head.target;
  head_.headers = head.headers;
  head_.chunked = body_kind_ == http::body_kind::chunked;
  head_.keep_alive = head.body.keep_alive;
  body_end_ = raw_next_ = head_bytes_;
  body_bytes_ = 0;
  chunked_ = {};
  policy_ = {.max_body = max_body_};
  if (listener) policy_ = listener->on_head(head_);
  // Only a chunked body can be read piece by piece.
  if (body_kind_ != http::body_kind::chunked) {
    policy_.keep = true;
    policy_.report = false;
  }
  if (body_kind_ == http::body_kind::length) {
    if (*head.body.content_length > policy_.max_body) {
      return fail(http::parse_status::too_large, "request body too large");
    }
    body_length_ = static_cast<std::size_t>(*head.body.content_length);
  }
  expects_continue_ = body_kind_ != http::body_kind::none &&
                      http::iequals(http::find_header(head.headers, "Expect"), "100-continue");
  return http::parse_status::complete;
}

http::parse_status request_reader::read_chunked_body(body_listener* listener) {
  if (chunked_.done()) return http::parse_status::complete;
  if (raw_next_ == size_) return http::parse_status::incomplete;
  char* raw = buffer_.get() + raw_next_;
  chunks_done_.clear();
  auto r = chunked_.decode({raw, size_ - raw_next_}, chunks_done_);
  if (r.status == http::parse_status::malformed || r.status == http::parse_status::too_large) {
    // A body past its limit is too large whatever follows it, however the bytes were split.
    if (body_bytes_ + r.decoded > policy_.max_body)
      return fail(http::parse_status::too_large, "request body too large");
    return fail(r.status, r.reason);
  }
  // The decoder put the body bytes at the front of what it was given; join them to the body
  // (where they already are when nothing precedes them: always, for a dropped body).
  if (raw != buffer_.get() + body_end_) std::memmove(buffer_.get() + body_end_, raw, r.decoded);
  std::string_view piece(buffer_.get() + body_end_, r.decoded);
  body_bytes_ += r.decoded;
  body_end_ += r.decoded;
  if (r.status == http::parse_status::complete) {
    raw_next_ += r.consumed;
  } else {
    // Everything given was consumed: the framing bytes behind the body can be overwritten.
    raw_next_ = size_ = body_end_;
  }
  if (listener && policy_.report && (!piece.empty() || !chunks_done_.empty() || chunked_.done()))
    listener->on_body(head_, {piece, chunks_done_, body_bytes_});
  // Checked after the report, so that the listener sees the body pass its limit.
  if (body_bytes_ > policy_.max_body) return fail(http::parse_status::too_large, "request body too large");
  if (!policy_.keep) {
    // Dropped: the bytes after the body (a next request) move down to where the body began.
    std::size_t after = size_ - raw_next_;
    std::size_t body_begin = head_bytes_;
    std::memmove(buffer_.get() + body_begin, buffer_.get() + raw_next_, after);
    raw_next_ = body_end_ = body_begin;
    size_ = body_begin + after;
  }
  return r.status;
}

http::parse_status request_reader::next(received_request& out, body_listener* listener) {
  if (head_bytes_ == 0) {
    auto status = read_head(listener);
    if (status != http::parse_status::complete) return status;
  }
  std::size_t body_begin = head_bytes_;
  std::size_t body_end = head_bytes_;
  std::span<const http::header> trailers;
  if (body_kind_ == http::body_kind::length) {
    if (size_ - head_bytes_ < body_length_) return http::parse_status::incomplete;
    body_end = request_end_ = head_bytes_ + body_length_;
    body_bytes_ = body_length_;
  } else if (body_kind_ == http::body_kind::chunked) {
    auto status = read_chunked_body(listener);
    if (status != http::parse_status::complete) return status;
    body_end = body_end_;
    request_end_ = raw_next_;
    trailers = chunked_.trailers();
  } else {
    request_end_ = head_bytes_;
    body_bytes_ = 0;
  }
  expects_continue_ = false;
  out = head_;
  out.trailers = trailers;
  out.body = {buffer_.get() + body_begin, body_end - body_begin};
  out.body_bytes = body_bytes_;
  return http::parse_status::complete;
}

void request_reader::consume() {
  std::size_t left = size_ - request_end_;
  if (left > 0) std::memmove(buffer_.get(), buffer_.get() + request_end_, left);
  size_ = left;
  scanned_ = blank_bytes_ = head_bytes_ = request_end_ = 0;
  if (capacity_ > idle_buffer_limit && size_ < min_space) reallocate(min_space);
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 401: return "Unauthorized";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
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

struct http_loop::connection {
  connection(std::uint64_t id_, unique_fd fd_) : id(id_), fd(std::move(fd_)) {}

  std::uint64_t id;
  unique_fd fd;
  request_reader reader;
  std::string out;
  std::size_t sent = 0;
  time_point next_byte{};            // dribble: when the next byte may go
  bool serving = false;              // inside serve_requests: no need to resume it later
  bool awaiting_answer = false;
  bool answering_chunked = false;    // between begin_chunked_answer and end_chunked_answer
  bool close_after_answer = false;   // the client asked for it
  bool close_when_flushed = false;
  bool dribble = false;
  bool watching_writable = false;
  bool peer_closed = false;
  bool closing = false;
};

http_loop::http_loop(std::string_view address, http_handler& handler, std::mutex& mutex)
    : listener_(listen_on_loopback(address)),
      address_(local_address(listener_.get())),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      handler_(handler),
      mutex_(mutex) {
  if (!epoll_ || !wake_fd_) throw std::system_error(errno, std::generic_category(), "epoll/eventfd");
  add_to_epoll(epoll_.get(), listener_.get(), listener_id, EPOLLIN);
  add_to_epoll(epoll_.get(), wake_fd_.get(), wake_id, EPOLLIN);
}

http_loop::~http_loop() { stop(); }

void http_loop::start() { thread_ = std::thread([this] { run(); }); }

void http_loop::stop() noexcept {
  stopping_.store(true);
  wake();
  if (thread_.joinable()) thread_.join();
}

void http_loop::wake() noexcept {
  // One write until the loop has read it: a burst of calls costs one system call.
  if (wake_pending_.exchange(true)) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto ignored = ::write(wake_fd_.get(), &one, sizeof one);
}

int http_loop::wait_timeout(std::optional<time_point> wakeup) const {
  if (listener_rests_until_ && (!wakeup || *listener_rests_until_ < *wakeup)) wakeup = listener_rests_until_;
  for (std::uint64_t id : dribbling_) {
    time_point due = connections_.at(id)->next_byte;
    if (!wakeup || due < *wakeup) wakeup = due;
  }
  if (!wakeup) return -1;
  auto left = *wakeup - std::chrono::steady_clock::now();
  if (left <= left.zero()) return 0;
  // Rounded up: waking a little late is harmless, waking early would spin.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

void http_loop::run() {
  std::optional<time_point> wakeup;
  epoll_event events[256];
  while (!stopping_.load()) {
    int count = ::epoll_wait(epoll_.get(), events, 256, wait_timeout(wakeup));
    if (count < 0 && errno != EINTR) return;
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) on_ready(events[i].data.u64, events[i].events);
    turn(std::chrono::steady_clock::now(), wakeup);
  }
}

void http_loop::turn(time_point now, std::optional<time_point>& wakeup) {
  if (listener_rests_until_ && *listener_rests_until_ <= now) arm_listener(true);
  dribble(now);
  // Until quiet: the handler's answers may free connections that already hold a next request,
  // and its closes must be seen by it before it hands anything else out.
  do {
    for (std::uint64_t id : std::exchange(resume_, {})) {
      auto it = connections_.find(id);
      if (it != connections_.end()) serve_requests(*it->second);
    }
    close_marked();
    wakeup = handler_.on_turn(now);
  } while (!resume_.empty() || !closing_.empty());
}

void http_loop::on_ready(std::uint64_t id, std::uint32_t events) {
  if (id == listener_id) return accept_all();
  if (id == wake_id) {
    std::uint64_t count;
    [[maybe_unused]] auto ignored = ::read(wake_fd_.get(), &count, sizeof count);
    // Cleared after the read, never before: a wake() in between would write, then see its write
    // swallowed by the read, and leave the flag set with nothing to wake the loop again. Any
    // wake() before this point is served by the turn that follows.
    wake_pending_.store(false);
    return;
  }
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->closing) return;
  connection& c = *it->second;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_from(c);
  if ((events & EPOLLOUT) && !c.closing && !c.dribble) flush(c);
}

void http_loop::accept_all() {
  for (;;) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        arm_listener(false);
        ++listener_rests_;
      }
      return;
    }
    unique_fd owned(fd);
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    std::uint64_t id = next_id_++;
    add_to_epoll(epoll_.get(), fd, id, EPOLLIN | EPOLLRDHUP);
    connections_.emplace(id, std::make_unique<connection>(id, std::move(owned)));
    ++accepted_;
  }
}

void http_loop::read_from(connection& c) {
  for (;;) {
    auto space = c.reader.space();
    // A client sending more than any request may hold is not one we can serve.
    if (space.empty()) return mark_closed(c);
    ssize_t n = ::recv(c.fd.get(), space.data(), space.size(), 0);
    if (n > 0) {
      c.reader.received(static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < space.size()) break;
      // A long body is decoded as it comes, so one dropped piece by piece never fills the buffer.
      serve_requests(c);
      if (c.closing) return;
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return mark_closed(c);
  }
  serve_requests(c);
  if (!c.peer_closed || c.closing) return;
  // A parked poll whose client left is abandoned; an answer still being written may finish.
  if (c.awaiting_answer || c.out.empty()) return mark_closed(c);
  c.close_when_flushed = true;
}

namespace {

// Hands one connection's body events to the handler, with the connection's id.
class connection_listener final : public body_listener {
 public:
  connection_listener(http_handler& handler, std::uint64_t id) : handler_(handler), id_(id) {}
  body_policy on_head(const received_request& head) override { return handler_.on_head(id_, head); }
  void on_body(const received_request& head, const body_progress& progress) override {
    handler_.on_body(id_, head, progress);
  }

 private:
  http_handler& handler_;
  std::uint64_t id_;
};

}  // namespace

void http_loop::serve_requests(connection& c) {
  c.serving = true;
  connection_listener listener(handler_, c.id);
  while (!c.awaiting_answer && !c.close_when_flushed && !c.closing) {
    received_request request;
    auto status = c.reader.next(request, &listener);
    if (c.closing) break;  // the handler closed it while the body came
    if (status == http::parse_status::incomplete) {
      if (c.reader.take_continue_request()) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        if (!c.dribble) flush(c);
      }
      break;
    }
    c.awaiting_answer = true;
    if (status != http::parse_status::complete) {
      bool too_large = status == http::parse_status::too_large;
      c.close_after_answer = true;
      answer(c.id, too_large ? 413 : 400, json_content_type,
             too_large ? R"({"errorMessage":"Request too large","errorType":"RequestTooLarge"})"
                       : R"({"errorMessage":"Malformed HTTP request","errorType":"BadRequest"})",
             {});
      break;
    }
    c.close_after_answer = !request.keep_alive;
    handler_.on_request(c.id, request);
    c.reader.consume();
  }
  c.serving = false;
}

http_loop::connection* http_loop::answerable(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return nullptr;
  connection& c = *it->second;
  if (c.closing || !c.awaiting_answer || c.answering_chunked) return nullptr;
  return &c;
}

void http_loop::answer(std::uint64_t id, int status, std::string_view header_lines,
                       std::string_view body, const wire_faults& faults) {
  connection* found = answerable(id);
  if (!found) return;
  connection& c = *found;
  c.awaiting_answer = false;
  if (append_answer(c.out, status, header_lines, body, {faults, c.close_after_answer})) {
    c.close_when_flushed = true;
  }
  if (!c.serving) resume_.push_back(id);
  if (faults.dribble) {
    c.dribble = true;
    dribbling_.insert(id);
  } else if (!c.dribble) {
    flush(c);
  }
}

void http_loop::begin_chunked_answer(std::uint64_t id, int status, std::string_view header_lines) {
  connection* c = answerable(id);
  if (!c) return;
  c->answering_chunked = true;
  c->out += "HTTP/1.1 ";
  append_number(c->out, static_cast<std::size_t>(status), 10);
  c->out += ' ';
  c->out += reason_phrase(status);
  c->out += "\r\n";
  c->out += header_lines;
  if (c->close_after_answer) c->out += "Connection: close\r\n";
  c->out += "Transfer-Encoding: chunked\r\n\r\n";
  if (!c->dribble) flush(*c);
}

void http_loop::send_chunk(std::uint64_t id, std::string_view data) {
  auto it = connections_.find(id);
  if (it == connections_.end() || data.empty()) return;
  connection& c = *it->second;
  if (c.closing || !c.answering_chunked) return;
  append_number(c.out, data.size(), 16);
  c.out += "\r\n";
  c.out += data;
  c.out += "\r\n";
  if (!c.dribble) flush(c);
}

void http_loop::end_chunked_answer(std::uint64_t id, std::string_view trailer_lines) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  connection& c = *it->second;
  if (c.closing || !c.answering_chunked) return;
  c.answering_chunked = false;
  c.awaiting_answer = false;
  c.out += "0\r\n";
  c.out += trailer_lines;
  c.out += "\r\n";
  if (c.close_after_answer) c.close_when_flushed = true;
  if (!c.serving) resume_.push_back(id);
  if (!c.dribble) flush(c);
}

void http_loop::close(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it != connections_.end()) mark_closed(*it->second);
}

void http_loop::close_all() {
  for (auto& [id, c] : connections_) mark_closed(*c);
}

void http_loop::flush(connection& c) {
  while (c.sent < c.out.size()) {
    ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return watch_writable(c, true);
    return mark_closed(c);
  }
  c.sent = 0;
  if (c.out.capacity() > idle_buffer_limit) std::string().swap(c.out);
  c.out.clear();
  watch_writable(c, false);
  if (c.close_when_flushed) mark_closed(c);
}

void http_loop::dribble(time_point now) {
  for (auto it = dribbling_.begin(); it != dribbling_.end();) {
    connection& c = *connections_.at(*it);
    if (c.closing) {
      it = dribbling_.erase(it);
      continue;
    }
    if (c.next_byte <= now) {
      ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, 1, MSG_NOSIGNAL);
      if (n == 1) ++c.sent;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) mark_closed(c);
      c.next_byte = now + dribble_pace;
    }
    if (c.sent < c.out.size() && !c.closing) {
      ++it;
      continue;
    }
    c.dribble = false;
    it = dribbling_.erase(it);
    if (!c.closing) flush(c);
  }
}

void http_loop::watch_writable(connection& c, bool on) {
  if (c.watching_writable == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), &ev);
  c.watching_writable = on;
}

void http_loop::arm_listener(bool on) {
  epoll_event ev{};
  ev.events = on ? EPOLLIN : 0u;
  ev.data.u64 = listener_id;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, listener_.get(), &ev);
  if (on) listener_rests_until_.reset();
  else listener_rests_until_ = std::chrono::steady_clock::now() + accept_retry;
}

void http_loop::mark_closed(connection& c) {
  if (c.closing) return;
  c.closing = true;
  closing_.push_back(c.id);
}

void http_loop::close_marked() {
  if (closing_.empty()) return;
  for (std::uint64_t id : std::exchange(closing_, {})) {
    dribbling_.erase(id);
    connections_.erase(id);
    handler_.on_closed(id);
  }
  // Each close freed a descriptor for a connection still waiting in the backlog.
  if (listener_rests_until_) arm_listener(true);
}

}  // namespace lambda::emulator
