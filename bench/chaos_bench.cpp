// Chaos (issue 14 §4): the echo example at N = 64 for 60 s against a Runtime API that misbehaves
// at random, with its own bookkeeping. The server here is self-contained (a thread per
// connection on loopback, blocking sockets) so that the check is independent of the project's
// runtime_api_server.
//
// On GET /next it may: close before answering (parked or not; the event stays queued); send a
// malformed head naming the first queued event, then close (the event stays queued); cut the
// answer inside the body, then close (the runtime knows the id: it must fail the invocation);
// dribble the bytes with pauses; close after a whole answer. On a POST it may: close having
// read it but without processing it ("dropped": as if the server died first); accept it and
// close without answering ("silently accepted"); refuse it with 410, 413 or 400 (the invocation
// is then failed); dribble or close after the answer.
//
// Every event handed out (a whole /next answer, or one cut in its body) must end exactly once:
// answered (a POST accepted with 202, with the event's own bytes for a /response) or failed (a
// POST refused). Any other POST for it is a duplicate; a POST for an event never handed out is
// stray; an event handed out that no POST ever reached is lost.
//
//   chaos_bench [seconds]    default 60
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../tools/emulator/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using lambda::emulator::child_process;
using clock_type = std::chrono::steady_clock;

const std::string echo = std::string(LAMBDA_TEST_BUILD_DIR) + "/examples/echo/bootstrap";

// Percentages of each fault, per request.
struct rates {
  int poll_close_before = 4, poll_malformed = 4, poll_cut = 3, poll_dribble = 10, poll_close_after = 5;
  int post_dropped = 3, post_silent_accept = 3, post_410 = 3, post_413 = 3, post_400 = 3, post_dribble = 10,
      post_close_after = 5;
};

std::atomic<std::uint64_t> seed_counter{0};
std::uint64_t base_seed = 0;

int roll() {
  thread_local std::mt19937_64 random(base_seed + 0x9e3779b97f4a7c15ULL * ++seed_counter);
  return static_cast<int>(random() % 100);
}

int random_below(int n) {
  thread_local std::mt19937_64 random(base_seed ^ (0xdeadbeefULL * ++seed_counter));
  return n <= 0 ? 0 : static_cast<int>(random() % static_cast<std::uint64_t>(n));
}

enum class outcome {
  none,
  response_ok,         // 202 for a /response with the event's bytes
  response_wrong,      // 202 for a /response with other bytes
  error_function,      // 202 for an /error of the handler (Function.*)
  error_runtime,       // 202 for an /error of the runtime (Runtime.*, e.g. an event cut short)
  refused_410,
  refused_413,
  refused_400,
};

const char* describe(outcome o) {
  switch (o) {
    case outcome::none: return "none";
    case outcome::response_ok: return "answered: /response with the event's bytes";
    case outcome::response_wrong: return "answered: /response with OTHER bytes";
    case outcome::error_function: return "answered: /error from the handler (Function.*)";
    case outcome::error_runtime: return "answered: /error from the runtime (Runtime.*)";
    case outcome::refused_410: return "failed: its post refused 410";
    case outcome::refused_413: return "failed: its post refused 413";
    case outcome::refused_400: return "failed: its post refused 400";
  }
  return "?";
}

struct event_record {
  std::string id;
  std::string payload;  // dropped once the event is settled
  enum class state { queued, running, settled } now = state::queued;
  bool expect_failure = false;  // {"fail":true}
  int handouts = 0;             // /next answers that carried it (whole, or cut in the body)
  bool cut = false;
  int malformed_mentions = 0;   // malformed /next heads that named it
  int posts = 0;                // POSTs for it that the server read, whatever it did with them
  int dropped_posts = 0;        // read, then the connection closed without processing them
  int silently_accepted = 0;    // accepted, then the connection closed without an answer
  int duplicates = 0;           // POSTs after it settled
  int stray = 0;                // POSTs while it was queued
  outcome result = outcome::none;
  std::string error_type;
};

// One request as read from a connection.
struct request {
  std::string method, target, error_type;
  std::string body;
};

