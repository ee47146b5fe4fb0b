// Streamed answers (Lambda-Runtime-Function-Response-Mode: streaming) to the Runtime API server,
// sent chunk by chunk by a raw client acting as the runtime.
#include <gtest/gtest.h>

#include <lambda/base64.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "../tools/emulator/runtime_api_server.hpp"
#include "support/raw_http_client.hpp"

namespace lambda::emulator {
namespace {

using namespace std::chrono_literals;
using test::get_next_request;
using test::post_request;
using test::raw_http_client;

constexpr auto wait = 10s;

std::string invocation_path(std::string_view id, std::string_view what) {
  return "/2018-06-01/runtime/invocation/" + std::string(id) + "/" + std::string(what);
}

// The head of a streamed /response, as AWS's runtimes send it.
std::string stream_head(std::string_view id, std::string_view extra_headers = {}) {
  return "POST " + invocation_path(id, "response") + " HTTP/1.1\r\nHost: x\r\nUser-Agent: raw-test/1.0\r\n"
         "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
         "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

std::string last_chunk(std::string_view trailer_lines = {}) { return "0\r\n" + std::string(trailer_lines) + "\r\n"; }

std::string error_trailers(std::string_view type, std::string_view encoded_body) {
  return "Lambda-Runtime-Function-Error-Type: " + std::string(type) + "\r\n" +
         "Lambda-Runtime-Function-Error-Body: " + std::string(encoded_body) + "\r\n";
}

// Queues an event and takes it on `client`'s connection; returns its request id.
std::string take_event(runtime_api_server& server, raw_http_client& client, event e = {}) {
  std::string id = server.enqueue(std::move(e));
  client.send(get_next_request());
  auto next = client.read_answer();
  if (!next || next->status != 200) return {};
  return next->header("Lambda-Runtime-Aws-Request-Id");
}

TEST(ServerStreams, RecordEachChunkAndTheFirstByteWhileTheStreamStillArrives) {
  runtime_api_server server;
  raw_http_client client(server.address());
  std::string id = take_event(server, client);
  ASSERT_FALSE(id.empty());

  client.send(stream_head(id, "Content-Type: text/plain\r\n") + chunk(std::string(64, 'a')));
  ASSERT_TRUE(server.wait_stream_bytes(id, 64, wait));
  auto arriving = server.stream_in_progress(id);
  ASSERT_TRUE(arriving);
  EXPECT_TRUE(arriving->streamed);
  EXPECT_EQ(arriving->chunk_sizes, std::vector<std::size_t>{64});
  EXPECT_EQ(arriving->body_bytes, 64u);
  ASSERT_TRUE(arriving->first_byte_at);
  EXPECT_EQ(server.find(id)->state, invocation_state::running);
  EXPECT_FALSE(client.readable_within(0ms));

  client.send(chunk("0123456789"));
  ASSERT_TRUE(server.wait_stream_chunks(id, 2, wait));
  client.send(last_chunk());
  auto accepted = client.read_answer();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 202);

  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->state, invocation_state::answered);
  const post& p = *done->answer;
  EXPECT_TRUE(p.streamed);
  EXPECT_EQ(p.response_mode, "streaming");
  EXPECT_EQ(p.declared_trailers, "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body");
  EXPECT_EQ(p.content_type, "text/plain");
  EXPECT_EQ(p.body, std::string(64, 'a') + "0123456789");
  EXPECT_EQ(p.body_bytes, 74u);
  EXPECT_EQ(p.chunk_sizes, (std::vector<std::size_t>{64, 10}));
  EXPECT_EQ(p.first_byte_at, arriving->first_byte_at);
  EXPECT_LE(*p.first_byte_at, p.at);
  EXPECT_TRUE(p.trailer_error_type.empty());
  EXPECT_TRUE(p.trailer_error_body.empty());
  EXPECT_FALSE(server.stream_in_progress(id));

