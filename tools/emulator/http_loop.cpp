#include "http_loop.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace lambda::emulator {
namespace {

constexpr std::uint64_t listener_id = 0;
constexpr std::uint64_t wake_id = UINT64_MAX;
// Long enough for the reader to wake between two bytes, so it meets every split of the answer.
constexpr auto dribble_pace = std::chrono::milliseconds(1);
// Out of descriptors, the listener rests this long unless a connection closes first: armed, it
// would wake the loop at once for a connection it cannot take.
constexpr auto accept_retry = std::chrono::milliseconds(100);
// Answers bigger than this give their buffer back once sent: idle connections stay small.
constexpr std::size_t kept_output_capacity = 64 * 1024;

constexpr std::string_view json_type = "Content-Type: application/json\r\n";

void add_to_epoll(int epoll, int fd, std::uint64_t id, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

}  // namespace

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
  bool close_after_answer = false;   // the client asked for it
  bool close_when_flushed = false;
  bool dribble = false;
  bool watching_writable = false;
  bool peer_closed = false;
  bool closing = false;
};

http_loop::http_loop(unique_fd listener, http_handler& handler, std::mutex& mutex)
    : listener_(std::move(listener)),
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
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) arm_listener(false);
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

void http_loop::serve_requests(connection& c) {
  c.serving = true;
  while (!c.awaiting_answer && !c.close_when_flushed && !c.closing) {
    received_request request;
    auto status = c.reader.next(request);
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
      answer(c.id, too_large ? 413 : 400, json_type,
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

void http_loop::answer(std::uint64_t id, int status, std::string_view header_lines,
                       std::string_view body, const wire_faults& faults) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  connection& c = *it->second;
  if (c.closing || !c.awaiting_answer) return;
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

void http_loop::close(std::uint64_t id) {
  auto it = connections_.find(id);
  if (it != connections_.end()) mark_closed(*it->second);
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
  if (c.out.capacity() > kept_output_capacity) std::string().swap(c.out);
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
