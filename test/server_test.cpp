// The Runtime API server, driven over real sockets by a raw client.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <lambda/json.hpp>

#include "../tools/emulator/http_server.hpp"
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

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(RuntimeApiServer, ListensOnAnEphemeralLoopbackPort) {
  runtime_api_server server;
  EXPECT_TRUE(server.address().starts_with("127.0.0.1:"));
  EXPECT_NE(server.address(), "127.0.0.1:0");
}

TEST(RuntimeApiServer, ParkedPollGetsTheEventAndTheResponseIsRecorded) {
  runtime_api_server server({.function_arn = "arn:aws:lambda:eu-west-1:1:function:f"});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(server.wait_parked(1, wait));
  EXPECT_FALSE(client.readable_within(0ms));

  std::int64_t before = epoch_ms();
  std::string id = server.enqueue({.payload = R"({"name":"ada"})", .timeout = 5000ms,
                                   .trace_id = "Root=1-a-b;Parent=c;Sampled=0"});
  auto next = client.read_answer();
  std::int64_t after = epoch_ms();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, R"({"name":"ada"})");
  EXPECT_EQ(next->header("Lambda-Runtime-Aws-Request-Id"), id);
  EXPECT_EQ(next->header("Content-Type"), "application/json");
  EXPECT_EQ(next->header("Lambda-Runtime-Invoked-Function-Arn"), "arn:aws:lambda:eu-west-1:1:function:f");
  EXPECT_EQ(next->header("Lambda-Runtime-Trace-Id"), "Root=1-a-b;Parent=c;Sampled=0");
  std::int64_t deadline = std::stoll(next->header("Lambda-Runtime-Deadline-Ms"));
  EXPECT_GE(deadline, before + 5000);
  EXPECT_LE(deadline, after + 5000);
  EXPECT_FALSE(next->has_header("Lambda-Runtime-Aws-Tenant-Id"));
  EXPECT_FALSE(next->has_header("Lambda-Runtime-Invocation-Id"));
  EXPECT_EQ(server.find(id)->state, invocation_state::running);

  client.send(post_request(invocation_path(id, "response"), "\"hi\"", "Content-Type: text/plain\r\n"));
  auto accepted = client.read_answer();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 202);
  EXPECT_EQ(accepted->body, R"({"status":"OK"})");

  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, invocation_state::answered);
  EXPECT_EQ(done->deadline_ms, deadline);
  ASSERT_TRUE(done->answer);
  EXPECT_EQ(done->answer->kind, post_kind::response);
  EXPECT_EQ(done->answer->status, 202);
  EXPECT_EQ(done->answer->body, "\"hi\"");
  EXPECT_EQ(done->answer->content_type, "text/plain");
  EXPECT_EQ(done->answer->user_agent, "raw-test/1.0");
  EXPECT_EQ(done->answer->connection, done->connection);
  EXPECT_EQ(done->answer->order, 1u);
}

TEST(RuntimeApiServer, EventsGoToParkedPollsFirstComeFirstServed) {
  runtime_api_server server;
  std::vector<std::unique_ptr<raw_http_client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<raw_http_client>(server.address()));
    clients.back()->send(get_next_request());
    // One at a time, so the order in which the polls parked is known.
    ASSERT_TRUE(server.wait_parked(static_cast<std::uint64_t>(i + 1), wait));
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(server.enqueue({.payload = std::to_string(i)}));
  for (int i = 0; i < 3; ++i) {
    auto next = clients[static_cast<std::size_t>(i)]->read_answer();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->body, std::to_string(i));
    EXPECT_EQ(next->header("Lambda-Runtime-Aws-Request-Id"), ids[static_cast<std::size_t>(i)]);
  }
}

TEST(RuntimeApiServer, QueuedEventsAreServedInOrderOnOneKeepAliveConnection) {
  runtime_api_server server;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(server.enqueue({.payload = std::to_string(i)}));
  raw_http_client client(server.address());
  for (int i = 0; i < 3; ++i) {
    client.send(get_next_request());
    auto next = client.read_answer();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->body, std::to_string(i));
    client.send(post_request(invocation_path(ids[static_cast<std::size_t>(i)], "response"), "ok"));
    ASSERT_TRUE(client.read_answer());
  }
  auto stats = server.stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.connections_open, 1u);
  EXPECT_EQ(stats.requests, 6u);
  ASSERT_EQ(stats.requests_per_connection.size(), 1u);
  EXPECT_EQ(stats.requests_per_connection.begin()->second, 6u);
  EXPECT_EQ(stats.finished, 3u);
}