std::string header_value(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t start = at + 2, end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon == name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
    at = end;
  }
  return {};
}

class chaos_server {
 public:
  explicit chaos_server(rates r) : rates_(r) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 || listen(listener_, 1024) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      std::perror("chaos_bench: listen");
      std::exit(1);
    }
    address_ = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    for (int i = 0; i < queue_target; ++i) add_event();
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~chaos_server() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    close(listener_);
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_) shutdown(fd, SHUT_RDWR);
    }
    changed_.notify_all();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return live_ == 0; });
  }

  const std::string& address() const { return address_; }

  // No event is handed out any more; the ones queued stay queued.
  void stop_handing_out() {
    std::lock_guard lock(mutex_);
    handing_out_ = false;
  }

  // Whether, within `timeout`, every event handed out has settled, except those whose posts the
  // server dropped (the runtime sends a post again once, on a kept-alive connection only).
  bool wait_settled(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      return std::all_of(running_set_.begin(), running_set_.end(), [](auto* e) { return e->dropped_posts > 0; });
    });
  }

  std::size_t running() {
    std::lock_guard lock(mutex_);
    return running_;
  }

  // Prints the counts; returns whether the books hold no violation.
  bool report(double seconds);

 private:
  static constexpr int queue_target = 128;

  void add_event() {  // under mutex_, or before any thread runs
    auto e = std::make_unique<event_record>();
    const std::uint64_t n = events_.size() + 1;
    char id[48];
    std::snprintf(id, sizeof id, "c4a05000-0000-4000-8000-%012llx", static_cast<unsigned long long>(n));
    e->id = id;
    const int kind = random_below(100);
    const int sleep_ms = kind < 30 ? 1 + random_below(20) : 0;
    e->expect_failure = kind >= 98;
    e->payload = "{\"n\":" + std::to_string(n) + ",\"sleep_ms\":" + std::to_string(sleep_ms) +
                 (e->expect_failure ? ",\"fail\":true" : "") + ",\"pad\":\"" +
                 std::string(static_cast<std::size_t>(random_below(2000)), 'p') + "\"}";
    by_id_[e->id] = e.get();
    queue_.push_back(e.get());
    events_.push_back(std::move(e));
  }

  void accept_loop() {
    while (!stopping_) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (stopping_) break;
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      timeval tick{0, 100'000};  // reads wake up to see stopping_
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick);
      {
        std::lock_guard lock(mutex_);
        ++live_;
        ++connections_;
        open_.insert(fd);
      }
      std::thread([this, fd] {
        serve(fd);
        std::lock_guard lock(mutex_);
        open_.erase(fd);
        close(fd);
        --live_;
        changed_.notify_all();
      }).detach();
    }
  }

  // Reads one request; false when the connection closed, broke or the server stops.
  bool read_request(int fd, std::string& in, request& out) {
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!receive(fd, in)) return false;
    }
    const std::string_view head(in.data(), head_end + 2);
    const std::size_t space = head.find(' '), space2 = head.find(' ', space + 1);
    if (space == std::string_view::npos || space2 == std::string_view::npos) return false;
    out.method = head.substr(0, space);
    out.target = head.substr(space + 1, space2 - space - 1);
    out.error_type = header_value(head, "Lambda-Runtime-Function-Error-Type");
    if (!header_value(head, "Transfer-Encoding").empty()) {
      ++unsupported_;
      return false;
    }
    const std::size_t length = std::strtoull(header_value(head, "Content-Length").c_str(), nullptr, 10);
    const std::size_t whole = head_end + 4 + length;
    while (in.size() < whole) {
      if (!receive(fd, in)) return false;
    }
    out.body = in.substr(head_end + 4, length);
    in.erase(0, whole);
    return true;
  }

  bool receive(int fd, std::string& in) {
    char chunk[16384];
    for (;;) {
      const ssize_t got = recv(fd, chunk, sizeof chunk, 0);
      if (got > 0) {
        in.append(chunk, static_cast<std::size_t>(got));
        return true;
      }
      if (got == 0 || stopping_ || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return false;
    }
  }

  static bool send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // The bytes in up to 6 pieces, with pauses of up to 2 ms between them.
  static bool dribble(int fd, std::string_view bytes) {
    const int pieces = 2 + random_below(5);
    for (int i = 0; i < pieces && !bytes.empty(); ++i) {
      const std::size_t size = i + 1 == pieces ? bytes.size() : 1 + random_below(static_cast<int>(std::min<std::size_t>(bytes.size(), 200)));
      if (!send_all(fd, bytes.substr(0, size))) return false;
      bytes.remove_prefix(std::min(size, bytes.size()));
      std::this_thread::sleep_for(std::chrono::microseconds(random_below(2000)));
    }
    return send_all(fd, bytes);
  }

  void bump(std::map<std::string, std::uint64_t>& counts, const std::string& what) {
    std::lock_guard lock(count_mutex_);
    ++counts[what];
  }

  // Whether the runtime closed (or shut down) its side of a parked poll.
  static bool peer_closed(int fd) {
    pollfd p{fd, POLLRDHUP, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
  }

  void serve(int fd) {
    std::string in;
    request req;
    for (int served = 0; !stopping_ && read_request(fd, in, req); ++served) {
      bool keep = true;
      if (req.method == "GET" && req.target == "/2018-06-01/runtime/invocation/next") {
        keep = serve_next(fd);
      } else if (req.method == "POST" && req.target.starts_with("/2018-06-01/runtime/invocation/")) {
        keep = serve_post(fd, req, served == 0);
      } else {
        ++unknown_requests_;
        keep = send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      }
      if (!keep) return;
    }
  }

  std::string next_head(const event_record& e, std::size_t length) {
    const auto deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch() + 60s).count();
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: " + e.id +
           "\r\nLambda-Runtime-Deadline-Ms: " + std::to_string(deadline) +
           "\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:chaos"
           "\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;Sampled=0"
           "\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
  }

  // A head no HTTP/1.1 client may accept, naming event `e`.
  std::string malformed_head(const event_record& e, std::size_t length, int variety) {
    const std::string id = "Lambda-Runtime-Aws-Request-Id: " + e.id + "\r\n";
    const std::string cl = std::to_string(length);
    ++malformed_kinds_[variety];
    switch (variety) {
      case 0: return "HTTP/1.1 2x0 OK\r\n" + id + "Content-Length: " + cl + "\r\n\r\n";             // status
      case 1: return "HTTP/1.1 200 OK\r\n" + id + "Content-Length " + cl + "\r\n\r\n";             // no colon
      case 2: return "HTTP/1.1 200 OK\r\n" + id + "Content-Length : " + cl + "\r\n\r\n";           // space before colon
      case 3: return "HTTP/1.1 200 OK\r\n" + id + "Content-Length: " + cl + "\r\nContent-Length: " +
                     std::to_string(length + 1) + "\r\n\r\n";                                         // two lengths
      case 4: return "HTTP/1.1 200 OK\r\n" + id + "Content-Length: -" + cl + "\r\n\r\n";           // negative length
      default: return "HTTP/1.1 200 OK\r\n" + id + "X-Bad: a\rb\r\nContent-Length: " + cl + "\r\n\r\n";  // bare CR
    }
  }

  // Waits for an event to hand out; nullptr when the runtime closed the poll or the server stops.
  event_record* wait_for_event(int fd, std::unique_lock<std::mutex>& lock) {
    for (;;) {
      if (stopping_) return nullptr;
      if (handing_out_ && !queue_.empty()) return queue_.front();
      changed_.wait_for(lock, 50ms);
      if (peer_closed(fd)) return nullptr;
    }
  }

  bool serve_next(int fd) {
    ++polls_;
    const int r = roll();
    const rates& f = rates_;
    if (r < f.poll_close_before) {
      bump(poll_faults_, "closed before answering");
      std::this_thread::sleep_for(std::chrono::milliseconds(random_below(20)));  // parked a while first
      return false;
    }
    std::unique_lock lock(mutex_);
    event_record* e = wait_for_event(fd, lock);
    if (e == nullptr) return false;
    if (r < f.poll_close_before + f.poll_malformed) {
      bump(poll_faults_, "malformed head, then closed");
      ++e->malformed_mentions;
      const std::string bad = malformed_head(*e, e->payload.size(), random_below(6)) + e->payload;
      lock.unlock();
      send_all(fd, bad);
      return false;
    }
    queue_.pop_front();
    if (handing_out_) add_event();
    e->now = event_record::state::running;
    ++e->handouts;
    ++running_;
    running_set_.insert(e);
    ++handed_out_;
    const std::string answer = next_head(*e, e->payload.size()) + e->payload;
    const std::size_t body_at = answer.size() - e->payload.size();
    const int cut_at = r - f.poll_close_before - f.poll_malformed;
    if (cut_at >= 0 && cut_at < f.poll_cut) {
      bump(poll_faults_, "cut inside the body, then closed");
      e->cut = true;
      lock.unlock();
      send_all(fd, std::string_view(answer).substr(0, body_at + random_below(static_cast<int>(e->payload.size()))));
      return false;
    }
    lock.unlock();
    const int rest = cut_at - f.poll_cut;
    if (rest >= 0 && rest < f.poll_dribble) {
      bump(poll_faults_, "dribbled");
      return dribble(fd, answer);
    }
    if (rest >= f.poll_dribble && rest < f.poll_dribble + f.poll_close_after) {
      bump(poll_faults_, "closed after a whole answer");
      send_all(fd, answer);
      return false;
    }
    bump(poll_faults_, "none");
    return send_all(fd, answer);
  }

  // `first`: the first request on its connection, which the runtime does not send again when
  // the connection breaks before the answer (it does on a kept-alive one).
  bool serve_post(int fd, const request& req, bool first) {
    ++posts_;
    std::string_view rest = std::string_view(req.target).substr(std::strlen("/2018-06-01/runtime/invocation/"));
    const std::size_t slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string_view call = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    int r = roll();
    const rates& f = rates_;
    std::unique_lock lock(mutex_);
    auto found = by_id_.find(id);
    event_record* e = found == by_id_.end() ? nullptr : found->second;
    if (e) ++e->posts;
    if (r < f.post_dropped) {
      bump(post_faults_, first ? "dropped unprocessed, closed (fresh conn.)" : "dropped unprocessed, closed (reused conn.)");
      if (e) ++e->dropped_posts;
      changed_.notify_all();
      return false;
    }
    r -= f.post_dropped;
    int status = 202;
    bool silent = false, refused = false;
    if (e == nullptr || (call != "response" && call != "error")) {
      ++unknown_posts_;
      status = 400;
    } else if (e->now == event_record::state::queued) {
      ++e->stray;
      status = 400;
    } else if (e->now == event_record::state::settled) {
      ++e->duplicates;
      status = 400;
    } else {
      if (r < f.post_410) status = 410;
      else if (r < f.post_410 + f.post_413) status = 413;
      else if (r < f.post_410 + f.post_413 + f.post_400) status = 400;
      else silent = r < f.post_410 + f.post_413 + f.post_400 + f.post_silent_accept;
      refused = status != 202;
      if (status == 410) e->result = outcome::refused_410;
      else if (status == 413) e->result = outcome::refused_413;
      else if (status == 400) e->result = outcome::refused_400;
      else if (call == "response") e->result = req.body == e->payload ? outcome::response_ok : outcome::response_wrong;
      else e->result = req.error_type.starts_with("Runtime.") ? outcome::error_runtime : outcome::error_function;
      e->error_type = req.error_type;
      e->now = event_record::state::settled;
      e->payload.clear();
      e->payload.shrink_to_fit();
      --running_;
      running_set_.erase(e);
      if (silent) ++e->silently_accepted;
      changed_.notify_all();
    }
    lock.unlock();
    r -= f.post_410 + f.post_413 + f.post_400;
    if (silent) {
      bump(post_faults_, first ? "accepted, closed unanswered (fresh conn.)" : "accepted, closed unanswered (reused conn.)");
      return false;
    }
    const std::string answer =
        status == 202 ? std::string("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n")
                      : "HTTP/1.1 " + std::to_string(status) +
                            " Refused\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    if (refused) bump(post_faults_, "refused " + std::to_string(status));
    if (status != 202 && !refused) bump(post_faults_, "answered 400: not running (duplicate, stray)");
    r -= f.post_silent_accept;
    if (r >= 0 && r < f.post_dribble) {
      bump(post_faults_, "dribbled");
      return dribble(fd, answer);
    }
    if (r >= f.post_dribble && r < f.post_dribble + f.post_close_after) {
      bump(post_faults_, "closed after the answer");
      send_all(fd, answer);
      return false;
    }
    return send_all(fd, answer);
  }

  rates rates_;
  int listener_ = -1;
  std::string address_;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};

  std::mutex mutex_;  // everything below
  std::condition_variable changed_;
  std::vector<std::unique_ptr<event_record>> events_;
  std::unordered_map<std::string, event_record*> by_id_;
  std::deque<event_record*> queue_;
  bool handing_out_ = true;
  std::size_t running_ = 0, handed_out_ = 0;
  std::set<event_record*> running_set_;
  std::set<int> open_;
  int live_ = 0;
  std::uint64_t connections_ = 0, unknown_posts_ = 0, unknown_requests_ = 0;
  std::atomic<std::uint64_t> polls_{0}, posts_{0}, unsupported_{0};
  std::map<int, std::uint64_t> malformed_kinds_;
  std::mutex count_mutex_;  // the fault counts, bumped with or without mutex_
  std::map<std::string, std::uint64_t> poll_faults_, post_faults_;

  std::uint64_t duplicates_ = 0, retried_silent_ = 0, stray_ = 0, lost_ = 0, given_up_ = 0, handed_twice_ = 0,
                wrong_ = 0;
};

