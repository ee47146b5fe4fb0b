// lambda-emulator with a bootstrap that streams its answers: batch mode's chunk lines and report,
// serve mode's forwarding of each chunk to the invoker, Function URL preludes and error trailers.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lambda/base64.hpp>
#include <lambda/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../tools/emulator/child_process.hpp"
#include "support/bash_runtime.hpp"
#include "support/served_emulator.hpp"
#include "http/parser.hpp"

namespace lambda::emulator {
namespace {

using namespace std::chrono_literals;
constexpr auto wait = 60s;

const std::string emulator = std::string(LAMBDA_TEST_BUILD_DIR) + "/lambda-emulator";

// A runtime in bash (its /dev/tcp is the HTTP client) that streams each answer. The event says
// how: "plain" (two chunks), "url" (a Function URL prelude split across chunks, then the page)
// or "fail" (a chunk, then error trailers). With $GATE set it waits for a line from that FIFO
// after the first chunk, so a test can see that chunk arrive before the stream ends.
const std::string streaming_runtime = lambda::test::bash_runtime_start + R"(
chunk() { printf '%x\r\n%s\r\n' "${#1}" "$1" >&3; }
while true; do
  printf 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n' >&3
  read_answer
  type=text/plain
  [[ $body == *url* ]] && type=application/vnd.awslambda.http-integration-response
  printf 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: x\r\n' "$id" >&3
  printf 'Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n' >&3
  printf 'Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n' >&3
  printf 'Content-Type: %s\r\n\r\n' "$type" >&3
  case $body in
    *url*)
      chunk '{"statusCode":201,"headers":{"content-type":"text/html"},'
      prelude_end='"cookies":["a=b","c=d"]}'
      printf '%x\r\n%s\0\0\0\0\0\0\0\0<h1>\r\n' $(( ${#prelude_end} + 12 )) "$prelude_end" >&3
      [[ -n $GATE ]] && read -r _ < "$GATE"
      chunk 'hi</h1>'
      printf '0\r\n\r\n' >&3 ;;
    *fail*)
      chunk 'partial'
      [[ -n $GATE ]] && read -r _ < "$GATE"
      error=$(printf '{"errorMessage":"broke mid-stream","errorType":"Boom","stackTrace":[]}' | base64 -w0)
      printf '0\r\nLambda-Runtime-Function-Error-Type: Function.RuntimeError\r\n' >&3
      printf 'Lambda-Runtime-Function-Error-Body: %s\r\n\r\n' "$error" >&3 ;;
    *)
      chunk 'first;'
      [[ -n $GATE ]] && read -r _ < "$GATE"
      chunk 'second'
      printf '0\r\n\r\n' >&3 ;;
  esac
  read_answer
done
)";

class temp_path {
 public:
  temp_path() {
    char name[] = "/tmp/emulator-stream-XXXXXX";
    int fd = ::mkstemp(name);
    ::close(fd);
    path_ = name;
  }
  ~temp_path() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string field(const std::string& line, const std::string& pointer) {
  auto value = json::find(line, pointer);
  return value ? std::string(*value) : "<" + pointer + " missing in " + line + ">";
}

std::string text_field(const std::string& line, const std::string& pointer) {
  return json::find_string(line, pointer).value_or("<" + pointer + " missing in " + line + ">");
}

std::vector<std::string> environment(std::vector<std::string> extra = {}) {
  extra.push_back("PATH=/usr/bin:/bin");
  return extra;
}

TEST(EmulatorStreams, BatchShowsEachChunkAndReportsTheStream) {
  temp_path events;
  std::ofstream(events.path()) << "\"plain\"\n\"fail\"\n";
  child_process child({.argv = {emulator, "--events", events.path(), "--", "/bin/bash", "-c", streaming_runtime},
                       .env = environment()});
  auto status = child.wait_exit(wait);
  ASSERT_TRUE(status);
  child.wait_output(child_process::stream::err, "\n", 1s);
  EXPECT_EQ(status->code, 1);
  auto lines = split_lines(child.stdout_text());
  std::string err = child.stderr_text();
  ASSERT_EQ(lines.size(), 2u) << err;

  EXPECT_EQ(text_field(lines[0], "/status"), "ok");
  EXPECT_EQ(field(lines[0], "/streamed"), "true");
  EXPECT_EQ(field(lines[0], "/chunks"), "2");
  EXPECT_EQ(field(lines[0], "/bytes"), "12");
  EXPECT_GE(std::stod(field(lines[0], "/firstByteMs")), 0.0);
  EXPECT_EQ(text_field(lines[0], "/responseText"), "first;second");

  EXPECT_EQ(text_field(lines[1], "/status"), "error");
  EXPECT_EQ(text_field(lines[1], "/errorType"), "Function.RuntimeError");
  EXPECT_EQ(text_field(lines[1], "/errorMessage"), "broke mid-stream");
  EXPECT_EQ(field(lines[1], "/streamed"), "true");
  EXPECT_EQ(field(lines[1], "/chunks"), "1");
  EXPECT_EQ(field(lines[1], "/bytes"), "7");

  std::string id = text_field(lines[0], "/requestId").substr(0, 8);
  EXPECT_NE(err.find("lambda-emulator: line 1 (" + id + "): chunk 1, 6 bytes at "), std::string::npos) << err;
  EXPECT_NE(err.find("lambda-emulator: line 1 (" + id + "): chunk 2, 6 bytes at "), std::string::npos) << err;
  EXPECT_NE(err.find("2 invocations, 1 failed"), std::string::npos) << err;
}

// An invoker reading the answer as it comes, on a blocking socket with a deadline per wait.
class streaming_invoker {
 public:
  explicit streaming_invoker(const std::string& address) {
    auto colon = address.rfind(':');
    sockaddr_in where{};
    where.sin_family = AF_INET;
    where.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &where.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&where), sizeof where) == 0;
  }
  ~streaming_invoker() { ::close(fd_); }