TEST(RuntimeApiServer, ErrorPostsKeepTheirTypeAndEchoedInvocationId) {
  runtime_api_server server;
  std::string id = server.enqueue({.payload = "{}", .invocation_id = "attempt-7"});
  raw_http_client client(server.address());
  client.send(get_next_request());
  auto next = client.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->header("Lambda-Runtime-Invocation-Id"), "attempt-7");
  std::string body = R"({"errorMessage":"bad","errorType":"Oops","stackTrace":[]})";
  client.send(post_request(invocation_path(id, "error"), body,
                           "lambda-runtime-function-error-type: Function.Oops\r\n"
                           "Lambda-Runtime-Invocation-Id: attempt-7\r\n"
                           "Content-Type: application/json\r\n"));
  auto accepted = client.read_answer();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 202);
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done && done->answer);
  EXPECT_EQ(done->answer->kind, post_kind::error);
  EXPECT_EQ(done->answer->error_type, "Function.Oops");
  EXPECT_EQ(done->answer->invocation_id, "attempt-7");
  EXPECT_EQ(done->answer->body, body);
}

TEST(RuntimeApiServer, UnknownRepeatedOrUndeliveredIdsGet400) {
  runtime_api_server server;
  std::string id = server.enqueue({.payload = "1"});
  std::string waiting = server.enqueue({.payload = "2"});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(client.read_answer());
  for (std::string_view target : {std::string_view("nope"), std::string_view(waiting)}) {
    client.send(post_request(invocation_path(target, "response"), "x"));
    auto rejected = client.read_answer();
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, 400);
    EXPECT_NE(rejected->body.find(R"("errorType":"InvalidRequestID")"), std::string::npos);
  }
  client.send(post_request(invocation_path(id, "response"), "first"));
  EXPECT_EQ(client.read_answer()->status, 202);
  client.send(post_request(invocation_path(id, "error"), "second"));
  EXPECT_EQ(client.read_answer()->status, 400);
  EXPECT_EQ(server.find(id)->answer->body, "first");
  auto posts = server.posts();
  ASSERT_EQ(posts.size(), 4u);
  EXPECT_EQ(posts[3].status, 400);
  EXPECT_EQ(posts[3].order, 4u);
  EXPECT_EQ(server.find(waiting)->state, invocation_state::queued);
}

TEST(RuntimeApiServer, OnlyTheFirstInitErrorIsAccepted) {
  runtime_api_server server;
  raw_http_client client(server.address());
  std::string path = "/2018-06-01/runtime/init/error";
  client.send(post_request(path, "{}", "Lambda-Runtime-Function-Error-Type: Runtime.InitError\r\n"));
  EXPECT_EQ(client.read_answer()->status, 202);
  client.send(post_request(path, "{}"));
  EXPECT_EQ(client.read_answer()->status, 403);
  auto posts = server.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].kind, post_kind::init_error);
  EXPECT_EQ(posts[0].error_type, "Runtime.InitError");
  EXPECT_EQ(server.stats().init_errors, 2u);
}

TEST(RuntimeApiServer, AnythingElseIs404) {
  runtime_api_server server;
  raw_http_client client(server.address());
  for (std::string request : {std::string("GET /2018-06-01/runtime/invocation/x/response HTTP/1.1\r\n\r\n"),
                              std::string("POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
                              std::string("GET / HTTP/1.1\r\n\r\n"),
                              std::string("GET /2018-06-01/runtime/invocation//response HTTP/1.1\r\n\r\n"),
                              std::string("DELETE /2018-06-01/runtime/init/error HTTP/1.1\r\n\r\n")}) {
    client.send(request);
    auto answer = client.read_answer();
    ASSERT_TRUE(answer) << request;
    EXPECT_EQ(answer->status, 404) << request;
  }
}

TEST(RuntimeApiServer, OptionalHeadersAreSentOnlyWhenSet) {
  runtime_api_server server;
  server.enqueue({.payload = "raw bytes", .deadline = deadline_style::absent,
                  .tenant_id = "tenant-1", .invocation_id = "inv-1",
                  .client_context = R"({"custom":{}})", .cognito_identity = R"({"cognitoIdentityId":"x"})",
                  .content_type = std::nullopt, .extra_headers = "X-Extra: yes\r\nLambda-Runtime-Empty: \r\n"});
  server.enqueue({.payload = "{}", .deadline = deadline_style::far_future});
  raw_http_client client(server.address());
  client.send(get_next_request());
  auto first = client.read_answer();
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->has_header("Content-Type"));
  EXPECT_FALSE(first->has_header("Lambda-Runtime-Deadline-Ms"));
  EXPECT_FALSE(first->has_header("Lambda-Runtime-Trace-Id"));
  EXPECT_EQ(first->header("Lambda-Runtime-Aws-Tenant-Id"), "tenant-1");
  EXPECT_EQ(first->header("Lambda-Runtime-Invocation-Id"), "inv-1");
  EXPECT_EQ(first->header("Lambda-Runtime-Client-Context"), R"({"custom":{}})");
  EXPECT_EQ(first->header("Lambda-Runtime-Cognito-Identity"), R"({"cognitoIdentityId":"x"})");
  EXPECT_EQ(first->header("X-Extra"), "yes");
  EXPECT_TRUE(first->has_header("Lambda-Runtime-Empty"));
  EXPECT_EQ(first->body, "raw bytes");
  client.send(get_next_request());
  auto second = client.read_answer();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->header("Lambda-Runtime-Deadline-Ms"), "253402300799999");
}

