// lambda-emulator --http end to end: plain HTTP requests from a real client (a raw socket, and
// curl when it is installed) become API Gateway HTTP API events for real bootstraps, and their
// answers, buffered or streamed, come back as HTTP answers.
#include <gtest/gtest.h>

#include <signal.h>

#include <lambda/base64.hpp>
#include <lambda/json.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../tools/emulator/child_process.hpp"
#include "support/bash_runtime.hpp"
#include "support/served_emulator.hpp"
#include "support/raw_http_client.hpp"

namespace lambda::emulator {
namespace {

using namespace std::chrono_literals;
using lambda::test::raw_answer;
using lambda::test::raw_http_client;
using lambda::test::served_emulator;
constexpr auto wait = 60s;

const std::string build_dir = LAMBDA_TEST_BUILD_DIR;
const std::string emulator = build_dir + "/lambda-emulator";
const std::string http_api = build_dir + "/examples/http-api/bootstrap";
const std::string function_url = build_dir + "/examples/function-url/bootstrap";

// A runtime in bash (its /dev/tcp is the HTTP client) that answers on the event's rawPath:
// /error fails, /not-json answers text, /hang never answers, /stream-fail streams a Function URL
// prelude and a chunk then fails; anything else answers with the event itself.
const std::string routing_runtime = lambda::test::bash_runtime_start + R"sh(
post() {
  printf 'POST /2018-06-01/runtime/invocation/%s/%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s' \
    "$id" "$1" "${#2}" "$2" >&3
  read_answer
}
stream_and_fail() {
  printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\n' "$id" >&3
  printf 'Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n' >&3
  printf 'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n' >&3
  printf 'Content-Type: application/vnd.awslambda.http-integration-response\r\n\r\n' >&3
  local prelude='{"statusCode":200}'
  printf '%x\r\n%s\0\0\0\0\0\0\0\0partial\r\n' $(( ${#prelude} + 15 )) "$prelude" >&3
  printf '0\r\nLambda-Runtime-Function-Error-Type: Function.RuntimeError\r\n' >&3
  printf 'Lambda-Runtime-Function-Error-Body: %s\r\n\r\n' "$(printf '{"errorMessage":"broke"}' | base64 -w0)" >&3
  read_answer
}
while true; do
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n' >&3
  read_answer
  case $body in
    *'"rawPath":"/error"'*) post error '{"errorMessage":"boom","errorType":"Boom"}' ;;
    *'"rawPath":"/not-json"'*) post response 'not json' ;;
    *'"rawPath":"/hang"'*) read -r _ <&3 ;;
    *'"rawPath":"/stream-fail"'*) stream_and_fail ;;
    *) post response "$body" ;;
  esac
done
)sh";

// The emulator serving --http on an ephemeral port for the bootstrap, stopped with SIGINT at the end.
served_emulator http(const std::vector<std::string>& bootstrap, const std::vector<std::string>& options = {}) {
  std::vector<std::string> args = {emulator, "--http"};
  args.insert(args.end(), options.begin(), options.end());
  args.push_back("--");
  args.insert(args.end(), bootstrap.begin(), bootstrap.end());
  return served_emulator(std::move(args), {}, wait);
}

std::string request(std::string_view method, std::string_view target, std::string_view headers = {},
                    std::string_view body = {}) {
  std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  out += headers;
  if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + std::string(body);
}

std::string text(const std::string& json, const std::string& pointer) {
  return json::find_string(json, pointer).value_or("<" + pointer + " missing in " + json + ">");
}

std::vector<std::string> headers_named(const raw_answer& answer, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : answer.headers) {
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      values.push_back(value);
    }
  }
  return values;
}

TEST(EmulatorHttp, TheHttpApiExampleAnswersEachRouteOnOneConnection) {
  served_emulator served = http({http_api});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  raw_http_client client(served.address());

  client.send(request("POST", "/hello?lang=fr", "Cookie: a=1; b=2\r\nContent-Type: application/json\r\n",
                      R"({"name":"ada"})"));
  auto hello = client.read_answer(wait);
  ASSERT_TRUE(hello) << served.process().stderr_text();
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(hello->header("content-type"), "application/json");
  EXPECT_EQ(headers_named(*hello, "Set-Cookie"), std::vector<std::string>{"seen=1"});
  EXPECT_EQ(text(hello->body, "/method"), "POST");
  EXPECT_EQ(text(hello->body, "/path"), "/hello");
  EXPECT_EQ(text(hello->body, "/lang"), "fr");
  EXPECT_EQ(text(hello->body, "/name"), "ada");
  EXPECT_EQ(json::find_int(hello->body, "/cookies").value_or(-1), 2);
  EXPECT_EQ(text(hello->body, "/source"), "apigw_v2");

  client.send(request("GET", "/binary"));
  auto binary = client.read_answer(wait);
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->status, 200);
  EXPECT_EQ(binary->header("content-type"), "application/octet-stream");
  ASSERT_EQ(binary->body.size(), 256u);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(static_cast<unsigned char>(binary->body[static_cast<std::size_t>(i)]), i);

  client.send(request("DELETE", "/nowhere"));
  auto missing = client.read_answer(wait);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(text(missing->body, "/path"), "/nowhere");
  EXPECT_TRUE(served.process().wait_output(child_process::stream::out, "\"line\":3,", wait));
}