  // The connection carries on: the next poll on it gets the next event.
  std::string second = take_event(server, client, {.payload = "2"});
  EXPECT_FALSE(second.empty());
  client.send(post_request(invocation_path(second, "response"), "ok"));
  EXPECT_EQ(client.read_answer()->status, 202);
  EXPECT_FALSE(server.wait_finished(second, wait)->answer->streamed);
}

TEST(ServerStreams, AcceptMoreThanSixMegabytesWhileBufferedAnswersStayLimited) {
  runtime_api_server server;
  raw_http_client client(server.address());
  std::string id = take_event(server, client);
  const std::string mebibyte(1024 * 1024, 'x');
  std::string wire = stream_head(id);
  for (int i = 0; i < 7; ++i) wire += chunk(mebibyte);
  client.send(wire + last_chunk());
  auto accepted = client.read_answer();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 202);
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, invocation_state::answered);
  EXPECT_EQ(done->answer->body_bytes, 7u * mebibyte.size());
  EXPECT_EQ(done->answer->chunk_sizes.size(), 7u);

  std::string buffered = take_event(server, client);
  client.send(post_request(invocation_path(buffered, "response"), std::string(7 * mebibyte.size(), 'y')));
  auto refused = client.read_answer();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413);
  EXPECT_EQ(server.wait_finished(buffered, wait)->failure_type, "Function.ResponseSizeTooLarge");
}

TEST(ServerStreams, ErrorTrailersFailTheInvocationWithTheDecodedError) {
  runtime_api_server server;
  raw_http_client client(server.address());
  const std::string error = R"({"errorMessage":"went wrong mid-stream","errorType":"Oops","stackTrace":[]})";
  struct {
    std::string sent_type, kept_type;
  } cases[] = {{"Function.RuntimeError", "Function.RuntimeError"}, {"Oops", "Runtime.Unknown"}};
  for (const auto& c : cases) {
    std::string id = take_event(server, client);
    client.send(stream_head(id) + chunk("partial") + last_chunk(error_trailers(c.sent_type, base64::encode(error))));
    EXPECT_EQ(client.read_answer()->status, 202);
    auto done = server.wait_finished(id, wait);
    ASSERT_TRUE(done && done->answer);
    EXPECT_EQ(done->state, invocation_state::failed);
    EXPECT_EQ(done->failure_type, c.kept_type);
    EXPECT_EQ(done->failure_message, "went wrong mid-stream");
    EXPECT_EQ(done->answer->trailer_error_type, c.sent_type);
    EXPECT_EQ(done->answer->trailer_error_body, error);
    EXPECT_EQ(done->answer->body, "partial");
    EXPECT_EQ(done->answer->chunk_sizes, std::vector<std::size_t>{7});
  }
}

TEST(ServerStreams, MalformedErrorTrailersAreReportedAsSuch) {
  runtime_api_server server;
  raw_http_client client(server.address());
  struct {
    std::string body, says;
  } cases[] = {
      {"not*base64!", "the Lambda-Runtime-Function-Error-Body trailer is not valid base64: 'not*base64!'"},
      {base64::encode("no json"), "does not decode to a JSON object with an errorMessage: 'no json'"},
      {base64::encode(R"({"errorType":"X"})"), "does not decode to a JSON object with an errorMessage"},
  };
  for (const auto& c : cases) {
    std::string id = take_event(server, client);
    client.send(stream_head(id) + chunk("a") + last_chunk(error_trailers("Function.RuntimeError", c.body)));
    EXPECT_EQ(client.read_answer()->status, 202);
    auto done = server.wait_finished(id, wait);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, invocation_state::failed);
    EXPECT_EQ(done->failure_type, "Function.RuntimeError");
    EXPECT_NE(done->failure_message.find(c.says), std::string::npos) << done->failure_message;
  }
}