TEST(RuntimeApiServer, GeneratedRequestIdsAreUniqueAndGivenOnesAreChecked) {
  runtime_api_server server;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(server.enqueue({}));
  EXPECT_EQ(ids.size(), 1000u);
  server.enqueue({.request_id = "mine"});
  EXPECT_THROW(server.enqueue({.request_id = "mine"}), std::invalid_argument);
  EXPECT_THROW(server.enqueue({.request_id = "a\r\nX: y"}), std::invalid_argument);
}

TEST(RuntimeApiServer, ManagedInstancesTimeOutAnInvocationAndAnswerItsLateAnswer410) {
  runtime_api_server server({.timeout = 50ms, .managed_instances = true});
  std::string id = server.enqueue({.payload = "slow"});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(client.read_answer());
  auto done = server.wait_finished(id, wait);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, invocation_state::timed_out);
  EXPECT_EQ(done->failure_type, "Sandbox.Timedout");
  EXPECT_EQ(done->failure_message, "Task timed out after 0.05 seconds");
  EXPECT_GE(done->finished_at - done->delivered_at, 50ms);
  client.send(post_request(invocation_path(id, "response"), "late"));
  auto gone = client.read_answer();
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 410);
  EXPECT_NE(gone->body.find("InvokeTimeout"), std::string::npos);
  EXPECT_FALSE(server.find(id)->answer);
}

TEST(RuntimeApiServer, DeadlinesAreNotEnforcedOutsideManagedInstances) {
  runtime_api_server server({.timeout = 1ms});
  std::string id = server.enqueue({});
  raw_http_client client(server.address());
  client.send(get_next_request());
  auto next = client.read_answer();
  ASSERT_TRUE(next);
  // Past the deadline for sure, as the header says.
  while (epoch_ms() <= std::stoll(next->header("Lambda-Runtime-Deadline-Ms"))) {}
  client.send(post_request(invocation_path(id, "response"), "late but fine"));
  EXPECT_EQ(client.read_answer()->status, 202);
}

TEST(RuntimeApiServer, ChunkedAnswers) {
  runtime_api_server server;
  std::string id = server.enqueue({.payload = "0123456789", .wire = {.chunked = true}});
  raw_http_client client(server.address());
  client.send(get_next_request());
  auto next = client.read_answer();
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->chunked);
  EXPECT_EQ(next->body, "0123456789");
  server.set_wire_faults({.chunked = true});
  client.send(post_request(invocation_path(id, "response"), "x"));
  auto accepted = client.read_answer();
  ASSERT_TRUE(accepted);
  EXPECT_TRUE(accepted->chunked);
  EXPECT_EQ(accepted->body, R"({"status":"OK"})");
}

TEST(RuntimeApiServer, DribbledAnswersArriveWhole) {
  runtime_api_server server;
  std::string payload = R"({"dribbled":true})";
  server.enqueue({.payload = payload, .wire = {.dribble = true}});
  raw_http_client client(server.address());
  client.send(get_next_request());
  auto next = client.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, payload);
  EXPECT_GT(next->reads, 1u);
}