TEST(EmulatorHttp, TheFunctionUrlExampleStreamsItsHeadAndBody) {
  served_emulator served = http({function_url});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  raw_http_client client(served.address());
  client.send(request("GET", "/?format=text"));
  auto page = client.read_answer(wait);
  ASSERT_TRUE(page) << served.process().stderr_text();
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(page->chunked);
  EXPECT_EQ(page->header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(page->header("cache-control"), "no-store");
  EXPECT_EQ(headers_named(*page, "Set-Cookie"), std::vector<std::string>{"visited=1; Path=/; HttpOnly"});
  EXPECT_FALSE(page->has_header("X-Amzn-RequestId")) << "API Gateway's answer, not the Invoke API's";
  EXPECT_TRUE(page->body.starts_with("Streamed from Lambda\nrequest ")) << page->body;
  EXPECT_TRUE(page->body.ends_with("\npart 1\npart 2\npart 3\n")) << page->body;

  client.send(request("GET", "/"));
  auto html = client.read_answer(wait);
  ASSERT_TRUE(html);
  EXPECT_EQ(html->header("content-type"), "text/html; charset=utf-8");
  EXPECT_TRUE(html->body.ends_with("</ol>\n</body></html>\n")) << html->body;
}

TEST(EmulatorHttp, TheFunctionGetsTheRequestAsAnHttpApiEvent) {
  served_emulator served = http({"/bin/bash", "-c", routing_runtime});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  raw_http_client client(served.address());
  const std::string bytes("\x00\x01\xfe\xff", 4);
  client.send(request("PUT", "/echo?tag=a&tag=b",
                      "X-Tag: one\r\nX-Tag: two\r\nCookie: a=1; b=2\r\nContent-Type: application/octet-stream\r\n",
                      bytes));
  auto answer = client.read_answer(wait);
  ASSERT_TRUE(answer) << served.process().stderr_text();
  EXPECT_EQ(answer->status, 200) << "an answer without a statusCode";
  EXPECT_EQ(answer->header("content-type"), "application/json");
  const std::string& event = answer->body;
  EXPECT_EQ(text(event, "/version"), "2.0");
  EXPECT_EQ(text(event, "/rawPath"), "/echo");
  EXPECT_EQ(text(event, "/rawQueryString"), "tag=a&tag=b");
  EXPECT_EQ(text(event, "/queryStringParameters/tag"), "a,b");
  EXPECT_EQ(text(event, "/headers/x-tag"), "one,two");
  EXPECT_EQ(json::find(event, "/cookies").value_or(""), R"(["a=1","b=2"])");
  EXPECT_EQ(text(event, "/requestContext/http/method"), "PUT");
  EXPECT_EQ(text(event, "/headers/x-forwarded-port"), served.address().substr(served.address().rfind(':') + 1));
  EXPECT_EQ(json::find_bool(event, "/isBase64Encoded").value_or(false), true);
  EXPECT_EQ(base64::decode(text(event, "/body")).value_or(""), bytes);
}

TEST(EmulatorHttp, AFunctionErrorOrAMalformedAnswerIs500) {
  served_emulator served = http({"/bin/bash", "-c", routing_runtime});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  raw_http_client client(served.address());
  for (std::string path : {"/error", "/not-json"}) {
    client.send(request("GET", path));
    auto answer = client.read_answer(wait);
    ASSERT_TRUE(answer) << path;
    EXPECT_EQ(answer->status, 500) << path;
    EXPECT_EQ(answer->body, R"({"message":"Internal Server Error"})") << path;
  }
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err, "API Gateway answers 500: the answer is not JSON",
                                           wait))
      << served.process().stderr_text();
}

TEST(EmulatorHttp, AStreamThatFailsIsCutShort) {
  served_emulator served = http({"/bin/bash", "-c", routing_runtime});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  raw_http_client client(served.address());
  client.send(request("GET", "/stream-fail"));
  EXPECT_FALSE(client.read_answer(wait)) << "a whole answer, though the stream failed";
  EXPECT_TRUE(client.closed_by_server(wait));
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err, "the stream failed after", wait))
      << served.process().stderr_text();
}

// Slow by nature: API Gateway gives its integration 30 s.
TEST(EmulatorHttp, AnAnswerLaterThanApiGatewaysLimitIs503) {
  served_emulator served = http({"/bin/bash", "-c", routing_runtime}, {"--timeout", "120"});
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  raw_http_client client(served.address());
  auto sent = std::chrono::steady_clock::now();
  client.send(request("GET", "/hang"));
  auto answer = client.read_answer(wait);
  ASSERT_TRUE(answer);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 30s);
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(answer->body, R"({"message":"Service Unavailable"})");
}

// curl, as the README shows it. Skipped where curl is not installed (CI installs it).
TEST(EmulatorHttp, CurlGetsTheAnswersTheReadmeShows) {
  if (!std::filesystem::exists("/usr/bin/curl")) GTEST_SKIP() << "curl is not installed";
  served_emulator hello = http({http_api});
  served_emulator page = http({function_url});
  ASSERT_FALSE(hello.address().empty() || page.address().empty());
  auto curl = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"curl", "--silent", "--show-error", "--max-time", "60"});
    child_process run({.argv = args, .env = {"PATH=/usr/bin:/bin"}});
    auto status = run.wait_exit(wait);
    EXPECT_TRUE(status && status->success()) << run.stderr_text();
    return run.stdout_text();
  };
  std::string answer = curl({"--include", "http://" + hello.address() + "/hello?lang=fr", "-H", "Cookie: a=1",
                             "-d", R"({"name":"ada"})"});
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
  EXPECT_NE(answer.find("Set-Cookie: seen=1\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("lang":"fr","name":"ada","cookies":1,"source":"apigw_v2")"), std::string::npos) << answer;

  std::string streamed = curl({"--no-buffer", "--include", "http://" + page.address() + "/?format=text"});
  EXPECT_NE(streamed.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << streamed;
  EXPECT_NE(streamed.find("\r\n\r\nStreamed from Lambda\nrequest "), std::string::npos) << streamed;
  EXPECT_TRUE(streamed.ends_with("part 3\n")) << streamed;
}

}  // namespace
}  // namespace lambda::emulator
