#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/http_test_server.hpp"

namespace {

using namespace lambda::http;
using lambda::test::http_test_peer;
using lambda::test::http_test_request;
using lambda::test::answer_each;
using lambda::test::endpoint_at;
using lambda::test::http_ok;
using lambda::test::http_test_server;

const request get{"GET", "/2018-06-01/runtime/invocation/next"};

TEST(Connection, KeepAliveServesManyRequestsOnOneConnection) {
  std::vector<http_test_request> seen;
  http_test_server server(
      {answer_each({http_ok("first"), http_ok("second"), http_ok("third")}, &seen)});
  {
    connection conn(endpoint_at(server.address()));
    response out;
    const header extra[] = {{"User-Agent", "lambda-ric-cpp/0.1"}};
    const request post{"POST", "/2018-06-01/runtime/invocation/abc/response", extra, "{\"a\":1}"};
    ASSERT_TRUE(conn.send(get, out));
    EXPECT_EQ(out.status, 200);
    EXPECT_EQ(out.body, "first");
    ASSERT_TRUE(conn.send(post, out));
    EXPECT_EQ(out.body, "second");
    ASSERT_TRUE(conn.send(get, out));
    EXPECT_EQ(out.body, "third");
    EXPECT_EQ(server.accepted(), 1);
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(seen[0].header("Host"), server.address());
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].header("User-Agent"), "lambda-ric-cpp/0.1");
  EXPECT_EQ(seen[1].header("Content-Length"), "7");
  EXPECT_EQ(seen[1].body, "{\"a\":1}");
}

TEST(Connection, AnswerHeadersAreFoundInAnyCase) {
  http_test_server server({answer_each({"HTTP/1.1 200 OK\r\n"
                                      "lambda-runtime-aws-request-id: 8476a536\r\n"
                                      "Content-Type: application/json\r\n"
                                      "Content-Length: 2\r\n\r\n{}"})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.header("Lambda-Runtime-Aws-Request-Id"), "8476a536");
  EXPECT_EQ(out.header("content-type"), "application/json");
  EXPECT_EQ(out.header("Lambda-Runtime-Deadline-Ms"), "");
  EXPECT_EQ(out.headers.size(), 3u);
  EXPECT_EQ(out.body, "{}");
}

TEST(Connection, ConnectionCloseMakesTheNextSendReconnect) {
  http_test_server server(
      {answer_each({http_ok("bye", "Connection: close\r\n")}), answer_each({http_ok("hi")})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "bye");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "hi");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(Connection, Http10AnswerIsReadToTheEnd) {
  http_test_server server({[](http_test_peer& peer) {
                             http_test_request req;
                             if (!peer.read_request(req)) return;
                             peer.write("HTTP/1.0 200 OK\r\n\r\nuntil close");
                           },
                           answer_each({http_ok("next")})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "until close");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "next");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(Connection, Http10KeepAliveIsKept) {
  const std::string answer =
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nk";
  http_test_server server({answer_each({answer, answer})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "k");
  EXPECT_EQ(server.accepted(), 1);
}

const std::string chunked_answer =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
    "5;ext=1\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n";

TEST(Connection, ChunkedAnswerWithTrailers) {
  http_test_server server({answer_each({chunked_answer, http_ok("after")})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "hello, world");
  EXPECT_EQ(out.header("Trailer"), "X-Checksum");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "after");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Connection, AnswersDribbledOneByteAtATime) {
  const std::string sized =
      http_ok("dribbled body", "Lambda-Runtime-Deadline-Ms: 1700000000000\r\n");
  http_test_server server({[&](http_test_peer& peer) {
    for (const std::string* answer : {&sized, &chunked_answer}) {
      http_test_request req;
      if (!peer.read_request(req)) return;
      peer.dribble(*answer);
    }
    peer.wait_for_close();
  }});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "dribbled body");
  EXPECT_EQ(out.header("Lambda-Runtime-Deadline-Ms"), "1700000000000");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "hello, world");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Connection, AnswersWithoutBodies) {
  http_test_server server({answer_each({
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",  // to a HEAD request
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + http_ok("final"),
  })});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(out.body, "");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.status, 304);
  EXPECT_EQ(out.body, "");
  ASSERT_TRUE(conn.send({"HEAD", "/"}, out));
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "");
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "final");
  EXPECT_EQ(out.header("Link"), "");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Connection, ClosedBeforeAnswerOnAReusedConnectionIsSentAgainOnce) {
  std::vector<http_test_request> retried;
  http_test_server server({[](http_test_peer& peer) {
                             http_test_request req;
                             if (!peer.read_request(req)) return;
                             peer.write(http_ok("first"));
                             peer.read_request(req);  // then close without a word
                           },
                           answer_each({http_ok("second")}, &retried)});
  {
    connection conn(endpoint_at(server.address()));
    response out;
    ASSERT_TRUE(conn.send(get, out));
    const request post{"POST", "/r", {}, "payload"};
    result r = conn.send(post, out);
    ASSERT_TRUE(r) << r.message;
    EXPECT_EQ(out.body, "second");
    EXPECT_EQ(server.accepted(), 2);
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].body, "payload");
}