TEST(RuntimeApiServer, CloseAfterEveryAnswer) {
  runtime_api_server server;
  server.set_wire_faults({.close_after = true});
  std::string id = server.enqueue({.payload = "{}"});
  {
    raw_http_client client(server.address());
    client.send(get_next_request());
    auto next = client.read_answer();
    ASSERT_TRUE(next);
    EXPECT_EQ(next->header("Connection"), "close");
    EXPECT_TRUE(client.closed_by_server());
  }
  raw_http_client again(server.address());
  again.send(post_request(invocation_path(id, "response"), "{}"));
  auto accepted = again.read_answer();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 202);
  EXPECT_TRUE(again.closed_by_server());
  EXPECT_TRUE(server.wait_until([](const server_stats& s) { return s.connections_open == 0; }, wait));
  EXPECT_EQ(server.stats().connections_accepted, 2u);
}

TEST(RuntimeApiServer, Http10AnswersEndWhenTheServerCloses) {
  runtime_api_server server;
  server.enqueue({.payload = "old school", .wire = {.http10 = true}});
  raw_http_client client(server.address());
  client.send(get_next_request());
  auto next = client.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->minor_version, 0);
  EXPECT_TRUE(next->until_close);
  EXPECT_FALSE(next->has_header("Content-Length"));
  EXPECT_EQ(next->body, "old school");
}

TEST(RuntimeApiServer, ADroppedPollLeavesTheEventForTheNextPoll) {
  runtime_api_server server;
  std::string id = server.enqueue({.payload = "survivor", .drop_polls = 1});
  raw_http_client first(server.address());
  first.send(get_next_request());
  EXPECT_TRUE(first.closed_by_server());
  EXPECT_EQ(server.find(id)->state, invocation_state::queued);
  raw_http_client second(server.address());
  second.send(get_next_request());
  auto next = second.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "survivor");

  server.drop_polls(1);
  server.enqueue({.payload = "again"});
  second.send(get_next_request());
  EXPECT_TRUE(second.closed_by_server());
  raw_http_client third(server.address());
  third.send(get_next_request());
  auto again = third.read_answer();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, "again");
}

TEST(RuntimeApiServer, FailedPollsAnswerWithTheScriptedStatus) {
  runtime_api_server server;
  raw_http_client parked(server.address());
  parked.send(get_next_request());
  ASSERT_TRUE(server.wait_parked(1, wait));
  server.fail_polls(500);
  auto failed = parked.read_answer();
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  server.enqueue({.payload = "later"});
  parked.send(get_next_request());
  EXPECT_EQ(parked.read_answer()->status, 500);
  server.fail_polls(0);
  parked.send(get_next_request());
  auto next = parked.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "later");
}

TEST(RuntimeApiServer, ForcedPostStatusesFinishTheInvocation) {
  runtime_api_server server;
  std::string a = server.enqueue({.payload = "a"});
  std::string b = server.enqueue({.payload = "b", .post_status = 410});
  raw_http_client client(server.address());
  server.force_post_status(413);
  std::vector<int> statuses;
  for (const std::string& id : {a, b}) {
    client.send(get_next_request());
    ASSERT_TRUE(client.read_answer());
    client.send(post_request(invocation_path(id, "response"), "x"));
    statuses.push_back(client.read_answer()->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{413, 410}));
  EXPECT_EQ(server.find(a)->answer->status, 413);
  EXPECT_EQ(server.find(b)->answer->status, 410);
  EXPECT_TRUE(server.find(b)->finished());
}

TEST(RuntimeApiServer, ResponsesOverSixMebibytesGet413) {
  runtime_api_server server;
  std::string id = server.enqueue({});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(client.read_answer());
  client.send(post_request(invocation_path(id, "response"), std::string(6 * 1024 * 1024 + 1, 'x')));
  auto rejected = client.read_answer();
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 413);
  auto done = server.find(id);
  EXPECT_EQ(done->state, invocation_state::failed);
  EXPECT_EQ(done->failure_type, "Function.ResponseSizeTooLarge");
}

TEST(RuntimeApiServer, ManagedInstancesCapErrorBodiesAtOneMebibyte) {
  runtime_api_server server({.managed_instances = true});
  std::string id = server.enqueue({});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(client.read_answer());
  client.send(post_request(invocation_path(id, "error"), std::string(1024 * 1024 + 1, 'x')));
  EXPECT_EQ(client.read_answer()->status, 413);
}

