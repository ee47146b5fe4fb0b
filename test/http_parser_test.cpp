#include "http/parser.hpp"

#include <gtest/gtest.h>

#include <array>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "support/guarded_bytes.hpp"

namespace {

using namespace lambda::http;
using lambda::test::guarded_bytes;

using header_storage = std::array<header, max_headers>;

// Parses `text` as a whole, then again as it would arrive one byte at a time (each prefix at a
// guard page, each call told how much the previous one saw), and checks both ways agree. Keeps
// the bytes and header storage the parsed head points into.
template <typename Head, auto parse>
class parsed {
 public:
  explicit parsed(std::string_view text) : bytes_(text) {
    result = parse(bytes_.view(), head, storage_, 0);
    EXPECT_LE(result.consumed, text.size());
    expect_same_when_dribbled(text);
  }
  parsed(const parsed&) = delete;
  parsed& operator=(const parsed&) = delete;

  Head head;
  parse_result result;

 private:
  void expect_same_when_dribbled(std::string_view text) const {
    Head dribbled_head;
    header_storage dribbled_storage;
    std::size_t scanned = 0;
    for (std::size_t n = 1; n <= text.size(); ++n) {
      guarded_bytes prefix(text.substr(0, n));
      const parse_result r = parse(prefix.view(), dribbled_head, dribbled_storage, scanned);
      if (r.status == parse_status::incomplete) {
        scanned = n;
        continue;
      }
      EXPECT_EQ(r.status, result.status) << "prefix of " << n << " bytes";
      EXPECT_EQ(r.reason, result.reason);
      EXPECT_EQ(r.consumed, result.consumed);
      return;
    }
    EXPECT_EQ(result.status, parse_status::incomplete);
  }