TEST(ServerStreams, DropStreamAfterClosesTheConnectionMidStream) {
  runtime_api_server server;
  std::string id;
  {
    raw_http_client client(server.address());
    id = take_event(server, client, {.drop_stream_after = 100});
    client.send(stream_head(id) + chunk(std::string(64, 'a')));
    ASSERT_TRUE(server.wait_stream_bytes(id, 64, wait));
    EXPECT_EQ(server.find(id)->state, invocation_state::running);
    client.send(chunk(std::string(64, 'b')));
    EXPECT_TRUE(client.closed_by_server());
  }
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->state, invocation_state::failed);
  EXPECT_EQ(done->failure_type, stream_dropped_type);
  EXPECT_NE(done->failure_message.find("after 128 bytes"), std::string::npos) << done->failure_message;
  EXPECT_EQ(done->answer->body_bytes, 128u);
  EXPECT_EQ(done->answer->status, 0);

  raw_http_client again(server.address());
  std::string next = take_event(server, again);
  again.send(stream_head(next) + chunk(std::string(200, 'c')) + last_chunk());
  EXPECT_EQ(again.read_answer()->status, 202);
  EXPECT_EQ(server.wait_finished(next, wait)->state, invocation_state::answered);
}

TEST(ServerStreams, AConnectionThatClosesMidStreamFailsItsInvocation) {
  runtime_api_server server;
  std::string id;
  {
    raw_http_client client(server.address());
    id = take_event(server, client);
    client.send(stream_head(id) + chunk("half"));
    ASSERT_TRUE(server.wait_stream_bytes(id, 4, wait));
  }
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->failure_type, stream_truncated_type);
  EXPECT_EQ(done->failure_message, "the connection closed after 4 bytes, before the streamed response ended");
}

TEST(ServerStreams, WithoutKeptBodiesChunksAndBytesAreStillCounted) {
  runtime_api_server server({.keep_bodies = false});
  raw_http_client client(server.address());
  std::string id = take_event(server, client);
  const std::string piece(256 * 1024, 'z');
  std::string wire = stream_head(id);
  for (int i = 0; i < 40; ++i) wire += chunk(piece);
  client.send(wire + last_chunk());
  EXPECT_EQ(client.read_answer()->status, 202);
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, invocation_state::answered);
  EXPECT_TRUE(done->answer->body.empty());
  EXPECT_EQ(done->answer->body_bytes, 40u * piece.size());
  EXPECT_EQ(done->answer->chunk_sizes, std::vector<std::size_t>(40, piece.size()));

  std::string buffered = take_event(server, client);
  client.send(post_request(invocation_path(buffered, "response"), "hello"));
  EXPECT_EQ(client.read_answer()->status, 202);
  auto plain = server.wait_finished(buffered, wait);
  EXPECT_TRUE(plain->answer->body.empty());
  EXPECT_EQ(plain->answer->body_bytes, 5u);
}

TEST(ServerStreams, AScriptedPostStatusAnswersAStreamToo) {
  runtime_api_server server;
  raw_http_client client(server.address());
  std::string id = take_event(server, client, {.post_status = 413});
  client.send(stream_head(id) + chunk("abc") + last_chunk());
  auto answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 413);
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->status, 413);
  EXPECT_TRUE(done->answer->streamed);

  server.set_wire_faults({.chunked = true, .dribble = true});
  std::string next = take_event(server, client);
  client.send(stream_head(next) + chunk("abc") + last_chunk());
  auto dribbled = client.read_answer();
  ASSERT_TRUE(dribbled);
  EXPECT_EQ(dribbled->status, 202);
  EXPECT_TRUE(dribbled->chunked);
}

TEST(ServerStreams, ReportEachStepToOnStream) {
  std::vector<std::size_t> chunks;
  std::string data;
  runtime_api_server server({.on_stream = [&](const stream_step& step) {
    chunks.insert(chunks.end(), step.chunks.begin(), step.chunks.end());
    data += step.data;
  }});
  raw_http_client client(server.address());
  std::string id = take_event(server, client);
  client.send(stream_head(id) + chunk("ab"));
  ASSERT_TRUE(server.wait_stream_chunks(id, 1, wait));
  client.send(chunk("cde") + last_chunk());
  ASSERT_TRUE(server.wait_finished(id, wait));
  EXPECT_EQ(chunks, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(data, "abcde");
}

}  // namespace
}  // namespace lambda::emulator