TEST(RuntimeApiServer, ChunkedAndPipelinedRequests) {
  runtime_api_server server;
  std::string id = server.enqueue({.payload = "p"});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(client.read_answer());
  std::string chunked = "POST " + invocation_path(id, "response") +
                        " HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nTrailer-Field: x\r\n\r\n";
  std::string id2 = server.enqueue({.payload = "q"});
  client.send(chunked + get_next_request());
  EXPECT_EQ(client.read_answer()->status, 202);
  auto next = client.read_answer();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->header("Lambda-Runtime-Aws-Request-Id"), id2);
  EXPECT_EQ(server.find(id)->answer->body, "abcdefg");
}

TEST(RuntimeApiServer, AnswersExpectContinueBeforeTheBody) {
  runtime_api_server server;
  raw_http_client client(server.address());
  client.send("POST /2018-06-01/runtime/init/error HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  auto go_ahead = client.read_answer();
  ASSERT_TRUE(go_ahead);
  EXPECT_EQ(go_ahead->status, 100);
  client.send("{}");
  EXPECT_EQ(client.read_answer()->status, 202);
  EXPECT_EQ(server.posts().at(0).body, "{}");
}

TEST(RuntimeApiServer, MalformedRequestsGet400AndAClose) {
  runtime_api_server server;
  raw_http_client client(server.address());
  client.send("GET /2018-06-01/runtime/invocation/next HTTP/1.1\nHost: x\n\n");
  auto answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(client.closed_by_server());
}

// Found by fuzzing: endless empty lines were read until the buffer filled, then closed unanswered.
TEST(RuntimeApiServer, EndlessEmptyLinesGetAnAnswerAndAClose) {
  runtime_api_server server;
  raw_http_client client(server.address());
  std::string lines;
  for (std::size_t i = 0; i < http::max_head_bytes / 2; ++i) lines += "\r\n";
  client.send(lines);
  auto answer = client.read_answer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 413);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(RuntimeApiServer, ClientsAskingForCloseAreClosedAfterTheirAnswer) {
  runtime_api_server server;
  raw_http_client client(server.address());
  client.send(post_request("/2018-06-01/runtime/init/error", "{}", "Connection: close\r\n"));
  EXPECT_EQ(client.read_answer()->status, 202);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(RuntimeApiServer, APollWhoseClientLeftIsNotGivenAnEvent) {
  runtime_api_server server;
  {
    raw_http_client gone(server.address());
    gone.send(get_next_request());
    ASSERT_TRUE(server.wait_parked(1, wait));
  }
  ASSERT_TRUE(server.wait_until([](const server_stats& s) { return s.polls_parked == 0; }, wait));
  std::string id = server.enqueue({.payload = "kept"});
  EXPECT_EQ(server.find(id)->state, invocation_state::queued);
  raw_http_client client(server.address());
  client.send(get_next_request());
  EXPECT_EQ(client.read_answer()->body, "kept");
}

TEST(RuntimeApiServer, FailUnfinishedFailsQueuedAndRunningInvocations) {
  std::atomic<int> notified{0};
  runtime_api_server server({.on_finished = [&](const invocation&, std::size_t) { ++notified; }});
  std::string running = server.enqueue({});
  std::string queued = server.enqueue({});
  raw_http_client client(server.address());
  client.send(get_next_request());
  ASSERT_TRUE(client.read_answer());
  server.fail_unfinished("Runtime.ExitError", "the bootstrap exited");
  for (const std::string& id : {running, queued}) {
    auto done = server.wait_finished(id, wait);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, invocation_state::failed);
    EXPECT_EQ(done->failure_type, "Runtime.ExitError");
  }
  EXPECT_TRUE(server.wait_until([&](const server_stats&) { return notified == 2; }, wait));
  EXPECT_FALSE(server.wait_finished("never-queued", 1h));
  server.forget(running);
  EXPECT_FALSE(server.find(running));
}

TEST(RuntimeApiServer, ANewRuntimeFailsTheRunningInvocationsAndGetsTheQueuedOnes) {
  runtime_api_server server({.max_running = 1});  // the second poll stays parked
  std::string running = server.enqueue({.payload = "running"});
  std::string queued = server.enqueue({.payload = "queued"});
  raw_http_client gone(server.address());
  gone.send(get_next_request());
  ASSERT_EQ(gone.read_answer()->body, "running");
  gone.send(post_request("/2018-06-01/runtime/init/error", "{}"));
  ASSERT_EQ(gone.read_answer()->status, 202);
  raw_http_client parked(server.address());
  parked.send(get_next_request());
  ASSERT_TRUE(server.wait_parked(1, wait));
  EXPECT_EQ(server.stats().deliveries, 1u);

  server.new_runtime("Runtime.ExitError", "Runtime exited with error: exit status 3");
  auto failed = server.wait_finished(running, wait);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->state, invocation_state::failed);
  EXPECT_EQ(failed->failure_type, "Runtime.ExitError");
  EXPECT_EQ(failed->failure_message, "Runtime exited with error: exit status 3");
  // The old runtime's connections are closed, its parked poll with them: the queued event
  // waits for the new runtime.
  EXPECT_TRUE(gone.closed_by_server(wait));
  EXPECT_TRUE(parked.closed_by_server(wait));
  EXPECT_EQ(server.find(queued)->state, invocation_state::queued);
  EXPECT_TRUE(server.posts().empty());

  raw_http_client fresh(server.address());
  fresh.send(post_request("/2018-06-01/runtime/init/error", "{}"));
  EXPECT_EQ(fresh.read_answer()->status, 202);  // its own init, its own init error
  fresh.send(get_next_request());
  EXPECT_EQ(fresh.read_answer()->body, "queued");
  EXPECT_EQ(server.stats().deliveries, 2u);
}