  bool invoke(const std::string& body) {
    std::string request = "POST /2015-03-31/functions/function/invocations HTTP/1.1\r\nHost: x\r\n"
                          "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    return connected_ && ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
                             static_cast<ssize_t>(request.size());
  }
  // Reads until what arrived holds `needle`; false if it did not within `timeout`.
  bool wait_for(std::string_view needle, std::chrono::milliseconds timeout = wait) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until the chunked body has ended.
  bool wait_ended(std::chrono::milliseconds timeout = wait) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ended()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  bool ended() const {
    auto at = received_.find("\r\n\r\n");
    if (at == std::string::npos) return false;
    std::string raw = received_.substr(at + 4);
    http::chunked_decoder decoder;
    std::vector<std::size_t> chunks;
    return decoder.decode(raw, chunks).status == http::parse_status::complete;
  }
  std::string head() const { return received_.substr(0, received_.find("\r\n\r\n") + 2); }
  // The chunked body so far, decoded, and its trailers once it has ended.
  std::string body(std::vector<std::pair<std::string, std::string>>* trailers = nullptr) const {
    std::string raw = received_.substr(received_.find("\r\n\r\n") + 4);
    http::chunked_decoder decoder;
    std::vector<std::size_t> chunks;
    auto r = decoder.decode(raw, chunks);
    if (trailers && decoder.done()) {
      for (const auto& t : decoder.trailers()) trailers->emplace_back(t.name, t.value);
    }
    return raw.substr(0, r.decoded);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

// Serve mode with the streaming runtime, which waits on the gate FIFO where a test says.
test::served_emulator serve_streams(const std::string& gate) {
  return test::served_emulator({emulator, "--serve", "--", "/bin/bash", "-c", streaming_runtime}, {"GATE=" + gate}, wait);
}

// A FIFO the runtime waits on. Held open for reading and writing here, so neither side's open
// blocks and the line written waits in the pipe until the runtime reads it.
class gate {
 public:
  gate() {
    std::remove(path_.path().c_str());
    ::mkfifo(path_.path().c_str(), 0600);
    fd_ = ::open(path_.path().c_str(), O_RDWR | O_CLOEXEC);
  }
  ~gate() { ::close(fd_); }
  void open() { EXPECT_EQ(::write(fd_, "go\n", 3), 3); }
  const std::string& path() const { return path_.path(); }

 private:
  temp_path path_;
  int fd_ = -1;
};

TEST(EmulatorStreams, ServeModeForwardsEachChunkBeforeTheStreamEnds) {
  gate first_chunk_seen;
  test::served_emulator served = serve_streams(first_chunk_seen.path());
  ASSERT_FALSE(served.address().empty()) << served.process().stderr_text();
  streaming_invoker client(served.address());
  ASSERT_TRUE(client.invoke("\"plain\""));
  ASSERT_TRUE(client.wait_for("first;\r\n"));
  EXPECT_NE(client.head().find("HTTP/1.1 200 OK\r\n"), std::string::npos) << client.head();
  EXPECT_NE(client.head().find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(client.head().find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_EQ(client.body(), "first;");  // the runtime is still waiting at the gate

  first_chunk_seen.open();
  ASSERT_TRUE(client.wait_ended());
  EXPECT_EQ(client.body(), "first;second");
  EXPECT_TRUE(served.process().wait_output(child_process::stream::out, "\"streamed\":true", wait));
}

TEST(EmulatorStreams, ServeModeTurnsAFunctionUrlPreludeIntoStatusHeadersAndCookies) {
  gate page_started;
  test::served_emulator served = serve_streams(page_started.path());
  ASSERT_FALSE(served.address().empty());
  streaming_invoker client(served.address());
  ASSERT_TRUE(client.invoke("\"url\""));
  ASSERT_TRUE(client.wait_for("<h1>\r\n"));
  std::string head = client.head();
  EXPECT_NE(head.find("HTTP/1.1 201 "), std::string::npos) << head;
  EXPECT_NE(head.find("content-type: text/html\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Set-Cookie: a=b\r\nSet-Cookie: c=d\r\n"), std::string::npos) << head;
  EXPECT_EQ(client.body(), "<h1>");

  page_started.open();
  ASSERT_TRUE(client.wait_ended());
  EXPECT_EQ(client.body(), "<h1>hi</h1>");
}

TEST(EmulatorStreams, ServeModeEndsAFailedStreamWithTheErrorTrailers) {
  gate partial_sent;
  test::served_emulator served = serve_streams(partial_sent.path());
  ASSERT_FALSE(served.address().empty());
  streaming_invoker client(served.address());
  ASSERT_TRUE(client.invoke("\"fail\""));
  ASSERT_TRUE(client.wait_for("partial\r\n"));
  partial_sent.open();
  ASSERT_TRUE(client.wait_ended());
  std::vector<std::pair<std::string, std::string>> trailers;
  EXPECT_EQ(client.body(&trailers), "partial");
  ASSERT_EQ(trailers.size(), 2u);
  EXPECT_EQ(trailers[0], (std::pair<std::string, std::string>{"Lambda-Runtime-Function-Error-Type",
                                                              "Function.RuntimeError"}));
  auto error = base64::decode(trailers[1].second);
  ASSERT_TRUE(error);
  EXPECT_EQ(text_field(*error, "/errorMessage"), "broke mid-stream");
  EXPECT_TRUE(served.process().wait_output(child_process::stream::err,
                                           "the stream failed after 1 chunks, 7 bytes: Function.RuntimeError: "
                                           "broke mid-stream", wait))
      << served.process().stderr_text();
}

}  // namespace
}  // namespace lambda::emulator
