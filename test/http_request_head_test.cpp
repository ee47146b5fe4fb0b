#include "http/connection.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using namespace lambda::http;

std::string head_of(const request& req) {
  std::string out = "stale bytes";
  write_request_head(out, req, "127.0.0.1:9001");
  return out;
}

TEST(RequestHeadWriter, GetWithoutBodyHasNoContentLength) {
  const header extra[] = {{"User-Agent", "lambda-ric-cpp/0.1"}};
  EXPECT_EQ(head_of({"GET", "/2018-06-01/runtime/invocation/next", extra}),
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
            "Host: 127.0.0.1:9001\r\n"
            "User-Agent: lambda-ric-cpp/0.1\r\n"
            "\r\n");
}

TEST(RequestHeadWriter, PostSaysItsLengthEvenWhenEmpty) {
  request req{"POST", "/r", {}, "{\"ok\":true}"};
  EXPECT_EQ(head_of(req), "POST /r HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nContent-Length: 11\r\n\r\n");
  req.body = {};
  EXPECT_EQ(head_of(req), "POST /r HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nContent-Length: 0\r\n\r\n");
}

TEST(RequestHeadWriter, ReusesTheBuffer) {
  std::string out;
  out.reserve(1024);
  const char* before = out.data();
  write_request_head(out, {"GET", "/"}, "h:1");
  EXPECT_EQ(out.data(), before);
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nHost: h:1\r\n\r\n");
}

TEST(RequestHeadWriter, RejectsWhatWouldBreakTheFraming) {
  const header crlf[] = {{"X-Id", "a\r\nInjected: yes"}};
  const header bad_name[] = {{"X Id", "a"}};
  const header empty_name[] = {{"", "a"}};
  EXPECT_THROW(head_of({"GET", "/", crlf}), std::invalid_argument);
  EXPECT_THROW(head_of({"GET", "/", bad_name}), std::invalid_argument);
  EXPECT_THROW(head_of({"GET", "/", empty_name}), std::invalid_argument);
  EXPECT_THROW(head_of({"GET", "/a b"}), std::invalid_argument);
  EXPECT_THROW(head_of({"GET", "/a\r\n"}), std::invalid_argument);
  EXPECT_THROW(head_of({"GET", ""}), std::invalid_argument);
  EXPECT_THROW(head_of({"GE T", "/"}), std::invalid_argument);
  EXPECT_THROW(head_of({"", "/"}), std::invalid_argument);
}

}  // namespace