TEST(RuntimeApiServer, EveryEnqueueReachesAParkedPollWhileOtherThreadsWakeTheLoop) {
  runtime_api_server server;
  std::atomic<bool> done{false};
  // Wakes from another thread race with the loop's reading of its wake-up counter.
  std::thread waker([&] {
    while (!done) server.fail_polls(0);
  });
  raw_http_client client(server.address());
  for (int i = 0; i < 10000; ++i) {
    client.send(get_next_request());
    ASSERT_TRUE(server.wait_parked(1, wait));
    server.enqueue({.payload = std::to_string(i)});
    auto next = client.read_answer(wait);
    ASSERT_TRUE(next) << "event " << i << " was never delivered";
    EXPECT_EQ(next->body, std::to_string(i));
  }
  done = true;
  waker.join();
}

TEST(RuntimeApiServer, AtMostMaxRunningInvocationsRunAtOnce) {
  runtime_api_server server({.max_running = 1});
  std::string first = server.enqueue({.payload = "1"});
  server.enqueue({.payload = "2"});
  raw_http_client a(server.address()), b(server.address());
  a.send(get_next_request());
  b.send(get_next_request());
  auto got = a.read_answer();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, "1");
  ASSERT_TRUE(server.wait_parked(1, wait));
  EXPECT_FALSE(b.readable_within(50ms));
  a.send(post_request(invocation_path(first, "response"), "{}"));
  auto second = b.read_answer();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "2");
}

std::chrono::nanoseconds process_cpu_time() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

// Lowers the soft RLIMIT_NOFILE so that only `spare` more descriptors can be opened, and puts
// the old limit back when it goes.
class descriptor_limit_lowered {
 public:
  explicit descriptor_limit_lowered(rlim_t spare) {
    ::getrlimit(RLIMIT_NOFILE, &old_);
    int highest = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
      highest = std::max(highest, std::stoi(entry.path().filename().string()));
    }
    rlimit lowered = old_;
    lowered.rlim_cur = static_cast<rlim_t>(highest) + 1 + spare;
    ::setrlimit(RLIMIT_NOFILE, &lowered);
  }
  ~descriptor_limit_lowered() { ::setrlimit(RLIMIT_NOFILE, &old_); }

 private:
  rlimit old_{};
};