  guarded_bytes bytes_;
  header_storage storage_;
};

using parsed_request = parsed<request_head, parse_request_head>;
using parsed_response = parsed<response_head, parse_response_head>;

parse_status request_status(std::string_view text) { return parsed_request(text).result.status; }
parse_status response_status(std::string_view text) { return parsed_response(text).result.status; }

std::string with_headers(std::string_view start_line, std::size_t count) {
  std::string text(start_line);
  for (std::size_t i = 0; i < count; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
  return text + "\r\n";
}

TEST(RequestHead, ParsesStartLineAndHeaders) {
  const std::string text =
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
      "Host: 127.0.0.1:9001\r\n"
      "User-Agent: lambda-ric-cpp/0.1\r\n"
      "\r\n";
  parsed_request p(text);
  ASSERT_EQ(p.result.status, parse_status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, text.size());
  EXPECT_EQ(p.head.method, "GET");
  EXPECT_EQ(p.head.target, "/2018-06-01/runtime/invocation/next");
  EXPECT_EQ(p.head.minor_version, 1);
  ASSERT_EQ(p.head.headers.size(), 2u);
  EXPECT_EQ(p.head.headers[0].name, "Host");
  EXPECT_EQ(p.head.headers[0].value, "127.0.0.1:9001");
  EXPECT_EQ(p.head.headers[1].value, "lambda-ric-cpp/0.1");
  EXPECT_TRUE(p.head.body.keep_alive);
  EXPECT_EQ(request_body_kind(p.head), body_kind::none);
}

TEST(RequestHead, ConsumesOnlyTheHeadAndReportsContentLength) {
  const std::string head_text = "POST /r HTTP/1.1\r\nContent-Length: 5\r\n\r\n";
  parsed_request p(head_text + "hello");
  ASSERT_EQ(p.result.status, parse_status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, head_text.size());
  EXPECT_EQ(request_body_kind(p.head), body_kind::length);
  EXPECT_EQ(p.head.body.content_length, 5u);
}

TEST(RequestHead, HeadersPointIntoTheCallersBytes) {
  guarded_bytes bytes("GET / HTTP/1.1\r\nA: b\r\n\r\n");
  request_head head;
  header_storage storage;
  ASSERT_EQ(parse_request_head(bytes.view(), head, storage).status, parse_status::complete);
  EXPECT_EQ(head.method.data(), bytes.data());
  EXPECT_EQ(head.headers[0].value.data(), bytes.data() + 19);
  EXPECT_EQ(head.headers.data(), storage.data());
}

TEST(RequestHead, SkipsEmptyLinesBeforeTheRequestLine) {
  const std::string text = "\r\n\r\nGET / HTTP/1.1\r\n\r\n";
  parsed_request p(text);
  ASSERT_EQ(p.result.status, parse_status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, text.size());
  EXPECT_EQ(p.head.target, "/");
}

TEST(RequestHead, TrimsOptionalWhitespaceAroundValues) {
  parsed_request p("GET / HTTP/1.1\r\nA: \t x y \t \r\nB:\r\nC:z\r\n\r\n");
  ASSERT_EQ(p.result.status, parse_status::complete) << p.result.reason;
  ASSERT_EQ(p.head.headers.size(), 3u);
  EXPECT_EQ(p.head.headers[0].value, "x y");
  EXPECT_EQ(p.head.headers[1].value, "");
  EXPECT_EQ(p.head.headers[2].value, "z");
}

TEST(RequestHead, AcceptsObsTextInValues) {
  EXPECT_EQ(request_status("GET / HTTP/1.1\r\nA: caf\xc3\xa9\r\n\r\n"), parse_status::complete);
}

TEST(RequestHead, Http10IsKeptAliveOnlyWhenAsked) {
  parsed_request plain("GET / HTTP/1.0\r\n\r\n");
  ASSERT_EQ(plain.result.status, parse_status::complete);
  EXPECT_EQ(plain.head.minor_version, 0);
  EXPECT_FALSE(plain.head.body.keep_alive);
  parsed_request asked("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(asked.result.status, parse_status::complete);
  EXPECT_TRUE(asked.head.body.keep_alive);
}

TEST(RequestHead, ConnectionCloseAmongOtherOptions) {
  parsed_request p("GET / HTTP/1.1\r\nConnection: TE, CLOSE\r\n\r\n");
  ASSERT_EQ(p.result.status, parse_status::complete);
  EXPECT_FALSE(p.head.body.keep_alive);
}

TEST(RequestHead, ChunkedTransferEncoding) {
  parsed_request p("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n");
  ASSERT_EQ(p.result.status, parse_status::complete);
  EXPECT_EQ(request_body_kind(p.head), body_kind::chunked);
}

TEST(RequestHead, AgreeingDuplicateContentLengthsAreOne) {
  parsed_request fields("POST / HTTP/1.1\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n");
  ASSERT_EQ(fields.result.status, parse_status::complete);
  EXPECT_EQ(fields.head.body.content_length, 7u);
  parsed_request list("POST / HTTP/1.1\r\nContent-Length: 7 , 7\r\n\r\n");
  ASSERT_EQ(list.result.status, parse_status::complete);
  EXPECT_EQ(list.head.body.content_length, 7u);
}

TEST(RequestHead, LargestContentLength) {
  parsed_request p("POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n");
  ASSERT_EQ(p.result.status, parse_status::complete);
  EXPECT_EQ(p.head.body.content_length, UINT64_MAX);
}

struct reject_case {
  std::string_view reason;
  std::string_view text;
};

constexpr std::string_view bad_length = "invalid or conflicting Content-Length";
constexpr std::string_view bad_coding = "unsupported Transfer-Encoding (only chunked is)";
constexpr std::string_view length_and_coding = "both Content-Length and Transfer-Encoding";
constexpr std::string_view bad_value = "invalid character in header value";
constexpr std::string_view obs_fold = "obs-fold (folded header line)";

TEST(RequestHead, RejectsMalformedHeads) {
  const std::vector<reject_case> cases = {
      {"bare LF in head", "GET / HTTP/1.1\n\n"},
      {"bare LF in head", "GET / HTTP/1.1\r\nA: b\n\r\n"},
      {"bare CR in head", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"},
      {obs_fold, "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n"},
      {obs_fold, "GET / HTTP/1.1\r\nA: b\r\n\tc\r\n\r\n"},
      {"whitespace before colon", "GET / HTTP/1.1\r\nA : b\r\n\r\n"},
      {"invalid header name", "GET / HTTP/1.1\r\n: b\r\n\r\n"},
      {"invalid header name", "GET / HTTP/1.1\r\nAb\r\n\r\n"},
      {"invalid header name", "GET / HTTP/1.1\r\nA(b: c\r\n\r\n"},
      {bad_value, std::string_view("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 26)},
      {bad_value, "GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n"},
      {"invalid method", "G(T / HTTP/1.1\r\n\r\n"},
      {"invalid method", " / HTTP/1.1\r\n\r\n"},
      {"invalid request target", "GET  HTTP/1.1\r\n\r\n"},
      {"invalid request target", "GET /\x01 HTTP/1.1\r\n\r\n"},
      {"invalid request target", "GET /\r\n\r\n"},
      {"invalid HTTP version", "GET / HTTP/2.0\r\n\r\n"},
      {"invalid HTTP version", "GET / HTTP/1.10\r\n\r\n"},
      {"invalid HTTP version", "GET / http/1.1\r\n\r\n"},
      {"invalid HTTP version", "GET / HTTP/1.1 \r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: 5a\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: ,\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"},
      {bad_length, "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n"},
      {bad_coding, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"},
      {bad_coding, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"},
      {bad_coding, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"},
      {"empty Transfer-Encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n"},
      {length_and_coding, "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"},
      {"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"},
  };
  for (const reject_case& c : cases) {
    parsed_request p(c.text);
    EXPECT_EQ(p.result.status, parse_status::malformed) << c.text;
    EXPECT_EQ(p.result.reason, c.reason) << c.text;
  }
}

TEST(RequestHead, ChecksEveryByteOfLongValues) {
  for (std::size_t at = 0; at < 24; ++at) {
    std::string value(24, 'v');
    const auto with = [&](char c) {
      value[at] = c;
      return request_status("GET / HTTP/1.1\r\nX-Long: " + value + "\r\n\r\n");
    };
    EXPECT_EQ(with('\t'), parse_status::complete) << at;
    EXPECT_EQ(with('\xff'), parse_status::complete) << at;
    EXPECT_EQ(with('\x01'), parse_status::malformed) << at;
    EXPECT_EQ(with('\x7f'), parse_status::malformed) << at;
    EXPECT_EQ(with('\r'), parse_status::malformed) << at;
    EXPECT_EQ(with('\0'), parse_status::malformed) << at;
  }
}

TEST(RequestHead, IncompleteUntilTheEmptyLine) {
  EXPECT_EQ(request_status(""), parse_status::incomplete);
  EXPECT_EQ(request_status("\r"), parse_status::incomplete);
  EXPECT_EQ(request_status("\r\n"), parse_status::incomplete);
  EXPECT_EQ(request_status("GET / HTTP/1.1\r\nA: b\r\n"), parse_status::incomplete);
  EXPECT_EQ(request_status("GET / HTTP/1.1\r\nA: b\r\n\r"), parse_status::incomplete);
}

TEST(RequestHead, AcceptsUpToTheHeaderCountLimit) {
  parsed_request at_limit(with_headers("GET / HTTP/1.1\r\n", max_headers));
  ASSERT_EQ(at_limit.result.status, parse_status::complete);
  EXPECT_EQ(at_limit.head.headers.size(), max_headers);
  parsed_request over(with_headers("GET / HTTP/1.1\r\n", max_headers + 1));
  EXPECT_EQ(over.result.status, parse_status::too_large);
  EXPECT_EQ(over.result.reason, "too many header fields (more than 64)");
}

TEST(RequestHead, SmallerStorageIsTheLimit) {
  guarded_bytes bytes(with_headers("GET / HTTP/1.1\r\n", 3));
  request_head head;
  std::array<header, 2> storage;
  EXPECT_EQ(parse_request_head(bytes.view(), head, storage).status, parse_status::too_large);
}

// A head of exactly `size` bytes: one long field fills it.
std::string head_of_size(std::string_view start_line, std::size_t size) {
  std::string text(start_line);
  text += "X: ";
  text.append(size - text.size() - 4, 'v');
  return text + "\r\n\r\n";
}

TEST(RequestHead, HeadLimitIs64KiB) {
  std::string fits = head_of_size("GET / HTTP/1.1\r\n", max_head_bytes);
  ASSERT_EQ(fits.size(), max_head_bytes);
  guarded_bytes at_limit(fits);
  request_head head;
  header_storage storage;
  EXPECT_EQ(parse_request_head(at_limit.view(), head, storage).status, parse_status::complete);

  guarded_bytes over(head_of_size("GET / HTTP/1.1\r\n", max_head_bytes + 1));
  parse_result r = parse_request_head(over.view(), head, storage);
  EXPECT_EQ(r.status, parse_status::too_large);
  EXPECT_EQ(r.reason, "head larger than 64 KiB");
}

TEST(RequestHead, EndlessHeadIsTooLargeOnceItReachesTheLimit) {
  std::string endless = "GET / HTTP/1.1\r\nX: ";
  endless.append(max_head_bytes, 'v');
  request_head head;
  header_storage storage;
  guarded_bytes short_of_limit(std::string_view(endless).substr(0, max_head_bytes - 1));
  EXPECT_EQ(parse_request_head(short_of_limit.view(), head, storage).status,
            parse_status::incomplete);
  guarded_bytes at_limit(std::string_view(endless).substr(0, max_head_bytes));
  EXPECT_EQ(parse_request_head(at_limit.view(), head, storage, max_head_bytes - 1).status,
            parse_status::too_large);
}

TEST(RequestHead, EmptyLinesCountTowardsTheLimit) {
  std::string text;
  for (std::size_t i = 0; i < max_head_bytes / 2; ++i) text += "\r\n";
  text += "GET / HTTP/1.1\r\n\r\n";
  guarded_bytes bytes(text);
  request_head head;
  header_storage storage;
  EXPECT_EQ(parse_request_head(bytes.view(), head, storage).status, parse_status::too_large);
}

// Found by fuzzing: empty lines alone stayed incomplete however many came.
TEST(RequestHead, EmptyLinesAloneAreTooLargeAtTheLimit) {
  std::string blank;
  for (std::size_t i = 0; i < max_head_bytes / 2; ++i) blank += "\r\n";
  request_head head;
  header_storage storage;
  guarded_bytes short_of_limit(std::string_view(blank).substr(0, max_head_bytes - 1));
  EXPECT_EQ(parse_request_head(short_of_limit.view(), head, storage).status,
            parse_status::incomplete);
  guarded_bytes at_limit(blank);
  parse_result r = parse_request_head(at_limit.view(), head, storage);
  EXPECT_EQ(r.status, parse_status::too_large);
  EXPECT_EQ(r.reason, "head larger than 64 KiB");
}

TEST(RequestHead, LeadingEmptyLinesAreCountedInPairs) {
  for (auto [text, blank] : std::initializer_list<std::pair<std::string_view, std::size_t>>{
           {"", 0}, {"\r", 0}, {"\r\n", 2}, {"\r\n\r", 2}, {"\r\n\r\nGET", 4}, {"\n\r\n", 0}}) {
    guarded_bytes bytes(text);
    EXPECT_EQ(leading_empty_lines(bytes.view()), blank) << text.size();
  }
}

TEST(ResponseHead, ParsesStatusLineAndHeaders) {
  const std::string text =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: application/json\r\n"
      "Lambda-Runtime-Aws-Request-Id: 8476a536\r\n"
      "Content-Length: 2\r\n"
      "\r\n";
  parsed_response p(text + "{}");
  ASSERT_EQ(p.result.status, parse_status::complete) << p.result.reason;
  EXPECT_EQ(p.result.consumed, text.size());
  EXPECT_EQ(p.head.minor_version, 1);
  EXPECT_EQ(p.head.status, 200);
  EXPECT_EQ(p.head.reason, "OK");
  EXPECT_EQ(find_header(p.head.headers, "lambda-runtime-aws-request-id"), "8476a536");
  EXPECT_EQ(response_body_kind(p.head, false), body_kind::length);
  EXPECT_EQ(p.head.body.content_length, 2u);
}

TEST(ResponseHead, ReasonMayBeEmptyOrMissing) {
  parsed_response missing("HTTP/1.1 204\r\n\r\n");
  ASSERT_EQ(missing.result.status, parse_status::complete);
  EXPECT_EQ(missing.head.status, 204);
  EXPECT_EQ(missing.head.reason, "");
  parsed_response empty("HTTP/1.1 404 \r\n\r\n");
  ASSERT_EQ(empty.result.status, parse_status::complete);
  EXPECT_EQ(empty.head.reason, "");
  parsed_response odd("HTTP/1.1 500 Internal\tServer \xe9rror\r\n\r\n");
  ASSERT_EQ(odd.result.status, parse_status::complete);
  EXPECT_EQ(odd.head.reason, "Internal\tServer \xe9rror");
}

TEST(ResponseHead, RejectsMalformedHeads) {
  const std::vector<reject_case> cases = {
      {"invalid status code", "HTTP/1.1 099 Low\r\n\r\n"},
      {"invalid status code", "HTTP/1.1 600 High\r\n\r\n"},
      {"invalid status code", "HTTP/1.1 20 OK\r\n\r\n"},
      {"invalid status code", "HTTP/1.1 2000 OK\r\n\r\n"},
      {"invalid status code", "HTTP/1.1 abc OK\r\n\r\n"},
      {"invalid status code", "HTTP/1.1  200 OK\r\n\r\n"},
      {"invalid HTTP version", "HTTP/2 200 OK\r\n\r\n"},
      {"invalid HTTP version", "200 OK\r\n\r\n"},
      {"invalid status line", "HTTP/1.1 200 O\x01K\r\n\r\n"},
      {"invalid HTTP version", "\r\n\r\n"},
      {"bare LF in head", "HTTP/1.1 200 OK\nA: b\n\n"},
      {obs_fold, "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"},
      {length_and_coding, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                             "Content-Length: 3\r\n\r\n"},
      {bad_length, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"},
  };
  for (const reject_case& c : cases) {
    parsed_response p(c.text);
    EXPECT_EQ(p.result.status, parse_status::malformed) << c.text;
    EXPECT_EQ(p.result.reason, c.reason) << c.text;
  }
}

TEST(ResponseHead, LimitsAreTooLarge) {
  guarded_bytes over(head_of_size("HTTP/1.1 200 OK\r\n", max_head_bytes + 1));
  response_head head;
  header_storage storage;
  EXPECT_EQ(parse_response_head(over.view(), head, storage).status, parse_status::too_large);
  EXPECT_EQ(response_status(with_headers("HTTP/1.1 200 OK\r\n", max_headers + 1)),
            parse_status::too_large);
}

body_kind kind_of(std::string_view text, bool answers_head_request = false) {
  parsed_response p(text);
  EXPECT_EQ(p.result.status, parse_status::complete) << text;
  return response_body_kind(p.head, answers_head_request);
}

bool keeps_alive(std::string_view text) {
  parsed_response p(text);
  EXPECT_EQ(p.result.status, parse_status::complete) << text;
  return p.head.body.keep_alive;
}

TEST(ResponseHead, BodyKindFollowsRfc9112) {
  EXPECT_EQ(kind_of("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", true), body_kind::none);
  EXPECT_EQ(kind_of("HTTP/1.1 100 Continue\r\n\r\n"), body_kind::none);
  EXPECT_EQ(kind_of("HTTP/1.1 204 No Content\r\n\r\n"), body_kind::none);
  EXPECT_EQ(kind_of("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"), body_kind::none);
  EXPECT_EQ(kind_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), body_kind::chunked);
  EXPECT_EQ(kind_of("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"), body_kind::length);
  EXPECT_EQ(kind_of("HTTP/1.0 200 OK\r\n\r\n"), body_kind::until_close);
}

TEST(ResponseHead, KeepAliveFollowsVersionAndConnection) {
  EXPECT_TRUE(keeps_alive("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_FALSE(keeps_alive("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keeps_alive("HTTP/1.0 200 OK\r\n\r\n"));
  EXPECT_TRUE(keeps_alive("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_FALSE(keeps_alive("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n\r\n"));
}

TEST(HeaderLookup, IgnoresCaseAndAnswersEmptyWhenAbsent) {
  const std::array<header, 3> headers = {
      header{"Content-Type", "text/plain"},
      header{"Lambda-runtime-functioN-erroR-typE", "Function.Oops"},
      header{"content-type", "second"},
  };
  EXPECT_EQ(find_header(headers, "content-type"), "text/plain");
  EXPECT_EQ(find_header(headers, "LAMBDA-RUNTIME-FUNCTION-ERROR-TYPE"), "Function.Oops");
  EXPECT_EQ(find_header(headers, "Content-Length"), "");
  EXPECT_EQ(find_header({}, "x"), "");
}

TEST(HeaderLookup, IequalsComparesAsciiLettersOnly) {
  EXPECT_TRUE(iequals("Keep-Alive", "keep-alive"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("close", "closed"));
  EXPECT_FALSE(iequals("[", "{"));  // differ by 0x20 but are not letters
  EXPECT_FALSE(iequals("\xc9", "\xe9"));
}

}  // namespace
