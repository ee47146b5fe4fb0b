// Requests whose body is sent in chunks while it is produced (begin_chunked, send_chunk,
// finish_chunked), against a scripted server on 127.0.0.1 that sees the exact bytes.
#include "http/connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/http_test_server.hpp"

namespace {

using namespace lambda::http;
using lambda::test::answer_each;
using lambda::test::endpoint_at;
using lambda::test::http_ok;
using lambda::test::http_test_peer;
using lambda::test::http_test_request;
using lambda::test::http_test_server;

const header streaming[] = {{"Content-Type", "text/plain"}};
const request post{"POST", "/2018-06-01/runtime/invocation/abc/response", streaming};
const std::string accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok";

// Reads raw bytes from the peer until `end` has arrived (bounded by the peer's patience).
std::string read_until(http_test_peer& peer, std::string_view end) {
  std::string bytes;
  char buffer[65536];
  while (bytes.find(end) == std::string::npos) {
    pollfd p{peer.fd(), POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) break;
    ssize_t n = ::recv(peer.fd(), buffer, sizeof buffer, 0);
    if (n <= 0) break;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  return bytes;
}

TEST(ChunkedRequest, GoesOutFramedAsWrittenWithItsTrailers) {
  std::string wire;
  http_test_server server({[&](http_test_peer& peer) {
    wire = read_until(peer, "Function.Broke\r\n\r\n");
    peer.write(accepted);
    peer.wait_for_close();
  }});
  connection conn(endpoint_at(server.address()));
  ASSERT_TRUE(conn.begin_chunked(post));
  const std::string_view one[] = {"a"};
  const std::string_view empty[] = {""};
  const std::string_view split[] = {"he", "", "llo"};
  ASSERT_TRUE(conn.send_chunk(one));
  ASSERT_TRUE(conn.send_chunk(empty));  // would end the body if it were sent
  ASSERT_TRUE(conn.send_chunk({}));
  ASSERT_TRUE(conn.send_chunk(split));
  const header trailers[] = {{"Lambda-Runtime-Function-Error-Type", "Function.Broke"}};
  response out;
  ASSERT_TRUE(conn.finish_chunked(trailers, out));
  EXPECT_EQ(out.status, 202);
  EXPECT_EQ(out.body, "ok");
  const std::string head = "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nHost: " + server.address() +
                           "\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(wire, head + "1\r\na\r\n5\r\nhello\r\n0\r\nLambda-Runtime-Function-Error-Type: Function.Broke\r\n\r\n");
}

TEST(ChunkedRequest, OneByteChunksAndMultiMegabyteChunksArriveWhole) {
  std::vector<http_test_request> seen;
  http_test_server server({answer_each({accepted, http_ok("next")}, &seen)});
  std::string big(5 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  std::string expected;
  {
  connection conn(endpoint_at(server.address()));
  ASSERT_TRUE(conn.begin_chunked(post));
  for (char c : std::string("0123456789")) {
    const std::string_view one[] = {std::string_view(&c, 1)};
    ASSERT_TRUE(conn.send_chunk(one));
    expected.push_back(c);
  }
  const std::string_view large[] = {big, big};
  ASSERT_TRUE(conn.send_chunk(large));
  expected += big + big;
  response out;
  ASSERT_TRUE(conn.finish_chunked({}, out));
  EXPECT_EQ(out.status, 202);
  // Kept alive: the next request goes on the same connection.
  ASSERT_TRUE(conn.send({"GET", "/next"}, out));
  EXPECT_EQ(out.body, "next");
  EXPECT_EQ(server.accepted(), 1);
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(seen[0].header("Content-Length"), "");
  EXPECT_TRUE(seen[0].body == expected) << "body of " << seen[0].body.size() << " bytes differs";
}

TEST(ChunkedRequest, AStreamWithoutAByteStillEndsItsBody) {
  std::vector<http_test_request> seen;
  http_test_server server({answer_each({accepted}, &seen)});
  {
    connection conn(endpoint_at(server.address()));
    ASSERT_TRUE(conn.begin_chunked(post));
    response out;
    ASSERT_TRUE(conn.finish_chunked({}, out));
    EXPECT_EQ(out.status, 202);
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "");
}

TEST(ChunkedRequest, FramingBreakersAreRefusedBeforeAnyByte) {
  http_test_server server({});
  connection conn(endpoint_at(server.address()));
  const request with_body{"POST", "/x", {}, "a body"};
  EXPECT_THROW(conn.begin_chunked(with_body), std::invalid_argument);
  ASSERT_TRUE(conn.begin_chunked(post));
  const header injected[] = {{"Lambda-Runtime-Function-Error-Body", "x\r\nInjected: yes"}};
  response out;
  EXPECT_THROW(conn.finish_chunked(injected, out), std::invalid_argument);
  const header bad_name[] = {{"Bad Name", "x"}};
  EXPECT_THROW(conn.finish_chunked(bad_name, out), std::invalid_argument);
}

TEST(ChunkedRequest, AKeptAliveConnectionTheServerClosedIsReplacedBeforeTheBody) {
  std::promise<void> closed;
  std::vector<http_test_request> seen;
  http_test_server server({[&](http_test_peer& peer) {
                             http_test_request request;
                             if (peer.read_request(request)) peer.write(http_ok("first"));
                             ::shutdown(peer.fd(), SHUT_WR);  // a keep-alive the server let go
                             closed.set_value();
                             peer.wait_for_close();
                           },
                           answer_each({accepted}, &seen)});
  {
  connection conn(endpoint_at(server.address()));
  response out;
  ASSERT_TRUE(conn.send({"GET", "/next"}, out));
  closed.get_future().wait();
  ASSERT_TRUE(conn.begin_chunked(post));
  const std::string_view body[] = {"streamed"};
  ASSERT_TRUE(conn.send_chunk(body));
  ASSERT_TRUE(conn.finish_chunked({}, out));
  EXPECT_EQ(out.status, 202);
  EXPECT_EQ(server.accepted(), 2);
  }
  ASSERT_TRUE(server.wait_until_done());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, "streamed");
}

TEST(ChunkedRequest, AServerThatClosesMidBodyFailsTheRequestAndTheNextOneReconnects) {
  std::vector<http_test_request> seen;
  http_test_server server({[&](http_test_peer& peer) {
                             // The head, then it goes away (closing with unread bytes resets).
                             read_until(peer, "\r\n\r\n");
                           },
                           answer_each({http_ok("fresh")}, &seen)});
  connection conn(endpoint_at(server.address()));
  ASSERT_TRUE(conn.begin_chunked(post));
  const std::string chunk(64 * 1024, 'x');
  const std::string_view body[] = {chunk};
  result sent;
  // The kernel takes a few chunks before it learns the peer is gone; within 64 MB it has.
  for (int i = 0; i < 1024 && sent; ++i) sent = conn.send_chunk(body);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error, error_kind::connection_lost) << sent.message;
  EXPECT_NE(sent.message.find("was lost while sending the request"), std::string::npos) << sent.message;
  response out;
  result finished = conn.finish_chunked({}, out);
  EXPECT_FALSE(finished);
  EXPECT_EQ(finished.error, error_kind::connection_lost);
  ASSERT_TRUE(conn.send({"GET", "/next"}, out));
  EXPECT_EQ(out.body, "fresh");
}

TEST(ChunkedRequest, AnotherRequestAbandonsAnUnfinishedOneOnAFreshConnection) {
  std::vector<http_test_request> seen;
  http_test_server server({[&](http_test_peer& peer) { read_until(peer, "\r\n\r\n"); peer.wait_for_close(); },
                           answer_each({http_ok("fresh")}, &seen)});
  connection conn(endpoint_at(server.address()));
  ASSERT_TRUE(conn.begin_chunked(post));
  const std::string_view body[] = {"half"};
  ASSERT_TRUE(conn.send_chunk(body));
  response out;
  ASSERT_TRUE(conn.send({"GET", "/next"}, out));
  EXPECT_EQ(out.body, "fresh");
  EXPECT_EQ(server.accepted(), 2);
  const std::string_view more[] = {"more"};
  EXPECT_FALSE(conn.send_chunk(more)) << "the abandoned request cannot go on";
}

}  // namespace