TEST(RuntimeApiServer, RestsInsteadOfSpinningWhenOutOfDescriptors) {
  runtime_api_server server;
  // Freed once every descriptor is taken, for one more client if the server has none waiting.
  int reserve = ::dup(STDERR_FILENO);
  ASSERT_GE(reserve, 0);
  std::vector<std::unique_ptr<raw_http_client>> clients;
  descriptor_limit_lowered limit(40);
  auto connect = [&] {
    try {
      clients.push_back(std::make_unique<raw_http_client>(server.address()));
    } catch (const std::runtime_error&) {
      return false;
    }
    clients.back()->send(get_next_request());
    return true;
  };
  // Each client is accepted before the next connects, until the server runs out first (it rests
  // with that client waiting) or this side does (then the reserve makes room for one more).
  auto accepted_or_resting = [&] {
    return server.wait_until(
        [&](const server_stats& s) { return s.connections_accepted == clients.size() || s.listener_rests > 0; },
        wait);
  };
  while (clients.size() < 1000 && connect()) {
    ASSERT_TRUE(accepted_or_resting());
    if (server.stats().listener_rests > 0) break;
  }
  ASSERT_LT(clients.size(), 1000u);
  if (server.stats().listener_rests == 0) {
    ::close(std::exchange(reserve, -1));
    ASSERT_TRUE(connect());
    ASSERT_TRUE(server.wait_until([](const server_stats& s) { return s.listener_rests > 0; }, wait));
  }
  std::uint64_t accepted = server.stats().connections_accepted;
  ASSERT_LT(accepted, clients.size());
  ASSERT_GT(accepted, 0u);

  // Nothing else runs in this process now: its CPU time is what the server's thread spends.
  constexpr auto window = 500ms;
  auto cpu_before = process_cpu_time();
  std::this_thread::sleep_for(window);
  auto cpu_used = process_cpu_time() - cpu_before;
  RecordProperty("cpu_us_in_window", static_cast<int>(cpu_used.count() / 1000));
  EXPECT_LT(cpu_used, window / 10) << "the server spun on EMFILE for "
                                   << std::chrono::duration_cast<std::chrono::milliseconds>(cpu_used).count()
                                   << " ms of CPU time in " << window.count() << " ms";

  // A connection that closes frees a descriptor: a waiting client is accepted and served.
  clients.front().reset();
  EXPECT_TRUE(server.wait_until(
      [&](const server_stats& s) {
        return s.connections_accepted > accepted && s.polls_parked == s.connections_open;
      },
      wait));
  clients.clear();
  if (reserve >= 0) ::close(reserve);
}

TEST(RuntimeApiServer, HoldsSeventeenHundredParkedPolls) {
  constexpr std::size_t polls = 1700;
  // Both ends of every connection live in this process.
  if (raise_descriptor_limit() < 2 * polls + 100) GTEST_SKIP() << "the hard RLIMIT_NOFILE is too low";
  runtime_api_server server;
  std::vector<std::unique_ptr<raw_http_client>> clients;
  for (std::size_t i = 0; i < polls; ++i) {
    clients.push_back(std::make_unique<raw_http_client>(server.address()));
    clients.back()->send(get_next_request());
  }
  ASSERT_TRUE(server.wait_parked(polls, 30s));
  for (std::size_t i = 0; i < polls; ++i) server.enqueue({.payload = std::to_string(i)});
  std::set<std::string> ids;
  for (auto& client : clients) {
    auto next = client->read_answer(30s);
    ASSERT_TRUE(next);
    std::string id = next->header("Lambda-Runtime-Aws-Request-Id");
    ids.insert(id);
    client->send(post_request(invocation_path(id, "response"), next->body));
  }
  EXPECT_EQ(ids.size(), polls);
  for (auto& client : clients) EXPECT_EQ(client->read_answer(30s)->status, 202);
  auto stats = server.stats();
  EXPECT_EQ(stats.polls_parked_peak, polls);
  EXPECT_EQ(stats.connections_open, polls);
  EXPECT_EQ(stats.finished, polls);
}

// The Extensions API, as an internal or external extension uses it.
constexpr std::string_view register_path = "/2020-01-01/extension/register";

std::string register_request(std::string_view body, std::string_view name = "my-extension") {
  std::string headers = name.empty() ? "" : "Lambda-Extension-Name: " + std::string(name) + "\r\n";
  return post_request(register_path, body, headers);
}

std::string event_next_request(std::string_view id) {
  return "GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: 127.0.0.1\r\nLambda-Extension-Identifier: " +
         std::string(id) + "\r\n\r\n";
}

TEST(RuntimeApiServer, RoutesTheExtensionsApi) {
  EXPECT_EQ(route_request("POST", "/2020-01-01/extension/register").call, runtime_call::extension_register);
  EXPECT_EQ(route_request("GET", "/2020-01-01/extension/event/next").call, runtime_call::extension_next);
  EXPECT_EQ(route_request("GET", "/2020-01-01/extension/register").call, runtime_call::unknown);
  EXPECT_EQ(route_request("POST", "/2020-01-01/extension/event/next").call, runtime_call::unknown);
  EXPECT_EQ(route_request("POST", "/2020-01-01/extension/registers").call, runtime_call::unknown);
}