TEST(Connection, NotSentAgainOnceSomeOfTheAnswerCame) {
  http_test_server server({[](http_test_peer& peer) {
                             http_test_request req;
                             if (!peer.read_request(req)) return;
                             peer.write(http_ok("first"));
                             if (!peer.read_request(req)) return;
                             peer.write("HTTP/1.1 200 OK\r\nContent-Le");
                           },
                           answer_each({http_ok("third")})});
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send(get, out));
  result r = conn.send(get, out);
  EXPECT_EQ(r.error, error_kind::connection_lost);
  EXPECT_NE(r.message.find("in the middle of the answer"), std::string::npos) << r.message;
  EXPECT_EQ(server.accepted(), 1);
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "third");
}

TEST(Connection, NotSentAgainOnAFreshConnection) {
  http_test_server server({[](http_test_peer& peer) {
                             http_test_request req;
                             peer.read_request(req);
                           },
                           answer_each({http_ok("second")})});
  connection conn(endpoint_at(server.address()));
  response out;
  result r = conn.send(get, out);
  EXPECT_EQ(r.error, error_kind::connection_lost);
  EXPECT_NE(r.message.find("before answering"), std::string::npos) << r.message;
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Connection, LargeBodiesBothWays) {
  std::string big(3 << 20, 'x');
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
  std::vector<http_test_request> seen;
  http_test_server server({answer_each({http_ok(big), http_ok("small")}, &seen)});
  {
    connection conn(endpoint_at(server.address()));
    response out;
    ASSERT_TRUE(conn.send({"POST", "/big", {}, big}, out));
    EXPECT_EQ(out.body, big);
    ASSERT_TRUE(conn.send(get, out));
    EXPECT_EQ(out.body, "small");
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].body, big);
}

TEST(Connection, BigBuffersAreReleasedAtTheNextSend) {
  http_test_server server({answer_each({http_ok(std::string(1 << 20, 'b')), http_ok("small"),
                                        http_ok(std::string(60000, 'm')), http_ok("small")})});
  connection conn(endpoint_at(server.address()));
  response out;
  EXPECT_EQ(conn.buffer_bytes(), 0u);  // nothing until the first send
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body.size(), 1u << 20);
  EXPECT_GT(conn.buffer_bytes(), 1u << 20);
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(conn.buffer_bytes(), connection_options{}.initial_buffer);
  ASSERT_TRUE(conn.send(get, out));
  const std::size_t kept = conn.buffer_bytes();
  EXPECT_GT(kept, 60000u);
  EXPECT_LE(kept, connection_options{}.kept_buffer);
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(conn.buffer_bytes(), kept);
}

// An echo: the POST's body views the answer /next was read into. That buffer is over what the
// connection keeps, so it is released, but only once the request that views it is written.
TEST(Connection, ARequestMayViewThePreviousAnswerThatItsSendReleases) {
  std::string event(1 << 20, 'e');
  for (std::size_t i = 0; i < event.size(); ++i) event[i] = static_cast<char>('a' + i % 26);
  std::vector<http_test_request> seen;
  http_test_server server({answer_each({http_ok(event), http_ok("accepted")}, &seen)});
  {
    connection conn(endpoint_at(server.address()));
    response out;
    ASSERT_TRUE(conn.send(get, out));
    ASSERT_GT(conn.buffer_bytes(), connection_options{}.kept_buffer);
    const request echo{"POST", "/2018-06-01/runtime/invocation/abc/response", {}, out.body};
    ASSERT_TRUE(conn.send(echo, out));
    EXPECT_EQ(out.body, "accepted");
    EXPECT_EQ(conn.buffer_bytes(), connection_options{}.initial_buffer) << "released after the send";
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[1].body == event) << "the echo's bytes differ from the event's";
}

TEST(Connection, AKeptBufferOptionKeepsBigAnswersWarm) {
  const std::string big(1 << 20, 'b');
  http_test_server server({answer_each({http_ok(big), http_ok("small"), http_ok(big)})});
  connection_options options;
  options.kept_buffer = 2 << 20;
  connection conn(endpoint_at(server.address()), options);
  response out;
  ASSERT_TRUE(conn.send(get, out));
  const std::size_t warm = conn.buffer_bytes();
  EXPECT_GT(warm, 1u << 20);
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, "small");
  EXPECT_EQ(conn.buffer_bytes(), warm) << "kept, not released";
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body.size(), big.size());
  EXPECT_EQ(conn.buffer_bytes(), warm) << "the next big answer reuses it";
}

TEST(Connection, SmallInitialBufferGrows) {
  const std::string body(10000, 'b');
  const std::string long_header = "X-Long: " + std::string(3000, 'h') + "\r\n";
  http_test_server server({answer_each({http_ok(body, long_header)})});
  connection_options options;
  options.initial_buffer = 16;
  connection conn(endpoint_at(server.address()), options);
  response out;
  ASSERT_TRUE(conn.send(get, out));
  EXPECT_EQ(out.body, body);
  EXPECT_EQ(out.header("X-Long").size(), 3000u);
}

TEST(Connection, HostNamesGoThroughTheResolver) {
  http_test_server server({answer_each({http_ok("resolved")})});
  endpoint ep;
  std::string error;
  const std::string port = server.address().substr(server.address().rfind(':') + 1);
  ASSERT_TRUE(parse_endpoint("localhost:" + port, ep, error)) << error;
  connection conn(ep);
  response out;
  result r = conn.send(get, out);
  ASSERT_TRUE(r) << r.message;
  EXPECT_EQ(out.body, "resolved");
}

}  // namespace
