#include <pthread.h>
#include <sys/socket.h>
#include <signal.h>
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

connection* signalled_connection = nullptr;

extern "C" void interrupt_from_signal(int) { signalled_connection->interrupt(); }

// The runtime's stop calls interrupt() from a SIGTERM handler: here the signal even lands on the
// thread that is blocked in the request.
TEST(Interrupt, FromASignalHandlerOnTheBlockedThreadEndsTheRequest) {
  std::promise<void> parked;
  http_test_server server({park(parked)});
  connection conn(endpoint_at(server.address()));
  signalled_connection = &conn;
  struct sigaction action {}, previous{};
  action.sa_handler = interrupt_from_signal;
  action.sa_flags = SA_RESTART;  // as the runtime installs it: the blocked recv is restarted
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
  result blocked;
  std::thread client([&] {
    response out;
    blocked = conn.send(long_poll(), out);
  });
  ASSERT_EQ(parked.get_future().wait_for(10s), std::future_status::ready);
  pthread_kill(client.native_handle(), SIGUSR1);
  client.join();
  sigaction(SIGUSR1, &previous, nullptr);
  EXPECT_EQ(blocked.error, error_kind::interrupted) << blocked.message;
}

// What thread `tid` is blocked in, as /proc shows it: the call's number and arguments.
std::string blocked_call(pid_t tid) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
  std::string call;
  std::getline(file, call);
  return call;
}

// Waits (bounded) until thread `tid` is blocked receiving, with other arguments than `before`:
// in recvfrom, or in poll (ThreadSanitizer builds poll before a parked recv).
std::string wait_for_new_receive(pid_t tid, const std::string& before) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < give_up) {
    std::string call = blocked_call(tid);
    for (long number : {long{SYS_recvfrom}, long{SYS_poll}}) {
      if (call.starts_with(std::to_string(number) + " ") && call != before) return call;
    }
    std::this_thread::yield();
  }
  return {};
}

// An invocation the platform has begun to deliver must not be cut by a stop: interrupt() only
// ends a request still waiting for the first byte of its answer.
// How the arriving answer's body ends: by its length, or (HTTP/1.0) when the server closes.
struct arriving_answer {
  const char* name;
  const char* first_part;
  bool close_after_rest;
};

class interrupt_while_answering : public ::testing::TestWithParam<arriving_answer> {};

TEST_P(interrupt_while_answering, lets_the_answer_finish) {
  std::promise<void> got_request, first_part_sent;
  std::promise<void> send_first_part, send_the_rest;
  http_test_server server({[&](http_test_peer& peer) {
    http_test_request req;
    if (!peer.read_request(req)) return;
    got_request.set_value();
    if (send_first_part.get_future().wait_for(10s) != std::future_status::ready) return;
    peer.write(GetParam().first_part);
    first_part_sent.set_value();
    if (send_the_rest.get_future().wait_for(10s) != std::future_status::ready) return;
    peer.write("world");
    if (GetParam().close_after_rest) ::shutdown(peer.fd(), SHUT_WR);
    peer.wait_for_close();
  }});
  connection conn(endpoint_at(server.address()));
  std::atomic<pid_t> tid{0};
  result r;
  response out;
  std::string body;
  // A jthread: should an assertion end the test early, the server's bounded waits end the request.
  std::jthread client([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    r = conn.send(long_poll(), out);
    body = std::string(out.body);
  });
  ASSERT_EQ(got_request.get_future().wait_for(10s), std::future_status::ready);
  const std::string waiting = wait_for_new_receive(tid.load(), {});
  ASSERT_FALSE(waiting.empty()) << "the client never blocked receiving";
  send_first_part.set_value();
  ASSERT_EQ(first_part_sent.get_future().wait_for(10s), std::future_status::ready);
  // Blocked again, further into its buffer: the first part has been read.
  ASSERT_FALSE(wait_for_new_receive(tid.load(), waiting).empty());
  conn.interrupt();
  send_the_rest.set_value();
  client.join();
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(body, "helloworld");
  // Sticky all the same: the next poll is not sent.
  EXPECT_EQ(conn.send(long_poll(), out).error, error_kind::interrupted);
}

INSTANTIATE_TEST_SUITE_P(
    bodies, interrupt_while_answering,
    ::testing::Values(arriving_answer{"sized", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", false},
                      arriving_answer{"until_close", "HTTP/1.0 200 OK\r\n\r\nhello", true}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