bool chaos_server::report(double seconds) {
  std::scoped_lock lock(mutex_, count_mutex_);
  std::map<outcome, std::uint64_t> outcomes;
  std::map<std::string, std::uint64_t> error_types;
  std::uint64_t queued = 0, cut = 0, cut_answered_runtime = 0, malformed_mentions = 0;
  for (const auto& e : events_) {
    malformed_mentions += e->malformed_mentions;
    stray_ += e->stray;
    if (e->now == event_record::state::queued) {
      ++queued;
      continue;
    }
    if (e->handouts > 1) ++handed_twice_;
    if (e->cut) {
      ++cut;
      if (e->result == outcome::error_runtime) ++cut_answered_runtime;
    }
    if (e->now == event_record::state::running) {
      // No post reached the server (lost), or the posts that did were dropped by it unprocessed.
      if (e->dropped_posts > 0) ++given_up_;
      else ++lost_;
      continue;
    }
    ++outcomes[e->result];
    if (e->result == outcome::response_wrong) ++wrong_;
    if (e->result == outcome::error_function || e->result == outcome::error_runtime) ++error_types[e->error_type];
    duplicates_ += e->duplicates;
    if (e->duplicates > 0 && e->silently_accepted > 0) retried_silent_ += e->duplicates;
  }
  std::printf("%.1f s; %llu connections accepted; %llu polls, %llu posts\n", seconds,
              static_cast<unsigned long long>(connections_), static_cast<unsigned long long>(polls_.load()),
              static_cast<unsigned long long>(posts_.load()));
  std::printf("polls by fault:\n");
  for (const auto& [what, n] : poll_faults_) std::printf("  %-40s %8llu\n", what.c_str(), static_cast<unsigned long long>(n));
  std::printf("  malformed heads by kind (status, no colon, space before colon, two lengths, negative length, bare CR):");
  for (int k = 0; k < 6; ++k) std::printf(" %llu", static_cast<unsigned long long>(malformed_kinds_[k]));
  std::printf("\nposts by fault:\n");
  for (const auto& [what, n] : post_faults_) std::printf("  %-40s %8llu\n", what.c_str(), static_cast<unsigned long long>(n));
  std::printf("events: %zu created, %zu handed out (%llu cut in the body, of which %llu failed by the runtime with "
              "Runtime.*), %llu never handed out (still queued; named by %llu malformed heads in all)\n",
              events_.size(), handed_out_, static_cast<unsigned long long>(cut),
              static_cast<unsigned long long>(cut_answered_runtime), static_cast<unsigned long long>(queued),
              static_cast<unsigned long long>(malformed_mentions));
  std::printf("outcomes of the %zu handed out:\n", handed_out_);
  for (const auto& [what, n] : outcomes) std::printf("  %-52s %8llu\n", describe(what), static_cast<unsigned long long>(n));
  for (const auto& [type, n] : error_types) std::printf("    error type %-38s %8llu\n", type.c_str(), static_cast<unsigned long long>(n));
  std::printf("  %-52s %8llu\n", "unsettled: every post for it dropped by the server", static_cast<unsigned long long>(given_up_));
  std::printf("  %-52s %8llu\n", "LOST: handed out, no post ever reached the server", static_cast<unsigned long long>(lost_));
  std::printf("violations: duplicate posts %llu (of which after a silently accepted post %llu), stray posts (event "
              "queued) %llu, posts for unknown ids %llu, wrong bodies %llu, handed out twice %llu, lost %llu\n",
              static_cast<unsigned long long>(duplicates_), static_cast<unsigned long long>(retried_silent_),
              static_cast<unsigned long long>(stray_), static_cast<unsigned long long>(unknown_posts_),
              static_cast<unsigned long long>(wrong_), static_cast<unsigned long long>(handed_twice_),
              static_cast<unsigned long long>(lost_));
  return duplicates_ == retried_silent_ && stray_ == 0 && unknown_posts_ == 0 && wrong_ == 0 && handed_twice_ == 0 &&
         lost_ == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 60;
  const unsigned rics = 64;
  base_seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::random_device{}();
  signal(SIGPIPE, SIG_IGN);
  std::printf("chaos_bench: %d s, echo N=%u (%s), seed %llu\n", seconds, rics, echo.c_str(),
              static_cast<unsigned long long>(base_seed));
  std::fflush(stdout);
  auto server = std::make_unique<chaos_server>(rates{});
  child_process process({.argv = {echo},
                         .env = {"AWS_LAMBDA_RUNTIME_API=" + server->address(),
                                 "AWS_LAMBDA_MAX_CONCURRENCY=" + std::to_string(rics), "AWS_LAMBDA_LOG_LEVEL=WARN", "AWS_LAMBDA_LOG_FORMAT=JSON"}});
  const auto start = clock_type::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  server->stop_handing_out();
  const bool settled = server->wait_settled(15s);
  std::this_thread::sleep_for(2s);  // a post sent again after a drop has time to land
  const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  const auto alive = process.status();
  std::printf("%s\n", settled ? "every event handed out settled after the run"
                              : "NOT every event handed out settled within 15 s after the run");
  if (alive) std::printf("the bootstrap DIED during the run: %s\n", alive->describe().c_str());
  process.signal(SIGTERM);
  const auto exit = process.wait_exit(10s);
  const bool books_clean = server->report(elapsed);
  const std::string log = process.stderr_text() + process.stdout_text();
  std::size_t warnings = 0, errors = 0;
  for (std::size_t at = 0; (at = log.find("\"level\":\"WARN\"", at)) != std::string::npos; ++at) ++warnings;
  for (std::size_t at = 0; (at = log.find("\"level\":\"ERROR\"", at)) != std::string::npos; ++at) ++errors;
  std::printf("bootstrap: %s after SIGTERM; logged %zu WARN and %zu ERROR records\n",
              exit ? exit->describe().c_str() : "still running", warnings, errors);
  const bool clean = settled && !alive && books_clean;
  std::printf("every event handed out answered exactly once or failed (duplicates only after silently accepted "
              "posts): %s\n", clean ? "yes" : "NO");
  if (!clean && log.size() > 0) {
    std::printf("last log lines:\n%s\n", log.substr(log.size() > 2000 ? log.size() - 2000 : 0).c_str());
  }
  server.reset();
  return clean ? 0 : 1;
}