TEST(RuntimeApiServer, AnExtensionRegistersDuringInitAndGetsShutdownWhenSubscribed) {
  runtime_api_server server({.function_arn = "arn:aws:lambda:eu-west-1:1:function:f"});
  raw_http_client shutdown_wanted(server.address()), no_events(server.address());
  shutdown_wanted.send(register_request(R"({"events":["SHUTDOWN"]})"));
  auto registered = shutdown_wanted.read_answer();
  ASSERT_TRUE(registered);
  EXPECT_EQ(registered->status, 200);
  const std::string id = registered->header("Lambda-Extension-Identifier");
  EXPECT_EQ(id.size(), 36u) << registered->body;
  EXPECT_EQ(json::find_string(registered->body, "/functionName").value_or(""), "f") << registered->body;
  no_events.send(register_request(R"({"events":[]})", "internal"));
  auto quiet = no_events.read_answer();
  ASSERT_TRUE(quiet);
  ASSERT_EQ(quiet->status, 200);

  shutdown_wanted.send(event_next_request(id));
  no_events.send(event_next_request(quiet->header("Lambda-Extension-Identifier")));
  ASSERT_TRUE(server.wait_until([](const auto& s) { return s.extension_polls_parked == 2; }, wait));
  EXPECT_FALSE(shutdown_wanted.readable_within(0ms));
  EXPECT_EQ(server.stats().extensions_registered, 2u);

  EXPECT_EQ(server.shut_down("spindown", 1234), 2u);
  auto event = shutdown_wanted.read_answer();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->status, 200);
  EXPECT_EQ(event->body, R"({"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":1234})");
  // SHUTDOWN goes out in one turn to every subscriber: the one with no events is still parked.
  EXPECT_EQ(server.stats().extension_polls_parked, 1u);
  EXPECT_FALSE(no_events.readable_within(0ms)) << "an extension with no events was sent SHUTDOWN";
  // A later poll of a subscriber is answered at once.
  shutdown_wanted.send(event_next_request(id));
  auto again = shutdown_wanted.read_answer();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, event->body);

  auto registrations = server.registrations();
  ASSERT_EQ(registrations.size(), 2u);
  EXPECT_EQ(registrations[0].name, "my-extension");
  EXPECT_EQ(registrations[0].events, std::vector<std::string>{"SHUTDOWN"});
  EXPECT_EQ(registrations[0].polls, 2u);
  EXPECT_TRUE(registrations[0].before_first_next);
  EXPECT_EQ(registrations[1].name, "internal");
  EXPECT_TRUE(registrations[1].events.empty());
}

TEST(RuntimeApiServer, RefusesRegistrationsTheApiDoesNotAllow) {
  runtime_api_server server;
  raw_http_client client(server.address());
  auto status_of = [&](const std::string& request) {
    client.send(request);
    auto answer = client.read_answer();
    return answer ? answer->status : 0;
  };
  EXPECT_EQ(status_of(register_request(R"({"events":[]})", "")), 400) << "no Lambda-Extension-Name";
  EXPECT_EQ(status_of(register_request(R"({"events":["SOMETHING"]})")), 400);
  EXPECT_EQ(status_of(register_request(R"({"events":"SHUTDOWN"})")), 400);
  EXPECT_EQ(status_of(register_request("not json")), 400);
  EXPECT_EQ(status_of(event_next_request("not-registered")), 403);
  server.refuse_registrations(500);
  EXPECT_EQ(status_of(register_request(R"({"events":[]})")), 500);
  server.refuse_registrations(0);
  // After the runtime's first /next, init is over: too late to register.
  raw_http_client runtime(server.address());
  runtime.send(get_next_request());
  ASSERT_TRUE(server.wait_parked(1, wait));
  EXPECT_EQ(status_of(register_request(R"({"events":[]})")), 403);
  EXPECT_EQ(server.stats().extensions_registered, 0u);
  auto registrations = server.registrations();
  ASSERT_EQ(registrations.size(), 6u);
  EXPECT_FALSE(registrations.back().before_first_next);
}

TEST(RuntimeApiServer, ARegistrationCanBeDroppedUnanswered) {
  runtime_api_server server;
  server.refuse_registrations(-1);
  raw_http_client client(server.address());
  client.send(register_request(R"({"events":[]})"));
  EXPECT_TRUE(client.closed_by_server());
  ASSERT_EQ(server.registrations().size(), 1u);
  EXPECT_EQ(server.registrations()[0].status, 0);
}

}  // namespace
}  // namespace lambda::emulator
