#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "http/connection.hpp"
#include "support/http_test_server.hpp"

namespace {

using namespace lambda::http;
using namespace std::chrono_literals;
using lambda::test::answer_each;
using lambda::test::endpoint_at;
using lambda::test::http_ok;
using lambda::test::http_test_peer;
using lambda::test::http_test_request;
using lambda::test::http_test_server;
using lambda::test::refusing_port;

request long_poll() {
  request req{"GET", "/2018-06-01/runtime/invocation/next"};
  req.interruptible = true;
  return req;
}

const request post{"POST", "/response", {}, "done"};

// Reads one request, says so, then waits for the client to close. Should the client never
// close (interrupt() failed), it answers after all, so the test fails instead of hanging.
http_test_server::script park(std::promise<void>& parked) {
  return [&parked](http_test_peer& peer) {
    http_test_request req;
    if (!peer.read_request(req)) return;
    parked.set_value();
    if (!peer.wait_for_close()) peer.write(http_ok("interrupt() did not work"));
  };
}

class eventfd_guard {
 public:
  eventfd_guard() : fd_(eventfd(0, EFD_CLOEXEC)) {}
  ~eventfd_guard() { ::close(fd_); }
  int fd() const { return fd_; }
  void signal() const {
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(fd_, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  }

 private:
  int fd_;
};

// Waits (bounded) until thread `tid` is blocked in poll(2), as read from /proc.
bool wait_until_polling(pid_t tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/syscall";
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream file(path);
    long number = -1;
    file >> number;
    if (number == SYS_poll || number == SYS_ppoll) return true;
    std::this_thread::yield();
  }
  return false;
}

TEST(Interrupt, WakesABlockedRequestAndEveryLaterInterruptibleOne) {
  std::promise<void> parked;
  http_test_server server({park(parked), answer_each({http_ok("still works")})});
  connection conn(endpoint_at(server.address()));
  result blocked;
  std::thread client([&] {
    response out;
    blocked = conn.send(long_poll(), out);
  });
  ASSERT_EQ(parked.get_future().wait_for(10s), std::future_status::ready);
  conn.interrupt();
  client.join();
  EXPECT_EQ(blocked.error, error_kind::interrupted) << blocked.message;

  response out;
  result later = conn.send(long_poll(), out);
  EXPECT_EQ(later.error, error_kind::interrupted);
  EXPECT_EQ(server.accepted(), 1);  // failed at once, without connecting

  result r = conn.send(post, out);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(out.body, "still works");
}

TEST(Interrupt, BeforeAnyRequestLeavesOtherRequestsAlone) {
  http_test_server server({answer_each({http_ok("one"), http_ok("two")})});
  connection conn(endpoint_at(server.address()));
  conn.interrupt();
  response out;
  EXPECT_EQ(conn.send(long_poll(), out).error, error_kind::interrupted);
  EXPECT_EQ(server.accepted(), 0);
  ASSERT_TRUE(conn.send(post, out));
  EXPECT_EQ(out.body, "one");
  ASSERT_TRUE(conn.send(post, out));
  EXPECT_EQ(out.body, "two");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Interrupt, BetweenRequestsLeavesTheKeptConnectionUsable) {
  http_test_server server({answer_each({http_ok("one"), http_ok("two")})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(long_poll(), out));
  conn.interrupt();
  ASSERT_TRUE(conn.send(post, out));
  EXPECT_EQ(out.body, "two");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Interrupt, EndsTheWaitBetweenConnectRetries) {
  refusing_port port;
  connection_options options;
  options.first_backoff = 30s;
  options.retry_budget = 60s;
  connection conn(endpoint_at(port.address()), options);
  std::atomic<pid_t> tid{0};
  result r;
  std::thread client([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    response out;
    r = conn.send(long_poll(), out);
  });
  while (tid.load() == 0) std::this_thread::yield();
  EXPECT_TRUE(wait_until_polling(tid.load()));
  const auto start = std::chrono::steady_clock::now();
  conn.interrupt();
  client.join();
  EXPECT_EQ(r.error, error_kind::interrupted) << r.message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(WakeFd, EndsAnInterruptibleRequest) {
  std::promise<void> parked;
  http_test_server server({park(parked), answer_each({http_ok("answered")})});
  eventfd_guard wake;
  connection_options options;
  options.wake_fd = wake.fd();
  connection conn(endpoint_at(server.address()), options);
  std::thread signaller([&] {
    if (parked.get_future().wait_for(10s) == std::future_status::ready) wake.signal();
  });
  response out;
  result r = conn.send(long_poll(), out);
  signaller.join();
  EXPECT_EQ(r.error, error_kind::interrupted) << r.message;

  // Still readable: the connection never reads it, and other requests ignore it.
  r = conn.send(post, out);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(out.body, "answered");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(WakeFd, AlreadyReadableEndsTheRequestAtItsFirstWait) {
  std::atomic<bool> closed{false};
  http_test_server server({[&](http_test_peer& peer) {
    http_test_request req;
    peer.read_request(req);
    closed = peer.wait_for_close();
  }});
  eventfd_guard wake;
  wake.signal();
  connection_options options;
  options.wake_fd = wake.fd();
  connection conn(endpoint_at(server.address()), options);
  response out;
  EXPECT_EQ(conn.send(long_poll(), out).error, error_kind::interrupted);
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_TRUE(closed);
}

TEST(WakeFd, EndsTheWaitBetweenConnectRetries) {
  refusing_port port;
  eventfd_guard wake;
  wake.signal();
  connection_options options;
  options.wake_fd = wake.fd();
  options.first_backoff = 30s;
  options.retry_budget = 60s;
  connection conn(endpoint_at(port.address()), options);
  response out;
  const auto start = std::chrono::steady_clock::now();
  result r = conn.send(long_poll(), out);
  EXPECT_EQ(r.error, error_kind::interrupted) << r.message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
