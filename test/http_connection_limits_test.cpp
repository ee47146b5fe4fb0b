#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

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

const request get{"GET", "/next"};

// Answers once with `answer`, then records whether the client closed the connection.
http_test_server::script answer_then_expect_close(std::string answer, std::atomic<bool>& closed) {
  return [answer = std::move(answer), &closed](http_test_peer& peer) {
    http_test_request req;
    if (!peer.read_request(req)) return;
    peer.write(answer);
    closed = peer.wait_for_close();
  };
}

// Sends `get` to a server answering `bad` on the first connection: expects `kind`, the
// connection closed, and the next send served by a new connection. `status` is what the failed
// answer still reports (0: nothing).
void expect_failure_then_recovery(const std::string& bad, error_kind kind,
                                  std::string_view message_part,
                                  connection_options options = {}, int status = 0) {
  std::atomic<bool> closed{false};
  http_test_server server({answer_then_expect_close(bad, closed), answer_each({http_ok("fine")})});
  connection conn(endpoint_at(server.address()), options);
  response out;
  result r = conn.send(get, out);
  EXPECT_EQ(r.error, kind) << r.message;
  EXPECT_NE(r.message.find(message_part), std::string::npos) << r.message;
  EXPECT_EQ(out.status, status);
  r = conn.send(get, out);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(out.body, "fine");
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_TRUE(closed);
}

TEST(ConnectionLimits, HeadOver64KiBIsTooLarge) {
  const std::string huge = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'h') +
                           "\r\nContent-Length: 0\r\n\r\n";
  expect_failure_then_recovery(huge, error_kind::too_large, "head larger than 64 KiB");
}

TEST(ConnectionLimits, TooManyHeaderFieldsIsTooLarge) {
  std::string many = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 65; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  expect_failure_then_recovery(many + "Content-Length: 0\r\n\r\n", error_kind::too_large,
                               "too many header fields");
}

connection_options small_bodies() {
  connection_options options;
  options.max_body = 1000;
  return options;
}

// The head of an answer whose declared body is too large stays readable: the runtime fails the
// invocation it names instead of losing it.
TEST(ConnectionLimits, SizedBodyOverTheLimitIsTooLargeButKeepsItsHead) {
  expect_failure_then_recovery(http_ok(std::string(1001, 'b')), error_kind::too_large,
                               "has a body of 1001 bytes or more, over the limit of 1000",
                               small_bodies(), 200);
  http_test_server server({answer_each({"HTTP/1.1 200 OK\r\nX-Id: 42\r\nContent-Length: 5000\r\n\r\n"})});
  connection conn(endpoint_at(server.address()), small_bodies());
  response out;
  EXPECT_EQ(conn.send(get, out).error, error_kind::too_large);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.header("x-id"), "42");
  EXPECT_TRUE(out.body.empty());
}

TEST(ConnectionLimits, SizedBodyAtTheLimitIsAccepted) {
  http_test_server server({answer_each({http_ok(std::string(1000, 'b'))})});
  connection conn(endpoint_at(server.address()), small_bodies());
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body.size(), 1000u);
}

TEST(ConnectionLimits, ChunkedBodyOverTheLimitIsTooLarge) {
  std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 11; ++i) chunked += "64\r\n" + std::string(100, 'c') + "\r\n";
  // The head arrived whole, so its status is still reported.
  expect_failure_then_recovery(chunked + "0\r\n\r\n", error_kind::too_large, "over the limit",
                               small_bodies(), 200);
}

// Found by fuzzing: a body past the limit followed by bad framing was malformed when both came
// in one read, too large when split. Each answer is written in two parts, split at every byte;
// how the reads split them is the kernel's choice, so the server's reader test covers every split.
TEST(ConnectionLimits, ChunkedBodyPastTheLimitIsTooLargeWhateverFramingFollows) {
  const std::string answer =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nzz\r\n";
  std::vector<http_test_server::script> scripts;
  for (std::size_t split = 0; split <= answer.size(); ++split) {
    scripts.push_back([&answer, split](http_test_peer& peer) {
      http_test_request req;
      if (!peer.read_request(req)) return;
      peer.write(std::string_view(answer).substr(0, split));
      peer.write(std::string_view(answer).substr(split));
      peer.wait_for_close();
    });
  }
  http_test_server server(scripts);
  connection_options options;
  options.max_body = 4;
  connection conn(endpoint_at(server.address()), options);
  for (std::size_t split = 0; split <= answer.size(); ++split) {
    response out;
    result r = conn.send(get, out);
    EXPECT_EQ(r.error, error_kind::too_large) << "split at " << split << ": " << r.message;
    EXPECT_EQ(out.status, 200);
  }
}

TEST(ConnectionLimits, BodyUntilCloseOverTheLimitIsTooLarge) {
  expect_failure_then_recovery("HTTP/1.0 200 OK\r\n\r\n" + std::string(2000, 'u'),
                               error_kind::too_large, "over the limit", small_bodies(), 200);
}

TEST(ConnectionLimits, MalformedAnswerClosesTheConnection) {
  expect_failure_then_recovery("HTTP/1.1 200 OK\nContent-Length: 0\n\n", error_kind::malformed,
                               "is not valid HTTP/1.1: bare LF in head");
}

TEST(ConnectionLimits, MalformedChunkedBodyClosesTheConnection) {
  expect_failure_then_recovery("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                               error_kind::malformed, "invalid chunk size", {}, 200);
}

TEST(ConnectionLimits, UnaskedProtocolSwitchIsMalformed) {
  expect_failure_then_recovery("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
                               error_kind::malformed, "switches protocols");
}

TEST(ConnectionLimits, BytesPastTheAnswerCloseTheConnection) {
  std::atomic<bool> closed{false};
  http_test_server server({answer_then_expect_close(http_ok("a") + "surplus", closed),
                           answer_each({http_ok("b")})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "a");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "b");
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_TRUE(closed);
}

TEST(ConnectionLimits, RefusedConnectionsAreRetriedWithinTheBudget) {
  refusing_port port;
  connection_options options;
  options.first_backoff = 5ms;
  options.max_backoff = 40ms;
  options.retry_budget = 200ms;
  connection conn(endpoint_at(port.address()), options);
  response out;
  const auto start = std::chrono::steady_clock::now();
  result r = conn.send(get, out);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.error, error_kind::connect_failed);
  EXPECT_NE(r.message.find("cannot connect to " + port.address() + ": Connection refused"),
            std::string::npos) << r.message;
  EXPECT_NE(r.message.find("(retried for 200 ms)"), std::string::npos) << r.message;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 5s);
}

TEST(ConnectionLimits, NoBudgetMeansOneAttempt) {
  refusing_port port;
  connection_options options;
  options.first_backoff = 10s;
  options.retry_budget = 0ms;
  connection conn(endpoint_at(port.address()), options);
  response out;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(conn.send(get, out).error, error_kind::connect_failed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
